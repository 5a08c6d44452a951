"""The Django admin of the SMTP log: read-only browsing, safe html, and the retry action."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.timezone import localtime, now

from deliveries import queue
from notifications.models import Broadcast
from smtplog.models import SmtpLog, Status

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:smtplog_smtplog_changelist")
SCRIPT_HTML = "<p>Hello</p><script>alert('owned')</script><img src=x onerror=\"alert(1)\">"


def make_log(account, *, subject: str, status: str = Status.SENT, **fields) -> SmtpLog:
    to = fields.pop("to", "alice@example.com")
    defaults = {
        "template_id": "new_user",
        "emails": {"from": "no_reply@example.net", "to": [to]},
        "recipients": to,
        "rendered_templates": {"text/plain": f"{subject}\n", "text/html": f"<p>{subject}</p>"},
        "receipt": "2.0.0 Ok: queued as AB12" if status == Status.SENT else "",
        "attempts": 1,
    }
    return SmtpLog.objects.create(
        account=account, subject=subject, status=status, **{**defaults, **fields}
    )


@pytest.fixture
def logs(world) -> dict[str, SmtpLog]:
    a = world.accounts
    return {
        "sent": make_log(a["C1"], subject="Welcome Alice", template_id="new_user"),
        "failed": make_log(
            a["C2"],
            subject="Voicemail from Bob",
            status=Status.FAILED,
            template_id="voicemail_to_email",
            to="bob@example.org",
            error="550 5.1.1 mailbox unknown",
            attempts=3,
            created=now() - timedelta(days=3),
        ),
        "queued": make_log(
            a["R"], subject="Low balance", status=Status.QUEUED, template_id="low_balance"
        ),
    }


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def listed_subjects(html: str, logs: dict[str, SmtpLog]) -> set[str]:
    return {name for name, row in logs.items() if row.subject in html}


def test_changelist_lists_every_row_with_its_columns(admin_client, logs, world):
    html = page(admin_client, CHANGELIST)
    assert listed_subjects(html, logs) == {"sent", "failed", "queued"}
    assert "bob@example.org" in html  # first recipient column
    assert "voicemail_to_email" in html
    assert world.accounts["C2"].name in html


def test_changelist_filters_by_status(admin_client, logs):
    html = page(admin_client, f"{CHANGELIST}?status__exact=failed")
    assert listed_subjects(html, logs) == {"failed"}


def test_changelist_filters_by_template(admin_client, logs):
    html = page(admin_client, f"{CHANGELIST}?template_id=low_balance")
    assert listed_subjects(html, logs) == {"queued"}


def test_changelist_filters_by_account(admin_client, logs, world):
    html = page(admin_client, f"{CHANGELIST}?account__id__exact={world.id('C1')}")
    assert listed_subjects(html, logs) == {"sent"}


def test_account_filter_offers_only_accounts_with_entries(admin_client, logs, world):
    html = page(admin_client, CHANGELIST)
    assert f"account__id__exact={world.id('C1')}" in html
    assert f"account__id__exact={world.id('D')}" not in html


def test_changelist_filters_by_date(admin_client, logs):
    midnight = localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    query = urlencode({"created__gte": midnight, "created__lt": midnight + timedelta(days=1)})
    html = page(admin_client, f"{CHANGELIST}?{query}")
    assert listed_subjects(html, logs) == {"sent", "queued"}


def test_changelist_drills_down_by_date_hierarchy(admin_client, logs):
    created = logs["failed"].created
    query = (
        f"created__year={created.year}&created__month={created.month}&created__day={created.day}"
    )
    html = page(admin_client, f"{CHANGELIST}?{query}")
    assert "failed" in listed_subjects(html, logs)


@pytest.mark.parametrize(
    ("term", "expected"),
    [("voicemail", {"failed"}), ("bob@example.org", {"failed"}), ("AB12", {"sent"})],
)
def test_changelist_searches_subject_recipients_and_receipt(admin_client, logs, term, expected):
    assert listed_subjects(page(admin_client, f"{CHANGELIST}?q={term}"), logs) == expected


def change_url(row: SmtpLog) -> str:
    return reverse("admin:smtplog_smtplog_change", args=[row.pk])


def test_detail_shows_the_fields_read_only(admin_client, logs):
    html = page(admin_client, change_url(logs["failed"]))
    assert "550 5.1.1 mailbox unknown" in html
    assert "bob@example.org" in html
    assert 'name="_save"' not in html  # no save button: nothing is editable
    assert "<textarea" not in html


def test_detail_shows_rendered_html_in_a_sandboxed_iframe(admin_client, world):
    row = make_log(
        world.accounts["C1"],
        subject="Scripted",
        rendered_templates={"text/html": SCRIPT_HTML, "text/plain": "Hello <b>text</b>"},
    )
    html = page(admin_client, change_url(row))
    iframe = re.search(r"<iframe [^>]*>", html)
    assert iframe is not None
    assert 'sandbox=""' in iframe.group(0)
    assert 'srcdoc="&lt;p&gt;Hello&lt;/p&gt;&lt;script&gt;alert(&#x27;owned&#x27;)' in html
    assert "<pre>Hello &lt;b&gt;text&lt;/b&gt;</pre>" in html


def test_detail_never_emits_the_rendered_html_unescaped(admin_client, world):
    row = make_log(
        world.accounts["C1"], subject="Scripted", rendered_templates={"text/html": SCRIPT_HTML}
    )
    html = page(admin_client, change_url(row))
    assert "<script>alert" not in html
    assert 'onerror="alert' not in html
    # Outside the srcdoc attribute the only trace is the escaped source listing.
    outside = re.sub(r'srcdoc="[^"]*"', "", html)
    assert "alert(&#x27;owned&#x27;)" in outside  # the <pre> source, escaped
    assert "<img src=x" not in outside


def test_add_is_forbidden(admin_client, logs):
    assert admin_client.get(reverse("admin:smtplog_smtplog_add")).status_code == 403


def test_delete_is_forbidden(admin_client, logs):
    url = reverse("admin:smtplog_smtplog_delete", args=[logs["sent"].pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert SmtpLog.objects.filter(pk=logs["sent"].pk).exists()


def test_change_is_forbidden(admin_client, logs):
    row = logs["sent"]
    response = admin_client.post(change_url(row), {"subject": "tampered"})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.subject == "Welcome Alice"


def test_bulk_delete_action_is_not_offered(admin_client, logs):
    html = page(admin_client, CHANGELIST)
    assert 'value="delete_selected"' not in html
    assert 'value="retry_failed"' in html


def run_retry(client: Client, rows: list[SmtpLog]):
    return client.post(
        CHANGELIST,
        {"action": "retry_failed", "_selected_action": [row.pk for row in rows]},
        follow=True,
    )


def test_retry_action_requeues_failed_rows_and_dispatches_them_after_commit(
    admin_client, logs, monkeypatch, django_capture_on_commit_callbacks
):
    dispatched = []
    monkeypatch.setattr(queue, "dispatch", lambda ids: dispatched.append(list(ids)))
    failed = logs["failed"]
    failed.next_attempt = now()
    failed.finished_at = now()
    failed.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = run_retry(admin_client, [failed])
    assert response.status_code == 200
    assert len(callbacks) == 1
    assert dispatched == [[failed.pk]]
    failed.refresh_from_db()
    assert failed.status == Status.QUEUED
    assert failed.attempts == 3
    assert failed.error == "550 5.1.1 mailbox unknown"
    assert failed.next_attempt is None
    assert failed.finished_at is None
    assert "1 failed deliveries queued again." in response.content.decode()


def test_retry_action_leaves_rows_that_are_not_failed_alone(
    admin_client, logs, monkeypatch, django_capture_on_commit_callbacks
):
    dispatched = []
    monkeypatch.setattr(queue, "dispatch", lambda ids: dispatched.append(list(ids)))
    with django_capture_on_commit_callbacks(execute=True):
        response = run_retry(admin_client, [logs["sent"], logs["queued"], logs["failed"]])
    assert dispatched == [[logs["failed"].pk]]
    statuses = dict(SmtpLog.objects.values_list("pk", "status"))
    assert statuses[logs["sent"].pk] == Status.SENT
    assert "2 selected rows were not failed" in response.content.decode()


def test_retry_action_to_an_unreachable_relay_keeps_the_row_queued_without_spending_an_attempt(
    admin_client, logs, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2.0
    failed = logs["failed"]
    with django_capture_on_commit_callbacks(execute=True):
        run_retry(admin_client, [failed])
    failed.refresh_from_db()
    assert failed.status == Status.QUEUED  # unreachable relay: back-off, still queued
    assert failed.attempts == 3  # the attempt is refunded: the relay was never reached
    assert "Connection refused" in failed.error  # the retry really went to the wire
    assert failed.next_attempt is not None


@pytest.fixture
def viewer_client(db) -> Client:
    """A staff member who may look at the log but not change anything."""
    user = User.objects.create_user("viewer", password="viewer-pass", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_smtplog"))
    client = Client()
    client.force_login(user)
    return client


def test_view_only_staff_may_browse_but_not_retry(viewer_client, logs):
    html = page(viewer_client, CHANGELIST)
    assert logs["failed"].subject in html
    assert 'value="retry_failed"' not in html
    page(viewer_client, change_url(logs["failed"]))
    run_retry(viewer_client, [logs["failed"]])
    logs["failed"].refresh_from_db()
    assert logs["failed"].status == Status.FAILED


def test_anonymous_is_sent_to_the_login_page(client, logs):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_broadcasts_are_browsable_read_only(admin_client, world):
    broadcast = Broadcast.objects.create(
        account=world.accounts["R"], accounts=2, recipients=5, request={"subject": "Hi"}
    )
    html = page(admin_client, reverse("admin:notifications_broadcast_changelist"))
    assert world.accounts["R"].name in html
    detail = page(
        admin_client, reverse("admin:notifications_broadcast_change", args=[broadcast.pk])
    )
    assert f"?broadcast__exact={broadcast.pk}" in detail
    assert 'name="_save"' not in detail
    add = admin_client.get(reverse("admin:notifications_broadcast_add"))
    assert add.status_code == 403


def test_broadcast_link_lists_its_deliveries(admin_client, world):
    broadcast = Broadcast.objects.create(account=world.accounts["R"])
    make_log(world.accounts["R"], subject="Part of it", broadcast=broadcast)
    make_log(world.accounts["R"], subject="Unrelated")
    html = page(admin_client, f"{CHANGELIST}?broadcast__exact={broadcast.pk}")
    assert "Part of it" in html
    assert "Unrelated" not in html
