"""Outbound requests built from a definition (SPEC-channels §4 Substitution, Auth, Headers)."""

import base64
import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from gateways.ringotel import DefinitionError, build_request

VARS = {
    "from": "+15550001111",
    "to": "+15552223333",
    "content": "Hello & welcome",
    "delivery_id": "d" * 32,
    "account_id": "a" * 32,
    "extension": "1001",
    "domain": "acme.test",
}
PROPS = {"API key": "secret-key", "Sender": "ACME", "Port": 25}


def definition(**changes):
    send = {
        "request_method": "POST",
        "request_url": "https://api.acme.test/v1/messages",
        "request_content_type": "application/json",
        "request_parameters": {"from": "$from$", "to": "$to$", "text": "$content$"},
        "response_map": {"data": {"id": "$messageid$"}},
    }
    send.update(changes)
    return {
        "properties": ["API key", "Sender", "Port"],
        "auth": {"type": "Bearer", "token": "$API key$"},
        "API": {"SendMessage": send},
    }


def build(defn=None, action="SendMessage", variables=VARS, **kw):
    return build_request(defn or definition(), action, variables, PROPS, **kw)


def test_json_body_sends_the_tree():
    request = build(definition(request_parameters={"msg": {"to": ["$to$"], "n": "$Port$"}}))
    assert request.method == "POST"
    assert request.content_type == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {"msg": {"to": ["+15552223333"], "n": 25}}


def test_json_body_keeps_unicode():
    request = build(variables={**VARS, "content": "Привет ☃"})
    assert json.loads(request.body.decode("utf-8"))["text"] == "Привет ☃"


def test_form_body_sends_top_level_keys_nested_as_json():
    defn = definition(
        request_content_type="application/x-www-form-urlencoded",
        request_parameters={"To": "$to$", "Body": "$content$", "meta": {"n": "$Port$"}},
    )
    request = build(defn)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(request.body.decode())) == {
        "To": "+15552223333",
        "Body": "Hello & welcome",
        "meta": '{"n":25}',
    }


def test_get_puts_parameters_in_the_query_string():
    request = build(definition(request_method="GET", request_url="https://a.test/send?v=1"))
    assert request.body is None
    assert request.content_type is None
    assert "Content-Type" not in request.headers
    query = dict(parse_qsl(urlsplit(request.url).query))
    assert query == {
        "v": "1",
        "from": "+15550001111",
        "to": "+15552223333",
        "text": "Hello & welcome",
    }


def test_get_without_existing_query_uses_question_mark():
    request = build(definition(request_method="GET"))
    assert request.url.startswith("https://api.acme.test/v1/messages?from=")


def test_put_and_patch_send_bodies():
    for method in ("PUT", "PATCH"):
        request = build(definition(request_method=method))
        assert request.method == method
        assert json.loads(request.body)["to"] == "+15552223333"


def test_url_placeholders_are_url_encoded():
    defn = definition(request_url="https://a.test/$Sender$/send?to=$to$&key=$API key$")
    assert build(defn).url == "https://a.test/ACME/send?to=%2B15552223333&key=secret-key"


def test_url_value_cannot_inject_path_or_query():
    defn = definition(request_url="https://a.test/users/$to$/send")
    request = build(defn, variables={**VARS, "to": "../admin?x=1#f"})
    assert request.url == "https://a.test/users/..%2Fadmin%3Fx%3D1%23f/send"


def test_headers_object_with_placeholders():
    defn = definition(headers={"X-Api-Key": "$API key$", "X-Sender": "from $Sender$"})
    headers = build(defn).headers
    assert headers["X-Api-Key"] == "secret-key"
    assert headers["X-Sender"] == "from ACME"


def test_header_values_cannot_carry_line_breaks():
    defn = definition(headers={"X-To": "$to$"})
    request = build(defn, variables={**VARS, "to": "+1\r\nX-Evil: 1"})
    assert "\n" not in request.headers["X-To"] and "\r" not in request.headers["X-To"]


def test_bearer_auth_header():
    assert build().headers["Authorization"] == "Bearer secret-key"


def test_basic_auth_header():
    defn = definition()
    defn["auth"] = {"type": "Basic", "username": "$Sender$", "password": "$API key$"}
    value = build(defn).headers["Authorization"]
    assert value == "Basic " + base64.b64encode(b"ACME:secret-key").decode()


