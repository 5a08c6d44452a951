"""Templates in the Django admin: browse levels, see inheritance, edit as safely as the API."""

import pytest
from django.contrib.auth.models import User as StaffUser
from django.test import Client
from django.urls import reverse

from notifications.models import NotificationTemplate

pytestmark = pytest.mark.django_db

VM = "voicemail_to_email"


@pytest.fixture
def staff(world) -> Client:
    StaffUser.objects.create_superuser("staff", "staff@example.net", "pw")
    client = Client()
    client.login(username="staff", password="pw")
    return client


@pytest.fixture
def override(world) -> NotificationTemplate:
    """R overrides the html body; C1 overrides only the metadata."""
    admin = world.api("R_admin")
    admin.post(
        f"/v2/accounts/{world.id('R')}/notifications/{VM}",
        "<p>R's body for {{user.first_name}}</p>",
        content_type="text/html",
    )
    document = admin.get(f"/v2/accounts/{world.id('C1')}/notifications/{VM}").json()["data"]
    world.api("C1_admin").post(
        f"/v2/accounts/{world.id('C1')}/notifications/{VM}",
        {"data": {**document, "subject": "C1 subject"}},
    )
    return NotificationTemplate.objects.get(account=world.accounts["C1"], template_id=VM)


def change_url(row: NotificationTemplate) -> str:
    return reverse("admin:notifications_notificationtemplate_change", args=[row.pk])


def form_data(client: Client, row: NotificationTemplate, **changes) -> dict:
    page = client.get(change_url(row))
    form = page.context["adminform"].form
    data = {name: form.initial.get(name, "") for name in ("subject", "sender", "html", "plain")}
    data["enabled"] = "on"
    data.update(changes)
    return data


def test_the_list_shows_system_defaults_and_overrides(staff, override):
    url = reverse("admin:notifications_notificationtemplate_changelist")
    page = staff.get(url + "?all=&q=voicemail")
    assert page.status_code == 200
    owners = {row.account.name if row.account else None for row in page.context["cl"].result_list}
    assert {None, "R", "C1"} <= owners
    assert '<td class="field-owner">System default</td>' in page.content.decode()
    only_overrides = staff.get(url + "?level=override")
    assert all(row.account_id for row in only_overrides.context["cl"].result_list)


def test_the_change_page_says_where_each_body_comes_from(staff, override):
    page = staff.get(change_url(override))
    assert page.status_code == 200
    text = page.content.decode()
    assert "text/html: inherited from R" in text
    assert "text/plain: the system default" in text


def test_the_preview_is_a_sandboxed_frame_wide_enough_for_600px_mail(staff, override):
    text = staff.get(change_url(override)).content.decode()
    assert '<iframe sandbox=""' in text
    assert "width: 660px" in text
    assert "R&#x27;s body for" in text or "R&amp;#x27;s body for" in text


def test_staff_edits_are_sanitized_like_api_uploads(staff, world, override):
    data = form_data(staff, override, html="<p>Hi {{user.first_name}}</p><script>x()</script>")
    response = staff.post(change_url(override), data)
    assert response.status_code == 302
    html = world.api("C1_admin").get(
        f"/v2/accounts/{world.id('C1')}/notifications/{VM}", headers={"Accept": "text/html"}
    )
    assert html.content.decode().startswith("<p>Hi {{user.first_name}}</p>")
    assert b"<script" not in html.content


def test_invalid_mustache_is_refused_and_nothing_is_stored(staff, override):
    data = form_data(staff, override, plain="{{#open}} never closed")
    response = staff.post(change_url(override), data)
    assert response.status_code == 200
    assert b"Failed to compile template" in response.content
    assert not override.bodies.filter(content_type="text/plain").exists()


def test_an_invalid_sender_is_refused_with_the_apis_rule(staff, override):
    response = staff.post(change_url(override), form_data(staff, override, sender="not-an-email"))
    assert response.status_code == 200
    assert b"from:" in response.content


def test_a_subject_edit_reaches_the_api_at_once(staff, world, override):
    staff.post(change_url(override), form_data(staff, override, subject="Edited in admin"))
    data = world.api("C1_admin").get(f"/v2/accounts/{world.id('C1')}/notifications/{VM}")
    assert data.json()["data"]["subject"] == "Edited in admin"


def test_emptying_a_body_returns_to_inheritance(staff, world, override):
    staff.post(change_url(override), form_data(staff, override, html="<p>Own</p>"))
    staff.post(change_url(override), form_data(staff, override, html=""))
    text = staff.get(change_url(override)).content.decode()
    assert "text/html: inherited from R" in text
