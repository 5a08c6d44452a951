"""The Django admin of deliveries: every channel, read-only, filters, search, and safe
display of events and the prepared document. The SMTP log admin keeps email rows only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.timezone import now

from smtplog.models import SmtpLog, Status
from tests.deliveries_helpers import email_row, sms_row
from tests.gateways_helpers import FAKE_SMS, create, webhook_gateway

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:deliveries_delivery_changelist")
SECRET = "planted-secret-token-0123456789"


def change_url(row: SmtpLog) -> str:
    return reverse("admin:deliveries_delivery_change", args=[row.pk])


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def gateways(world) -> dict:
    api, r = world.api("R_admin"), world.id("R")
    return {
        "fake": create(api, r, {**FAKE_SMS, "name": "Fake SMS"}),
        "hook": create(api, r, webhook_gateway("http://127.0.0.1:9/hook", token=SECRET)),
    }


@pytest.fixture
def rows(world, gateways) -> dict[str, SmtpLog]:
    a = world.accounts
    sent = sms_row(a["R"], gateways["fake"]["id"], subject="Subject sms", to="+14155552671")
    SmtpLog.objects.filter(pk=sent.pk).update(status=Status.SENT, provider_message_id="fake-77")
    return {
        "sms": sent,
        "hook": sms_row(
            a["C1"], gateways["hook"]["id"], subject="Subject hook", priority=9, to="+14155552672"
        ),
        "jabber": sms_row(
            a["C2"],
            channel="jabber",
            to="bob@xmpp.example",
            subject="Subject jabber",
            created=now() - timedelta(days=3),
        ),
        "email": email_row(a["R"], subject="Subject email", to="alice@example.com"),
    }


def listed(html: str, rows: dict[str, SmtpLog]) -> set[str]:
    return {name for name, row in rows.items() if row.subject in html}


def test_changelist_lists_every_channel(admin_client, rows):
    assert listed(page(admin_client, CHANGELIST), rows) == {"sms", "hook", "jabber", "email"}


def test_changelist_filters_by_channel(admin_client, rows):
    assert listed(page(admin_client, f"{CHANGELIST}?channel__exact=jabber"), rows) == {"jabber"}


def test_changelist_filters_by_status(admin_client, rows):
    assert listed(page(admin_client, f"{CHANGELIST}?status__exact=sent"), rows) == {"sms"}


def test_changelist_filters_by_gateway(admin_client, rows, gateways):
    html = page(admin_client, f"{CHANGELIST}?gateway_id={gateways['hook']['id']}")
    assert listed(html, rows) == {"hook"}


def test_changelist_filters_rows_without_a_gateway(admin_client, rows):
    assert listed(page(admin_client, f"{CHANGELIST}?gateway_id=none"), rows) == {
        "jabber",
        "email",
    }


def test_gateway_filter_offers_gateways_by_name(admin_client, rows):
    html = page(admin_client, CHANGELIST)
    assert "Fake SMS (vendor/sms)" in html and "Hook (vendor/sms)" in html


def test_changelist_filters_by_priority(admin_client, rows):
    assert listed(page(admin_client, f"{CHANGELIST}?priority=9"), rows) == {"hook"}


def test_changelist_filters_by_date(admin_client, rows):
    since = urlencode({"created__gte": (now() - timedelta(days=1)).isoformat()})
    html = page(admin_client, f"{CHANGELIST}?{since}")
    assert listed(html, rows) == {"sms", "hook", "email"}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("+14155552672", {"hook"}),
        ("fake-77", {"sms"}),
        ("Subject jabber", {"jabber"}),
        ("alice@example.com", {"email"}),
    ],
)
def test_changelist_searches_address_provider_id_and_subject(admin_client, rows, term, expected):
    assert listed(page(admin_client, f"{CHANGELIST}?{urlencode({'q': term})}"), rows) == expected


def test_detail_shows_events_pretty_printed(admin_client, rows):
    events = [{"at": "2026-01-01T00:00:00+00:00", "source": "webhook", "status": "delivered"}]
    SmtpLog.objects.filter(pk=rows["sms"].pk).update(events=events)
    html = page(admin_client, change_url(rows["sms"]))
    assert "<pre>[\n  {\n" in html and "&quot;webhook&quot;" in html


def test_detail_shows_the_prepared_document_as_escaped_text(admin_client, rows):
    document = '{"content":"<b>Grüße</b>"}'.encode()
    SmtpLog.objects.filter(pk=rows["sms"].pk).update(prepared_document=document)
    html = page(admin_client, change_url(rows["sms"]))
    assert "&lt;b&gt;Grüße&lt;/b&gt;" in html and "<b>Grüße</b>" not in html


def test_detail_is_read_only(admin_client, rows):
    html = page(admin_client, change_url(rows["hook"]))
    assert 'name="_save"' not in html and "<textarea" not in html


def test_add_change_and_delete_are_forbidden(admin_client, rows):
    assert admin_client.get(reverse("admin:deliveries_delivery_add")).status_code == 403
    delete = reverse("admin:deliveries_delivery_delete", args=[rows["sms"].pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert SmtpLog.objects.filter(pk=rows["sms"].pk).exists()


def test_gateway_secrets_never_appear(admin_client, rows):
    assert SECRET not in page(admin_client, CHANGELIST)
    assert SECRET not in page(admin_client, change_url(rows["hook"]))


def test_smtp_log_admin_still_lists_only_email_rows(admin_client, rows):
    html = page(admin_client, reverse("admin:smtplog_smtplog_changelist"))
    assert listed(html, rows) == {"email"}


def test_anonymous_is_sent_to_the_login_page(client, rows):
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
