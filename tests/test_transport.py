"""SmtpTransport against a real SMTP server (smtplog.sink) over TCP."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest

from smtplog.sink import MailSink, ReceivedMessage
from smtplog.transport import (
    DeliveryError,
    Email,
    InvalidAddress,
    SmtpSettings,
    SmtpTransport,
    build_message,
)

UNICODE = "Grüße — 日本語 ✓"


@pytest.fixture(scope="module")
def sink() -> Iterator[MailSink]:
    with MailSink(0) as server:
        yield server


@pytest.fixture(autouse=True)
def clean_sink(sink: MailSink) -> None:
    if not sink.running:
        sink.start()
    sink.clear()


@pytest.fixture
def transport(sink: MailSink) -> Iterator[SmtpTransport]:
    with SmtpTransport(SmtpSettings(host=sink.host, port=sink.port, timeout=5)) as smtp:
        yield smtp


def make_email(**changes: object) -> Email:
    email = Email(
        from_addr="Notifier <noreply@example.com>",
        to=["Alice <alice@example.com>", "bob@example.com"],
        cc=["carol@example.com"],
        bcc=["dave@example.com"],
        subject="Voicemail from 555-0100",
        text="You have a new voicemail.\n",
        html="<p>You have a new <b>voicemail</b>.</p>\n",
        reply_to="Support <support@example.com>",
        headers={"List-Unsubscribe": "<mailto:unsubscribe@example.com>"},
    )
    return dataclasses.replace(email, **changes)


def deliver(transport: SmtpTransport, sink: MailSink, email: Email) -> ReceivedMessage:
    transport.send(email)
    return sink.wait_for(1)[0]


def test_parts_are_text_plain_then_text_html_in_utf8(transport, sink):
    msg = deliver(transport, sink, make_email()).message
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]


def test_single_body_is_sent_as_a_single_part(transport, sink):
    msg = deliver(transport, sink, make_email(html=None)).message
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content().replace("\r\n", "\n") == "You have a new voicemail.\n"


def test_utf8_subject_and_bodies_round_trip(transport, sink):
    email = make_email(subject=UNICODE, text=f"{UNICODE}\n", html=f"<p>{UNICODE}</p>\n")
    msg = deliver(transport, sink, email).message
    assert msg["Subject"] == UNICODE
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == f"{UNICODE}\n"
    assert msg.get_body(("html",)).get_content().replace("\r\n", "\n") == f"<p>{UNICODE}</p>\n"


def test_non_ascii_display_name_round_trips(transport, sink):
    msg = deliver(transport, sink, make_email(to=[f"{UNICODE} <alice@example.com>"])).message
    assert msg["To"].addresses[0].display_name == UNICODE
    assert msg["To"].addresses[0].addr_spec == "alice@example.com"


def test_headers_present(transport, sink):
    msg = deliver(transport, sink, make_email()).message
    for name in ("Message-ID", "Date", "MIME-Version"):
        assert msg[name], name
    assert msg["From"] == "Notifier <noreply@example.com>"
    assert msg["Reply-To"] == "Support <support@example.com>"
    assert msg["To"] == "Alice <alice@example.com>, bob@example.com"
    assert msg["Cc"] == "carol@example.com"
    assert msg["Subject"] == "Voicemail from 555-0100"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["List-Unsubscribe"] == "<mailto:unsubscribe@example.com>"
    assert msg["Message-ID"].endswith("@example.com>")


def test_given_message_id_is_kept_and_returned(transport, sink):
    result = transport.send(make_email(message_id="<abc.123@notify.example.com>"))
    assert result.message_id == "<abc.123@notify.example.com>"
    assert sink.wait_for(1)[0].message["Message-ID"] == "<abc.123@notify.example.com>"


def test_every_to_cc_bcc_recipient_is_in_the_envelope(transport, sink):
    received = deliver(transport, sink, make_email())
    assert received.mail_from == "noreply@example.com"
    assert received.rcpt_tos == [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
        "dave@example.com",
    ]


def test_duplicate_recipients_are_sent_once(transport, sink):
    received = deliver(
        transport, sink, make_email(cc=["ALICE@example.com"], bcc=["bob@example.com"])
    )
    assert received.rcpt_tos == ["alice@example.com", "bob@example.com"]


def test_no_bcc_header_in_data(transport, sink):
    received = deliver(transport, sink, make_email())
    assert received.message["Bcc"] is None
    assert b"dave@example.com" not in received.data
    assert b"\nbcc:" not in received.data.lower()


def test_crlf_in_subject_cannot_inject_headers(transport, sink):
    email = make_email(subject="Hello\r\nBcc: evil@example.com", bcc=[])
    received = deliver(transport, sink, email)
    assert received.message["Bcc"] is None
    assert received.message["Subject"] == "Hello Bcc: evil@example.com"
    assert "evil@example.com" not in received.rcpt_tos
    assert len(received.rcpt_tos) == 3


def test_crlf_in_extra_header_value_is_collapsed(transport, sink):
    email = make_email(
        headers={"List-Unsubscribe": "<mailto:u@example.com>\r\nBcc: evil@example.com"}
    )
    msg = deliver(transport, sink, email).message
    assert msg["Bcc"] is None
    assert msg["List-Unsubscribe"] == "<mailto:u@example.com> Bcc: evil@example.com"


def test_crlf_in_address_is_rejected_as_permanent(transport, sink):
    with pytest.raises(InvalidAddress):
        build_message(make_email(to=["alice@example.com\r\nBcc: evil@example.com"]))
    with pytest.raises(DeliveryError) as info:
        transport.send(make_email(cc=["carol@example.com\nBcc: evil@example.com"]))
    assert info.value.permanent is True
    assert sink.messages == []


def test_receipt_is_the_sink_reply_text(transport, sink):
    result = transport.send(make_email())
    received = sink.wait_for(1)[0]
    assert result.receipt == f"2.0.0 Ok: queued as {received.queue_id}"
    assert result.refused == {}


def test_4xx_is_a_transient_delivery_error(transport, sink):
    sink.fail_next(1, code=451, message="4.3.0 Try again later")
    with pytest.raises(DeliveryError) as info:
        transport.send(make_email())
    assert info.value.permanent is False
    assert info.value.smtp_code == 451
    assert "4.3.0 Try again later" in str(info.value)


def test_5xx_is_a_permanent_delivery_error(transport, sink):
    sink.fail_next(1, code=554, message="5.7.1 Message rejected")
    with pytest.raises(DeliveryError) as info:
        transport.send(make_email())
    assert info.value.permanent is True
    assert info.value.smtp_code == 554


def test_next_send_succeeds_after_an_error(transport, sink):
    sink.fail_next(1)
    with pytest.raises(DeliveryError):
        transport.send(make_email())
    transport.send(make_email(subject="second"))
    assert sink.wait_for(1)[0].message["Subject"] == "second"


def test_connection_is_reused_between_messages(transport, sink):
    transport.send(make_email())
    first = transport._smtp
    transport.send(make_email())
    assert transport._smtp is first
    assert len(sink.wait_for(2)) == 2


def test_server_down_is_a_transient_delivery_error(transport, sink):
    sink.stop()
    with pytest.raises(DeliveryError) as info:
        transport.send(make_email())
    assert info.value.permanent is False
    assert info.value.smtp_code is None


def test_reconnects_after_server_restarted_on_same_port(transport, sink):
    transport.send(make_email(subject="before"))
    sink.stop()
    sink.start()
    started = time.monotonic()
    transport.send(make_email(subject="after"))
    assert time.monotonic() - started < 2
    assert [m.message["Subject"] for m in sink.wait_for(2)] == ["before", "after"]


def test_partially_refused_recipients_are_reported(transport, sink):
    sink.reject_recipient("bob@example.com", 550, "5.1.1 User unknown")
    result = transport.send(make_email())
    assert result.refused == {"bob@example.com": (550, "5.1.1 User unknown")}
    assert "bob@example.com" not in sink.wait_for(1)[0].rcpt_tos


def test_all_recipients_refused_with_5xx_is_permanent(transport, sink):
    for address in ("alice@example.com", "bob@example.com"):
        sink.reject_recipient(address, 550)
    with pytest.raises(DeliveryError) as info:
        transport.send(make_email(cc=[], bcc=[]))
    assert info.value.permanent is True
    assert set(info.value.refused) == {"alice@example.com", "bob@example.com"}


def test_all_recipients_refused_with_a_4xx_is_transient(transport, sink):
    sink.reject_recipient("alice@example.com", 550)
    sink.reject_recipient("bob@example.com", 450, "4.2.0 Mailbox busy")
    with pytest.raises(DeliveryError) as info:
        transport.send(make_email(cc=[], bcc=[]))
    assert info.value.permanent is False
    assert info.value.smtp_code == 450


def test_long_html_line_arrives_intact(transport, sink):
    html = "<p>" + "x" * 2500 + "é" + "y" * 2492 + "</p>"
    assert len(html) == 5000
    received = deliver(transport, sink, make_email(html=html))
    assert max(len(line) for line in received.data.split(b"\r\n")) <= 998
    assert received.message.get_body(("html",)).get_content().rstrip("\r\n") == html


def test_long_ascii_line_is_encoded_not_truncated(transport, sink):
    text = "z" * 5000
    received = deliver(transport, sink, make_email(text=text, html=None))
    assert max(len(line) for line in received.data.split(b"\r\n")) <= 998
    assert received.message.get_content().rstrip("\r\n") == text
