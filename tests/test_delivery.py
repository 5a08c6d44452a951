"""Sending through the API: rendered mail as a real SMTP server receives it, and its log row."""

import base64
import time

import pytest

from smtplog.models import SmtpLog

VM = "voicemail_to_email"


def send_path(world, account="C1", template_id=VM):
    return f"/v2/accounts/{world.id(account)}/notifications/{template_id}/send"


def override(world, account, **fields):
    body = {
        "id": VM,
        "from": "noc@reseller.example",
        "subject": "Voicemail for {{user.first_name}}",
        "to": {"type": "original"},
        **fields,
    }
    world.api("master_admin").put(f"/v2/accounts/{world.id(account)}/notifications", {"data": body})


def upload(world, account, content_type, source):
    world.api("master_admin").post(
        f"/v2/accounts/{world.id(account)}/notifications/{VM}", source, content_type=content_type
    )


def test_send_delivers_one_multipart_message_with_text_then_html(live_world, mail_sink):
    world = live_world
    override(world, "R")
    response = world.api("C1_admin").post(
        send_path(world),
        {
            "data": {
                "macros": {"user.first_name": "Zoë"},
                "to": {"email_addresses": ["a@x.example"]},
            }
        },
    )
    assert response.status_code == 202
    log_id = response.json()["data"]["log_ids"][0]
    (received,) = mail_sink.wait_for(1)
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())
    assert message["Subject"] == "Voicemail for Zoë"
    assert message["From"] == "noc@reseller.example"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"]
    assert message["Message-ID"] and message["Date"]
    row = SmtpLog.objects.get(pk=log_id)
    assert row.status == "sent"
    assert row.receipt.startswith("2.0.0 Ok: queued as")
    assert row.template_account_id is None
    received_text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert row.rendered_templates["text/plain"] == received_text


def test_cc_and_every_bcc_receive_it_and_no_bcc_header(live_world, mail_sink):
    world = live_world
    override(world, "R")
    world.api("C1_admin").post(
        send_path(world),
        {
            "data": {
                "to": {"email_addresses": ["to@x.example"]},
                "cc": {"email_addresses": ["cc@x.example"]},
                "bcc": {"email_addresses": ["b1@x.example", "b2@x.example"]},
            }
        },
    )
    (received,) = mail_sink.wait_for(1)
    assert set(received.rcpt_tos) == {
        "to@x.example",
        "cc@x.example",
        "b1@x.example",
        "b2@x.example",
    }
    assert received.message["Cc"] == "cc@x.example"
    assert "Bcc" not in received.message
    assert b"b1@x.example" not in received.data


def test_macro_with_crlf_cannot_inject_headers(live_world, mail_sink):
    world = live_world
    override(world, "R")
    evil = "Eve\r\nBcc: victim@evil.example"
    world.api("C1_admin").post(
        send_path(world),
        {"data": {"macros": {"user.first_name": evil}, "to": {"email_addresses": ["a@x.example"]}}},
    )
    (received,) = mail_sink.wait_for(1)
    assert "Bcc" not in received.message
    assert received.rcpt_tos == ["a@x.example"]
    assert "\n" not in received.message["Subject"]


def test_html_macros_are_escaped_and_text_is_not(live_world, mail_sink):
    world = live_world
    override(world, "R")
    upload(world, "R", "text/html", "<p>{{user.first_name}}</p>")
    upload(world, "R", "text/plain", "Hi {{user.first_name}}")
    world.api("C1_admin").post(
        send_path(world),
        {
            "data": {
                "macros": {"user.first_name": "<b>Tom & 'Jerry'</b>"},
                "to": {"email_addresses": ["a@x.example"]},
            }
        },
    )
    (received,) = mail_sink.wait_for(1)
    html = received.message.get_body(("html",)).get_content()
    text = received.message.get_body(("plain",)).get_content()
    assert (
        "&lt;b&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/b&gt;" in html
        or "&lt;b&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;" in html
    )
    assert "Hi <b>Tom & 'Jerry'</b>" in text