def test_basic_auth_without_password():
    defn = definition()
    defn["auth"] = {"type": "Basic", "username": "user"}
    assert build(defn).headers["Authorization"] == "Basic " + base64.b64encode(b"user:").decode()


def test_no_auth_no_authorization_header():
    defn = definition()
    del defn["auth"]
    assert "Authorization" not in build(defn).headers


def test_auth_header_argument_wins_over_auth():
    request = build(auth_header="Bearer oauth-token")
    assert request.headers["Authorization"] == "Bearer oauth-token"


def test_idempotency_headers_are_the_delivery_id():
    headers = build().headers
    assert headers["Idempotency-Key"] == "d" * 32
    assert headers["X-Notify-Delivery-Id"] == "d" * 32


def test_idempotency_headers_are_stable_across_builds():
    assert build().headers == build().headers


def test_definition_headers_cannot_override_fixed_headers():
    defn = definition(headers={"Idempotency-Key": "mine", "Authorization": "Token x"})
    headers = build(defn).headers
    assert headers["Idempotency-Key"] == "d" * 32
    assert headers["Authorization"] == "Bearer secret-key"


def test_user_agent_is_set():
    assert build().headers["User-Agent"].startswith("kazoo-notify/")


def test_no_delivery_id_no_idempotency_headers():
    request = build(variables={k: v for k, v in VARS.items() if k != "delivery_id"})
    assert "Idempotency-Key" not in request.headers


def test_send_file_uses_media_url_as_content_and_text_as_caption():
    defn = definition()
    defn["API"]["SendFile"] = {
        "request_url": "https://a.test/mms",
        "request_parameters": {"media": "$content$", "caption": "$text$", "to": "$to$"},
    }
    variables = {**VARS, "media_url": "https://cdn.test/p.png"}
    body = json.loads(build(defn, "SendFile", variables).body)
    assert body == {
        "media": "https://cdn.test/p.png",
        "caption": "Hello & welcome",
        "to": "+15552223333",
    }


def test_send_file_explicit_text_is_the_caption():
    defn = definition()
    defn["API"]["SendFile"] = {
        "request_url": "https://a.test/mms",
        "request_parameters": {"caption": "$text$"},
    }
    variables = {**VARS, "media_url": "https://cdn.test/p.png", "text": "look"}
    assert json.loads(build(defn, "SendFile", variables).body) == {"caption": "look"}


def test_method_defaults_to_post():
    defn = definition()
    del defn["API"]["SendMessage"]["request_method"]
    assert build(defn).method == "POST"


def test_check_connection_request():
    defn = definition()
    defn["API"]["CheckConnection"] = {"request_method": "GET", "request_url": "https://a.test/me"}
    request = build(defn, "CheckConnection", {})
    assert (request.method, request.url, request.body) == ("GET", "https://a.test/me", None)
    assert request.headers["Authorization"] == "Bearer secret-key"


def test_missing_action_raises_definition_error():
    with pytest.raises(DefinitionError):
        build(action="SendFile")


def test_unknown_action_raises_definition_error():
    with pytest.raises(DefinitionError):
        build(action="DeleteEverything")


def test_macros_in_parameters():
    defn = definition(request_parameters={"name": "$macro.user.first_name$"})
    request = build(defn, macros={"user": {"first_name": "Ann"}})
    assert json.loads(request.body) == {"name": "Ann"}


def test_dollar_literal_in_body():
    defn = definition(request_parameters={"note": "costs $$5"})
    assert json.loads(build(defn).body) == {"note": "costs $5"}


def test_recipient_text_with_placeholder_is_sent_literally():
    request = build(variables={**VARS, "content": "my key is $API key$"})
    assert json.loads(request.body)["text"] == "my key is $API key$"


def test_json_array_body():
    request = build(definition(request_parameters=["$to$", "$Port$"]))
    assert json.loads(request.body) == ["+15552223333", 25]


def test_no_parameters_no_body_and_no_content_type():
    defn = definition()
    del defn["API"]["SendMessage"]["request_parameters"]
    request = build(defn)
    assert request.body is None
    assert "Content-Type" not in request.headers


def test_non_json_macro_values_do_not_break_the_body():
    import datetime

    defn = definition(request_parameters={"when": "$macro.when$"})
    request = build(defn, macros={"when": datetime.date(2026, 1, 2)})
    assert json.loads(request.body) == {"when": "2026-01-02"}
