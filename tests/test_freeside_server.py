"""The Freeside-compatible server (SPEC-channels §11), through HTTP, as Freeside uses it.

Freeside's ``FS::msg_template::http`` POSTs its substitution variables as a flat JSON
object (``msgname``, ``msgtype``, then ``first``, ``company_name``, ``invoicing_email``
comma-joined, ...) with HTTP Basic, stores a 2xx body as the prepared message, and later
POSTs that body verbatim to the send URL. Mail goes to a real SMTP sink, SMS through a
gateway of the fake vendor.
"""

import base64
import json
from datetime import timedelta

import pytest
from django.utils.timezone import now

from deliveries import queue, transports
from freeside.models import PreparedMessage
from freeside.signing import canonical, sign
from smtplog.models import SmtpLog
from tests.gateways_helpers import create

TEMPLATE = "freeside_password_reset"
SUBJECT = "Password reset for {{username}}"
PLAIN = (
    "Dear {{first}} {{last}},\n"
    "To complete your {{company_name}} password reset, please go to "
    "{{selfservice_server_base_url}}/selfservice.cgi?action=process_forgot_password;"
    "session_id={{session_id}}\n"
)
HTML = "<p>Dear {{first}}, reset your {{company_name}} password.</p>"
SMS = "{{company_name}}: your password reset code is {{session_id}}"


def freeside_variables(**overrides) -> dict:
    """What a Freeside install posts for a password reset (msg_template substitutions)."""
    variables = {
        "msgname": TEMPLATE,
        "msgtype": "admin",
        "custnum": "1042",
        "display_custnum": "1042",
        "agentnum": "1",
        "agent_name": "Internal",
        "first": "Zoë",
        "last": "Ng",
        "company": "",
        "address1": "1 Main St",
        "city": "Springfield",
        "state": "OR",
        "zip": "97477",
        "country": "US",
        "daytime": "541-555-0100",
        "mobile": "+1 (541) 754-3010",
        "invoicing_email": "zoe@customer.example, billing@customer.example",
        "company_name": "Acme Internet",
        "company_address": "2 Acme Way",
        "selfservice_server_base_url": "https://selfservice.acme.example",
        "username": "zoe",
        "session_id": "s3ss10n",
    }
    variables.update(overrides)
    return variables


def basic(username: str, password: str) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def key_of(world, name: str = "C1") -> dict:
    """Freeside's configuration: HTTP username = account id, password = its API key."""
    account = world.accounts[name]
    return basic(account.id, account.api_key)


def prepare_path(world, account: str = "C1", template_id: str | None = TEMPLATE) -> str:
    base = f"/v2/freeside/{world.id(account)}/prepare"
    return f"{base}/{template_id}" if template_id else base


def send_path(world, account: str = "C1") -> str:
    return f"/v2/freeside/{world.id(account)}/send"


def post(world, path: str, body, headers: dict | None = None, principal: str | None = None):
    api = world.api(principal)
    return api.post(path, body, headers=headers)


def install_template(world, channels=("email",), **document):
    """A Freeside-flavoured system template, written with Freeside's variable names."""
    api = world.api("master_admin")
    body = {
        "id": TEMPLATE,
        "from": "billing@acme.example",
        "subject": SUBJECT,
        "to": {"type": "original"},
        "channels": list(channels),
        **document,
    }
    answer = api.put("/v2/notifications", {"data": body})
    assert answer.status_code in (200, 201), answer.content
    for content_type, source in (("text/plain", PLAIN), ("text/html", HTML), ("text/x-sms", SMS)):
        answer = api.post(f"/v2/notifications/{TEMPLATE}", source, content_type=content_type)
        assert answer.status_code == 200, answer.content


def prepare(world, account="C1", headers=None, **overrides):
    response = post(
        world,
        prepare_path(world, account),
        freeside_variables(**overrides),
        headers or key_of(world, account),
    )
    assert response.status_code == 200, response.content
    return response


def freeside_send(world, prepared: bytes, account="C1", headers=None):
    """Freeside POSTs the stored prepare answer byte for byte."""
    return post(world, send_path(world, account), prepared, headers or key_of(world, account))


def assert_text_error(response, status: int) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert text and "\n" not in text and not text.startswith("{")
    return text