def test_utf8_subject_and_bodies_round_trip(live_world, mail_sink):
    world = live_world
    override(world, "R", subject="Grüße — {{user.first_name}} ✓")
    upload(world, "R", "text/plain", "日本語 {{user.first_name}}")
    world.api("C1_admin").post(
        send_path(world),
        {
            "data": {
                "macros": {"user.first_name": "Jürgen"},
                "to": {"email_addresses": ["a@x.example"]},
            }
        },
    )
    (received,) = mail_sink.wait_for(1)
    assert received.message["Subject"] == "Grüße — Jürgen ✓"
    assert "日本語 Jürgen" in received.message.get_body(("plain",)).get_content()


def test_template_account_id_names_the_account_whose_bodies_were_used(live_world, mail_sink):
    world = live_world
    override(world, "R")
    upload(world, "R", "text/html", "<p>R body</p>")
    response = world.api("C1_admin").post(
        send_path(world), {"data": {"to": {"email_addresses": ["a@x.example"]}}}
    )
    mail_sink.wait_for(1)
    row = SmtpLog.objects.get(pk=response.json()["data"]["log_ids"][0])
    assert row.template_account_id == world.id("R")
    assert row.account_id == world.id("C1")


def test_admins_recipients_are_the_resellers_admin_users(live_world, mail_sink):
    world = live_world
    override(world, "R", to={"type": "admins"})
    world.api("C1_admin").post(send_path(world, "G"), {"data": {}})
    (received,) = mail_sink.wait_for(1)
    assert received.rcpt_tos == [world.users["R_admin"].email]


def test_invalid_addresses_are_dropped_and_reported(live_world, mail_sink):
    world = live_world
    override(world, "R")
    response = world.api("C1_admin").post(
        send_path(world),
        {"data": {"to": {"email_addresses": ["ok@x.example", "bad@", "ok@x.example"]}}},
    )
    assert response.status_code == 400 or response.json()["data"]["invalid_addresses"] == ["bad@"]


def test_duplicates_across_fields_are_delivered_once(live_world, mail_sink):
    world = live_world
    override(world, "R")
    world.api("C1_admin").post(
        send_path(world),
        {
            "data": {
                "to": {"email_addresses": ["a@x.example"]},
                "bcc": {"email_addresses": ["A@x.example", "b@x.example"]},
            }
        },
    )
    (received,) = mail_sink.wait_for(1)
    assert sorted(received.rcpt_tos) == ["a@x.example", "b@x.example"]


def test_disabled_template_answers_200_disabled_and_sends_nothing(live_world, mail_sink):
    world = live_world
    override(world, "R", enabled=False)
    response = world.api("C1_admin").post(
        send_path(world), {"data": {"to": {"email_addresses": ["a@x.example"]}}}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"status": "disabled"}
    assert SmtpLog.objects.count() == 0


def test_idempotency_key_sends_once_and_returns_first_result(live_world, mail_sink):
    world = live_world
    override(world, "R")
    body = {"data": {"to": {"email_addresses": ["a@x.example"]}, "idempotency_key": "evt-1"}}
    first = world.api("C1_admin").post(send_path(world), body).json()["data"]
    second = world.api("C1_admin").post(send_path(world), body).json()["data"]
    assert first == second
    mail_sink.wait_for(1)
    assert len(mail_sink.messages) == 1
    assert SmtpLog.objects.count() == 1


def test_send_unknown_template_is_404(live_world):
    response = live_world.api("C1_admin").post(
        send_path(live_world, template_id="nope"), {"data": {}}
    )
    assert response.status_code == 404


def test_send_validates_its_body(live_world):
    response = live_world.api("C1_admin").post(
        send_path(live_world), {"data": {"reply_to": "nope", "macros": []}}
    )
    assert response.status_code == 400
    data = response.json()["data"]
    assert "wrong_format" in data["reply_to"] and "type" in data["macros"]


@pytest.mark.parametrize("principal", ["C1_user", "R2_admin", "D_admin", None])
def test_send_is_refused_to_plain_users_and_outsiders(live_world, principal):
    response = live_world.api(principal).post(send_path(live_world), {"data": {}})
    assert response.status_code == (401 if principal is None else 403)


