"""The Django admin of inbox messages: read-only browsing, html only in a sandbox."""

import re

import pytest
from django.urls import reverse

from inbox.models import InboxMessage
from tests.inbox_helpers import deliver

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:inbox_inboxmessage_changelist")


def change_url(message: InboxMessage) -> str:
    return reverse("admin:inbox_inboxmessage_change", args=[message.pk])


@pytest.fixture
def message(world) -> InboxMessage:
    body = {"text/plain": "Pay now", "text/html": '<p>Pay <a href="https://x.test">now</a></p>'}
    return deliver(world.users["C1_user"], "Invoice ready", body=body)


def test_changelist_lists_messages(admin_client, message):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert "Invoice ready" in response.content.decode()


def test_changelist_searches_subjects(admin_client, message, world):
    deliver(world.users["C1_user"], "Something else")
    html = admin_client.get(CHANGELIST, {"q": "Invoice"}).content.decode()
    assert "Invoice ready" in html and "Something else" not in html


def test_detail_is_read_only(admin_client, message):
    html = admin_client.get(change_url(message)).content.decode()
    assert "Pay now" in html
    assert 'name="_save"' not in html


def test_detail_shows_html_in_a_sandboxed_iframe(admin_client, message):
    html = admin_client.get(change_url(message)).content.decode()
    iframe = re.search(r"<iframe [^>]*>", html)
    assert iframe is not None and 'sandbox=""' in iframe.group(0)
    assert "<p>Pay <a" not in re.sub(r'srcdoc="[^"]*"', "", html)


def test_add_is_forbidden(admin_client):
    assert admin_client.get(reverse("admin:inbox_inboxmessage_add")).status_code == 403


def test_change_is_forbidden(admin_client, message):
    response = admin_client.post(change_url(message), {"subject": "tampered"})
    assert response.status_code == 403
    assert InboxMessage.objects.get(pk=message.pk).subject == "Invoice ready"


def test_delete_is_forbidden(admin_client, message):
    url = reverse("admin:inbox_inboxmessage_delete", args=[message.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert InboxMessage.objects.filter(pk=message.pk).exists()
