"""Kind freeside, client side: the prepare document, outcomes, and a Freeside-style server."""

import base64
import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from deliveries.transports import DeliveryError, SendResult
from gateways.freeside import (
    DEFAULT_RETRY_ON,
    MAX_PREPARED_BYTES,
    basic_auth_header,
    build_prepare_document,
    build_prepare_request,
    build_send_request,
    check_connection_document,
    flatten_macros,
    interpret_prepare,
    interpret_send,
    prepare_fields,
)
from gateways.freeside.demo_server import DemoServer


def document(**overrides) -> dict:
    arguments = {
        "msgname": "password_reset",
        "msgtype": "admin",
        "content": {},
        "macros": {},
        "recipient_key": "invoicing_email",
        "recipient": "a@example.com",
        "rendered_body": "Hello",
    }
    arguments.update(overrides)
    return json.loads(build_prepare_document(**arguments))


# -- the prepare document -------------------------------------------------------------


def test_prepare_document_is_byte_for_byte_canonical_json():
    body = build_prepare_document(
        "invoice_notice",
        "invoice",
        {"brand": "Acme", "lang": "en"},
        {"user": {"first_name": "Zoë", "last_name": "Ng"}, "account": {"name": "Acme Ltd"}},
        "invoicing_email",
        ["billing@acme.test", "cfo@acme.test"],
        "Your invoice is ready.",
    )
    assert (
        body
        == (
            '{"account.name":"Acme Ltd","brand":"Acme",'
            '"content":"Your invoice is ready.",'
            '"invoicing_email":"billing@acme.test,cfo@acme.test","lang":"en",'
            '"msgname":"invoice_notice","msgtype":"invoice",'
            '"user.first_name":"Zoë","user.last_name":"Ng"}'
        ).encode()
    )


def test_msgname_and_msgtype_come_first_and_lose_to_content():
    assert document(content={"msgname": "x", "msgtype": "receipt"})["msgname"] == "x"
    assert document(content={"msgtype": "receipt"})["msgtype"] == "receipt"


def test_missing_msgtype_is_empty_string():
    assert document(msgtype=None)["msgtype"] == ""


def test_macros_win_over_content_keys():
    result = document(
        content={"user.first_name": "from content"}, macros={"user": {"first_name": "M"}}
    )
    assert result["user.first_name"] == "M"


def test_recipient_wins_over_macros_and_content():
    result = document(
        content={"invoicing_email": "content@x"},
        macros={"invoicing_email": "macro@x"},
        recipient="real@x",
    )
    assert result["invoicing_email"] == "real@x"


def test_rendered_body_wins_as_content_over_everything():
    result = document(content={"content": "c"}, macros={"content": "m"}, rendered_body="body")
    assert result["content"] == "body"


def test_mobile_recipient_wins_over_a_macro_of_the_same_name():
    result = document(recipient_key="mobile", recipient="+15551234567", macros={"mobile": "+1"})
    assert (result["mobile"], result["content"]) == ("+15551234567", "Hello")


def test_sms_recipient_goes_under_mobile():
    result = document(recipient_key="mobile", recipient="+15551234567")
    assert result["mobile"] == "+15551234567"
    assert "invoicing_email" not in result


def test_email_recipients_are_comma_joined():
    assert document(recipient=["a@x", "b@x"])["invoicing_email"] == "a@x,b@x"


def test_unknown_recipient_key_is_refused():
    with pytest.raises(ValueError):
        document(recipient_key="email")


def test_nested_macros_flatten_to_dotted_keys():
    assert flatten_macros({"user": {"first_name": "A", "address": {"city": "B"}}, "x": 1}) == {
        "user.first_name": "A",
        "user.address.city": "B",
        "x": 1,
    }


def test_macro_lists_and_empty_objects_are_leaves():
    assert flatten_macros({"tags": ["a", "b"], "empty": {}}) == {"tags": ["a", "b"], "empty": {}}


def test_content_values_keep_their_json_types():
    result = document(content={"priority": 3, "flags": {"vip": True}})
    assert (result["priority"], result["flags"]) == (3, {"vip": True})


def test_prepare_fields_assign_in_freeside_order():
    fields = prepare_fields("n", "", {"a": 1}, {"u": {"f": 2}}, "mobile", "+1555", "b")
    assert list(fields) == ["msgname", "msgtype", "a", "u.f", "mobile", "content"]