@pytest.fixture
def gateway_transport():
    """Rows with a gateway go to the ``gateway`` transport (registered here if not yet)."""
    added = "gateway" not in transports.registered()
    if added:
        transports.register("gateway", "gateways.transport.GatewayTransport")
    yield
    if added:
        transports._registry.pop("gateway", None)
        transports.close_all()


def fake_sms_gateway(world, account="C1") -> dict:
    document = {
        "name": "Fake SMS",
        "kind": "vendor",
        "channel": "sms",
        "settings": {"vendor": "fake"},
    }
    return create(world.api("R_admin"), world.id(account), document)


# --- Freeside's own demo flow ----------------------------------------------------------


def test_freeside_demo_flow_prepares_then_mails_each_recipient_once(live_world, mail_sink):
    world = live_world
    install_template(world)
    prepared = prepare(world)
    document = prepared.json()
    assert prepared["Content-Type"] == "application/json"
    assert document["template_id"] == TEMPLATE and document["msgname"] == TEMPLATE
    assert document["msgtype"] == "admin"
    assert document["subject"] == "Password reset for zoe"
    assert (
        "Dear Zoë Ng" in document["text/plain"] and "session_id=s3ss10n" in document["text/plain"]
    )
    assert [(d["channel"], d["to"]) for d in document["deliveries"]] == [
        ("email", "zoe@customer.example"),
        ("email", "billing@customer.example"),
    ]
    assert mail_sink.messages == []
    sent = freeside_send(world, prepared.content)
    assert sent.status_code == 200, sent.content
    assert sent.json() == {"status": "queued", "deliveries": document["deliveries"]}
    received = mail_sink.wait_for(2)
    assert sorted(r.rcpt_tos[0] for r in received) == [
        "billing@customer.example",
        "zoe@customer.example",
    ]
    assert received[0].message["Subject"] == "Password reset for zoe"
    assert len(mail_sink.messages) == 2


def test_freeside_demo_flow_sends_the_sms_through_the_gateway_once(
    live_world, mail_sink, gateway_transport
):
    world = live_world
    gateway = fake_sms_gateway(world)
    install_template(world, channels=["sms"])
    prepared = prepare(world)
    (delivery,) = prepared.json()["deliveries"]
    assert delivery["channel"] == "sms" and delivery["to"] == "+15417543010"
    assert prepared.json()["text/x-sms"] == "Acme Internet: your password reset code is s3ss10n"
    assert freeside_send(world, prepared.content).status_code == 200
    row = SmtpLog.objects.get(pk=delivery["id"])
    assert row.gateway_id == gateway["id"] and row.status in ("sent", "delivered")
    assert row.attempts == 1 and row.provider_message_id.startswith("fake-")
    assert freeside_send(world, prepared.content).status_code == 200
    row.refresh_from_db()
    assert row.attempts == 1


def test_sms_is_skipped_without_a_gateway(world):
    install_template(world, channels=["email", "sms"])
    document = prepare(world).json()
    assert {d["channel"] for d in document["deliveries"]} == {"email"}


def test_prepare_holds_rows_prepared_and_sends_nothing(live_world, mail_sink):
    world = live_world
    install_template(world)
    document = prepare(world).json()
    rows = SmtpLog.objects.filter(pk__in=[d["id"] for d in document["deliveries"]])
    assert {row.status for row in rows} == {"prepared"}
    assert {row.msgtype for row in rows} == {"admin"}
    queue.sweep()
    assert mail_sink.messages == []