def test_permanent_smtp_failure_marks_failed_without_retry(live_world, mail_sink):
    world = live_world
    override(world, "R")
    mail_sink.fail_next(1, code=554, message="5.7.1 Rejected")
    response = world.api("C1_admin").post(
        send_path(world), {"data": {"to": {"email_addresses": ["a@x.example"]}}}
    )
    row = SmtpLog.objects.get(pk=response.json()["data"]["log_ids"][0])
    assert row.status == "failed"
    assert row.attempts == 1
    assert "554" in row.error


def test_transient_failure_stays_queued_with_error_then_sweep_delivers(
    live_world, mail_sink, settings
):
    from django.core.management import call_command

    settings.DELIVERY_RETRY_BASE = 0.01
    world = live_world
    override(world, "R")
    mail_sink.fail_next(1, code=451)
    response = world.api("C1_admin").post(
        send_path(world), {"data": {"to": {"email_addresses": ["a@x.example"]}}}
    )
    row = SmtpLog.objects.get(pk=response.json()["data"]["log_ids"][0])
    assert row.status == "queued" and "451" in row.error
    time.sleep(0.02)
    call_command("sweep_deliveries", "--now")
    row.refresh_from_db()
    assert row.status == "sent"
    assert row.attempts == 2
    assert len(mail_sink.wait_for(1)) == 1


# --- preview --------------------------------------------------------------------------------


def preview_path(world, account="C1", template_id=VM):
    return f"/v2/accounts/{world.id(account)}/notifications/{template_id}/preview"


def test_preview_render_only_returns_subject_and_bodies_with_sample_data(live_world):
    response = live_world.api("C1_admin").post(
        preview_path(live_world) + "?send=false", {"data": {}}
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"subject", "text/plain", "text/html"}
    assert data["subject"].startswith("New voicemail from ")
    assert len(data["subject"]) > len("New voicemail from ")
    assert "{{" not in data["text/html"]


def test_preview_macros_override_sample_data(live_world):
    response = live_world.api("C1_admin").post(
        preview_path(live_world),
        {
            "data": {
                "send": False,
                "subject": "For {{user.first_name}}",
                "macros": {"user.first_name": "Quinn"},
            }
        },
    )
    assert response.json()["data"]["subject"] == "For Quinn"


def test_preview_sends_supplied_parts_and_logs_it(live_world, mail_sink):
    html = base64.b64encode(b"<p>Preview {{user.first_name}}</p>").decode()
    response = live_world.api("C1_admin").post(
        preview_path(live_world),
        {
            "data": {
                "to": {"email_addresses": ["me@x.example"]},
                "from": "kazoo@x.example",
                "subject": "Testing",
                "html": html,
                "plain": "Sent to {{user.email}}",
            }
        },
    )
    assert response.status_code == 200
    assert response.json()["data"] == "Notification processing"
    (received,) = mail_sink.wait_for(1)
    assert received.rcpt_tos == ["me@x.example"]
    assert received.message["Subject"] == "Testing"
    assert "Preview " in received.message.get_body(("html",)).get_content()
    assert SmtpLog.objects.filter(account=live_world.accounts["C1"], template_id=VM).count() == 1


def test_preview_requires_kazoo_fields_when_sending(live_world):
    response = live_world.api("C1_admin").post(preview_path(live_world), {"data": {}})
    assert response.status_code == 400
    assert set(response.json()["data"]) == {"from", "subject", "to"}


def test_preview_invalid_mustache_is_400(live_world):
    response = live_world.api("C1_admin").post(
        preview_path(live_world) + "?send=false", {"data": {"plain": "{{#x}}"}}
    )
    assert response.status_code == 400


def test_preview_unknown_id_is_404(live_world):
    response = live_world.api("C1_admin").post(
        preview_path(live_world, template_id="nope") + "?send=false", {"data": {}}
    )
    assert response.status_code == 404


def test_system_preview_is_superduper_only(live_world):
    path = f"/v2/notifications/{VM}/preview?send=false"
    assert live_world.api("R_admin").post(path, {"data": {}}).status_code == 403
    assert live_world.api("master_admin").post(path, {"data": {}}).status_code == 200


def test_preview_of_outsider_account_is_403(live_world):
    response = live_world.api("R2_admin").post(
        preview_path(live_world) + "?send=false", {"data": {}}
    )
    assert response.status_code == 403