def test_check_connection_document_is_a_sample_prepare():
    result = json.loads(check_connection_document({"brand": "Acme"}))
    assert result["msgname"] == "check_connection"
    assert result["brand"] == "Acme"
    assert result["user.first_name"]
    assert result["username"]
    assert result["invoicing_email"]


def test_check_connection_document_can_target_mobile():
    result = json.loads(check_connection_document(recipient_key="mobile"))
    assert result["mobile"].startswith("+")


# -- requests -------------------------------------------------------------------------


def test_basic_auth_header_when_username_is_set():
    expected = base64.b64encode(b"user:pa:ss").decode()
    assert basic_auth_header("user", "pa:ss") == {"Authorization": f"Basic {expected}"}


@pytest.mark.parametrize("username", [None, ""])
def test_no_auth_header_without_username(username):
    assert basic_auth_header(username, "secret") == {}


def test_prepare_request_posts_json_to_prepare_url():
    settings = {"prepare_url": "http://fs.test/prepare", "send_url": "http://fs.test/send"}
    assert build_prepare_request(settings, b"{}") == (
        "POST",
        "http://fs.test/prepare",
        {"Content-Type": "application/json"},
        b"{}",
    )


def test_send_request_posts_the_prepared_bytes_verbatim():
    settings = {"send_url": "http://fs.test/send", "username": "u", "password": "p"}
    method, url, headers, body = build_send_request(settings, b' {"odd" :  1}\n')
    assert (method, url, body) == ("POST", "http://fs.test/send", b' {"odd" :  1}\n')
    assert headers["Authorization"].startswith("Basic ")


# -- outcomes -------------------------------------------------------------------------


def test_prepare_2xx_returns_the_body_to_store():
    assert interpret_prepare(200, b'{"to":"a@x"}') == b'{"to":"a@x"}'
    assert interpret_prepare(204, b"") == b""


def test_prepared_document_over_1_mib_is_a_permanent_error():
    with pytest.raises(DeliveryError) as caught:
        interpret_prepare(200, b"x" * (MAX_PREPARED_BYTES + 1))
    assert caught.value.permanent
    assert str(caught.value).startswith("prepare: prepared document too large")


def test_prepared_document_of_exactly_1_mib_is_kept():
    assert len(interpret_prepare(200, b"x" * MAX_PREPARED_BYTES)) == MAX_PREPARED_BYTES


def test_prepare_error_text_format():
    with pytest.raises(DeliveryError) as caught:
        interpret_prepare(500, b"Username\n   required\t!")
    assert str(caught.value) == "prepare: HTTP 500: Username required !"
    assert caught.value.http_status == 500


def test_send_error_text_format():
    with pytest.raises(DeliveryError) as caught:
        interpret_send(503, b"  busy  ")
    assert str(caught.value) == "send: HTTP 503: busy"


def test_error_body_is_capped_at_2000_characters():
    with pytest.raises(DeliveryError) as caught:
        interpret_send(400, "é".encode() * 3000)
    assert str(caught.value) == "send: HTTP 400: " + "é" * 2000


def test_empty_error_body_leaves_the_bare_status():
    with pytest.raises(DeliveryError) as caught:
        interpret_prepare(404, b"")
    assert str(caught.value) == "prepare: HTTP 404"


def test_undecodable_error_body_is_replaced_not_fatal():
    with pytest.raises(DeliveryError) as caught:
        interpret_send(400, b"bad \xff byte")
    assert str(caught.value) == "send: HTTP 400: bad \ufffd byte"


def test_default_retry_on_is_502_503_504():
    assert DEFAULT_RETRY_ON == (502, 503, 504)


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(500, True), (502, False), (503, False), (504, False), (400, True), (401, True), (429, True)],
)
def test_freeside_permanence_by_default(status, permanent):
    with pytest.raises(DeliveryError) as caught:
        interpret_send(status, b"x")
    assert caught.value.permanent is permanent


def test_gateway_retry_on_decides_permanence():
    with pytest.raises(DeliveryError) as caught:
        interpret_prepare(500, b"x", retry_on=[500])
    assert not caught.value.permanent
    with pytest.raises(DeliveryError) as caught:
        interpret_prepare(503, b"x", retry_on=[])
    assert caught.value.permanent