def test_prepared_document_is_signed_over_its_canonical_json(world):
    install_template(world)
    document = prepare(world).json()
    assert document["signature"] == sign(document)
    assert b'"signature"' not in canonical(document)
    assert (
        canonical(document)
        == json.dumps(
            {k: v for k, v in document.items() if k != "signature"},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
    )
    prepared = PreparedMessage.objects.get(pk=document["prepared_id"])
    ttl = (prepared.expires_at - prepared.created_at).total_seconds()
    assert 604799 <= ttl <= 604800


# --- send: once, signed, in time -----------------------------------------------------


def test_repeat_send_answers_the_same_and_delivers_nothing_more(live_world, mail_sink):
    world = live_world
    install_template(world)
    prepared = prepare(world, invoicing_email="zoe@customer.example")
    first = freeside_send(world, prepared.content)
    mail_sink.wait_for(1)
    again = freeside_send(world, prepared.content)
    assert again.status_code == 200 and again.json() == first.json()
    assert len(mail_sink.messages) == 1


def test_reformatted_document_is_still_accepted(world):
    install_template(world)
    document = prepare(world).json()
    pretty = json.dumps(document, indent=2, ensure_ascii=True)  # what a Perl JSON might do
    assert freeside_send(world, pretty).status_code == 200


def test_altered_document_is_400(world):
    install_template(world)
    document = prepare(world).json()
    document["deliveries"][0]["to"] = "attacker@evil.example"
    response = freeside_send(world, json.dumps(document))
    assert assert_text_error(response, 400) == "prepared message was altered"
    assert set(SmtpLog.objects.values_list("status", flat=True)) == {"prepared"}


def test_document_without_signature_is_400(world):
    install_template(world)
    document = prepare(world).json()
    del document["signature"]
    assert_text_error(freeside_send(world, json.dumps(document)), 400)


def test_expired_prepared_message_is_410(world):
    install_template(world)
    prepared = prepare(world)
    PreparedMessage.objects.update(expires_at=now() - timedelta(seconds=1))
    response = freeside_send(world, prepared.content)
    assert assert_text_error(response, 410) == "prepared message expired"
    assert set(SmtpLog.objects.values_list("status", flat=True)) == {"prepared"}


def test_sweeper_fails_rows_not_sent_within_the_ttl(world, settings):
    settings.FREESIDE_PREPARED_TTL = 1
    install_template(world)
    prepared = prepare(world)
    PreparedMessage.objects.update(expires_at=now() - timedelta(seconds=1))
    queue.sweep()
    rows = SmtpLog.objects.all()
    assert {(row.status, row.error) for row in rows} == {("failed", "prepared message expired")}
    assert_text_error(freeside_send(world, prepared.content), 410)


def test_sweeper_leaves_sent_messages_alone(world):
    install_template(world)
    prepared = prepare(world)
    assert freeside_send(world, prepared.content).status_code == 200
    PreparedMessage.objects.update(expires_at=now() - timedelta(seconds=1))
    queue.sweep()
    assert "prepared message expired" not in set(SmtpLog.objects.values_list("error", flat=True))
    assert freeside_send(world, prepared.content).status_code == 200


def test_another_tenants_prepared_id_is_404(world):
    install_template(world)
    prepared = prepare(world)
    response = freeside_send(world, prepared.content, account="C2", headers=key_of(world, "C2"))
    assert_text_error(response, 404)
    assert set(SmtpLog.objects.values_list("status", flat=True)) == {"prepared"}


# --- authentication and authorization ------------------------------------------------


def test_wrong_password_is_401_text_with_www_authenticate(world):
    install_template(world)
    headers = basic(world.id("C1"), "not-the-api-key")
    response = post(world, prepare_path(world), freeside_variables(), headers)
    assert_text_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Basic realm=")


def test_no_credentials_is_401_with_www_authenticate(world):
    install_template(world)
    response = post(world, prepare_path(world), freeside_variables())
    assert_text_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Basic")


def test_username_must_name_the_keys_account(world):
    install_template(world)
    headers = basic(world.id("C2"), world.accounts["C1"].api_key)
    assert_text_error(post(world, prepare_path(world), freeside_variables(), headers), 401)


def test_an_ancestors_api_key_may_prepare(world):
    install_template(world)
    response = post(world, prepare_path(world), freeside_variables(), key_of(world, "R"))
    assert response.status_code == 200, response.content


def test_a_siblings_api_key_is_403(world):
    install_template(world)
    response = post(world, prepare_path(world), freeside_variables(), key_of(world, "C2"))
    assert_text_error(response, 403)


def test_x_auth_token_works(world):
    install_template(world)
    response = post(world, prepare_path(world), freeside_variables(), principal="C1_admin")
    assert response.status_code == 200, response.content
    sent = post(world, send_path(world), response.content, principal="R_key")
    assert sent.status_code == 200, sent.content


def test_priv_level_user_token_is_403(world):
    install_template(world)
    response = post(world, prepare_path(world), freeside_variables(), principal="C1_user")
    assert_text_error(response, 403)


def test_unknown_account_is_404_text(world):
    path = "/v2/freeside/0123456789abcdef0123456789abcdef/prepare/x"
    assert_text_error(post(world, path, freeside_variables(), key_of(world)), 404)


# --- prepare: templates, recipients, bodies ------------------------------------------


def test_unknown_template_is_404(world):
    path = prepare_path(world, template_id="no_such_template")
    assert_text_error(post(world, path, freeside_variables(), key_of(world)), 404)


def test_msgname_names_the_template_when_the_path_does_not(world):
    install_template(world)
    response = post(
        world, prepare_path(world, template_id=None), freeside_variables(), key_of(world)
    )
    assert response.status_code == 200 and response.json()["template_id"] == TEMPLATE


def test_disabled_template_is_409(world):
    install_template(world, enabled=False)
    response = post(world, prepare_path(world), freeside_variables(), key_of(world))
    assert_text_error(response, 409)


def test_no_recipients_is_400(world):
    install_template(world)
    variables = freeside_variables(invoicing_email="", mobile="")
    response = post(world, prepare_path(world), variables, key_of(world))
    assert assert_text_error(response, 400) == "no recipients"


def test_invoicing_list_emailonly_is_used_without_invoicing_email(world):
    install_template(world)
    variables = freeside_variables(invoicing_email="", invoicing_list_emailonly=["x@y.example"])
    response = post(world, prepare_path(world), variables, key_of(world))
    assert [d["to"] for d in response.json()["deliveries"]] == ["x@y.example"]


def test_to_overrides_invoicing_email(world):
    install_template(world)
    variables = freeside_variables(to="ops@acme.example")
    response = post(world, prepare_path(world), variables, key_of(world))
    assert [d["to"] for d in response.json()["deliveries"]] == ["ops@acme.example"]


def test_bad_json_is_400_one_line(world):
    install_template(world)
    response = post(world, prepare_path(world), '{"first": "Zoë",\n', key_of(world))
    assert assert_text_error(response, 400).startswith("bad JSON")


def test_json_that_is_not_an_object_is_400(world):
    install_template(world)
    assert_text_error(post(world, prepare_path(world), "[1, 2]", key_of(world)), 400)


def test_oversized_body_is_413_text(world, settings):
    settings.MAX_UPLOAD_SIZE = 1000
    body = freeside_variables(padding="x" * 2000)
    assert_text_error(post(world, prepare_path(world), body, key_of(world)), 413)


def test_get_is_405_text(world):
    response = world.api(None).get(prepare_path(world), headers=key_of(world))
    assert_text_error(response, 405)


def test_override_content_replaces_the_bodies_and_drops_html(live_world, mail_sink):
    world = live_world
    install_template(world)
    content = "Hello {{first}}, our office is closed on Monday."
    prepared = prepare(world, invoicing_email="zoe@customer.example", content=content)
    assert prepared.json()["text/plain"] == "Hello Zoë, our office is closed on Monday."
    freeside_send(world, prepared.content)
    (received,) = mail_sink.wait_for(1)
    message = received.message
    assert message.get_content_type() == "text/plain"
    assert "our office is closed" in message.get_content()


def test_mail_has_both_parts_without_override_content(live_world, mail_sink):
    world = live_world
    install_template(world)
    freeside_send(world, prepare(world, invoicing_email="zoe@customer.example").content)
    (received,) = mail_sink.wait_for(1)
    parts = [part.get_content_type() for part in received.message.iter_parts()]
    assert parts == ["text/plain", "text/html"]


def test_non_ascii_signature_is_400(world):
    install_template(world)
    document = prepare(world).json()
    document["signature"] = "é" * 64
    assert_text_error(freeside_send(world, json.dumps(document)), 400)


def test_nul_in_the_path_is_404_text(world):
    response = world.api(None).post("/v2/freeside/%00/send", "{}", headers=key_of(world))
    assert_text_error(response, 404)


def test_accept_header_is_ignored(world):
    install_template(world)
    headers = {**key_of(world), "Accept": "text/html"}
    response = post(world, prepare_path(world), freeside_variables(), headers)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