def test_retry_after_is_read_from_headers():
    with pytest.raises(DeliveryError) as caught:
        interpret_send(503, b"", headers={"Retry-After": "30"})
    assert caught.value.retry_after == 30.0


def test_send_2xx_is_sent_with_http_receipt():
    assert interpret_send(200, b"ignored") == SendResult(None, "sent", "HTTP 200")
    assert interpret_send(202, b"").receipt == "HTTP 202"


def test_redirect_is_a_failure():
    with pytest.raises(DeliveryError) as caught:
        interpret_send(301, b"")
    assert caught.value.permanent


# -- against a Freeside-style server over HTTP ----------------------------------------


def perform(request: tuple) -> tuple[int, bytes]:
    method, url, headers, body = request
    outgoing = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(outgoing, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def demo():
    with DemoServer() as server:
        yield server


def reset_document(**macros) -> bytes:
    return build_prepare_document(
        "password_reset", "", {}, macros, "invoicing_email", "a@example.com", ""
    )


def test_prepare_then_send_posts_the_prepared_bytes(demo):
    settings = demo.settings()
    status, body = perform(build_prepare_request(settings, reset_document(username="jo")))
    prepared = interpret_prepare(status, body)
    result = interpret_send(*perform(build_send_request(settings, prepared)))
    assert result.receipt == "HTTP 200"
    assert [r.body for r in demo.sends] == [prepared]
    assert json.loads(prepared)["to"] == "a@example.com"


def test_prepare_posts_the_document_byte_for_byte(demo):
    document_bytes = reset_document(username="jo", company_name="Acme")
    perform(build_prepare_request(demo.settings(), document_bytes))
    [received] = demo.prepares
    assert received.body == document_bytes
    assert received.headers["Content-Type"] == "application/json"


def test_demo_500_for_missing_username_is_a_permanent_prepare_failure(demo):
    status, body = perform(build_prepare_request(demo.settings(), reset_document()))
    with pytest.raises(DeliveryError) as caught:
        interpret_prepare(status, body)
    assert str(caught.value) == "prepare: HTTP 500: Username required"
    assert caught.value.permanent


def test_send_503_then_200_retries_only_the_send(demo):
    settings = demo.settings()
    prepared = interpret_prepare(
        *perform(build_prepare_request(settings, reset_document(username="jo")))
    )
    demo.fail("send", 503, "try later")
    with pytest.raises(DeliveryError) as caught:
        interpret_send(*perform(build_send_request(settings, prepared)))
    assert not caught.value.permanent
    assert interpret_send(*perform(build_send_request(settings, prepared))).status == "sent"
    assert (len(demo.prepares), len(demo.sends)) == (1, 2)
    assert demo.sends[0].body == demo.sends[1].body == prepared


def test_no_authorization_header_without_username(demo):
    perform(build_prepare_request(demo.settings(), reset_document(username="jo")))
    assert "Authorization" not in demo.prepares[0].headers


def test_basic_auth_is_sent_when_username_is_set():
    with DemoServer(username="fs", password="pw") as server:
        status, _ = perform(build_prepare_request(server.settings(), reset_document(username="jo")))
        expected = "Basic " + base64.b64encode(b"fs:pw").decode()
        assert status == 200
        assert server.prepares[0].headers["Authorization"] == expected


def test_wrong_password_is_a_permanent_401():
    with DemoServer(username="fs", password="pw") as server:
        settings = server.settings(password="wrong")
        status, body = perform(build_prepare_request(settings, reset_document(username="jo")))
        with pytest.raises(DeliveryError) as caught:
            interpret_prepare(status, body)
        assert (caught.value.http_status, caught.value.permanent) == (401, True)
        assert str(caught.value) == "prepare: HTTP 401: Unauthorized"


def test_check_connection_document_passes_the_demo_prepare(demo):
    settings = demo.settings()
    status, body = perform(build_prepare_request(settings, check_connection_document()))
    assert interpret_prepare(status, body)
    assert demo.sends == []


def test_demo_server_runs_standalone_as_a_module():
    command = [sys.executable, "-m", "gateways.freeside.demo_server", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        while not lines or lines[-1].strip() != "}":
            lines.append(process.stdout.readline())
        settings = json.loads("".join(lines))
        status, body = perform(build_prepare_request(settings, check_connection_document()))
        assert status == 200
        assert json.loads(body)["msgname"] == "password_reset"
    finally:
        process.terminate()
        process.wait(timeout=5)
