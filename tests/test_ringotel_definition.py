"""Validation of Ringotel definitions: each §4 rule at its exact path (SPEC-channels §3, §4)."""

import copy

from gateways.ringotel import (
    default_channel,
    features,
    fully_configured,
    missing_properties,
    property_names,
    secret_property_names,
    validate_definition,
    validate_settings,
    webhook_models,
)

P = "settings.definition"


def base(**extra):
    """A minimal valid definition; keyword arguments replace top-level keys."""
    definition = {
        "id": "Acme",
        "name": "Acme SMS",
        "class": "sms",
        "properties": ["API key", "Sender"],
        "auth": {"type": "Bearer", "token": "$API key$"},
        "API": {
            "SendMessage": {
                "request_method": "POST",
                "request_url": "https://api.acme.test/v1/messages",
                "request_content_type": "application/json",
                "request_parameters": {"from": "$Sender$", "to": "$to$", "text": "$content$"},
                "response_map": {"data": {"id": "$messageid$"}},
            }
        },
    }
    definition.update(extra)
    return definition


def send(**changes):
    definition = base()
    definition["API"]["SendMessage"].update(changes)
    return definition


def rules(errors, path):
    return set(errors.get(path, {}))


# --- valid shapes ----------------------------------------------------------------------


def test_minimal_definition_is_valid():
    assert validate_definition(base()) == {}


def test_errors_carry_a_message():
    errors = validate_definition(base(API={}))
    assert errors[f"{P}.API.SendMessage"]["required"]["message"]


def test_definition_must_be_an_object():
    assert rules(validate_definition(["x"]), P) == {"wrong_format"}


# --- required --------------------------------------------------------------------------


def test_send_message_is_required():
    assert rules(validate_definition(base(API={})), f"{P}.API.SendMessage") == {"required"}


def test_missing_api_section_requires_send_message():
    definition = base()
    del definition["API"]
    assert rules(validate_definition(definition), f"{P}.API.SendMessage") == {"required"}


def test_api_must_be_an_object():
    assert rules(validate_definition(base(API="x")), f"{P}.API") == {"wrong_format"}


def test_request_url_is_required():
    definition = base()
    del definition["API"]["SendMessage"]["request_url"]
    errors = validate_definition(definition)
    assert rules(errors, f"{P}.API.SendMessage.request_url") == {"required"}


def test_status_model_requires_status_map():
    model = {
        "event_key": "status",
        "request_parameters": {"id": "$messageid$", "state": "$status$"},
    }
    errors = validate_definition(base(Webhook=[model]))
    assert rules(errors, f"{P}.Webhook.0.status_map") == {"required"}


def test_model_requires_event_key():
    errors = validate_definition(base(Webhook=[{"request_parameters": {"a": "$messageid$"}}]))
    assert rules(errors, f"{P}.Webhook.0.event_key") == {"required"}


def test_model_requires_request_parameters():
    errors = validate_definition(base(Webhook=[{"event_key": "delivered"}]))
    assert rules(errors, f"{P}.Webhook.0.request_parameters") == {"required"}


def test_delivered_model_requires_a_messageid_capture():
    model = {"event_key": "delivered", "request_parameters": {"kind": "$event_key$"}}
    errors = validate_definition(base(Webhook=[model]))
    assert rules(errors, f"{P}.Webhook.0.request_parameters") == {"required"}


def test_bearer_auth_requires_token():
    errors = validate_definition(base(auth={"type": "Bearer"}))
    assert rules(errors, f"{P}.auth.token") == {"required"}


def test_basic_auth_requires_username():
    errors = validate_definition(base(auth={"type": "Basic", "password": "$API key$"}))
    assert rules(errors, f"{P}.auth.username") == {"required"}


def test_oauth2_requires_client_id_secret_and_token_endpoint():
    definition = base(OAuth2={})
    del definition["auth"]
    errors = validate_definition(definition)
    for field in ("client_id", "client_secret", "token_endpoint"):
        assert rules(errors, f"{P}.OAuth2.{field}") == {"required"}


# --- enum ------------------------------------------------------------------------------


def test_request_method_enum():
    errors = validate_definition(send(request_method="DELETE"))
    assert rules(errors, f"{P}.API.SendMessage.request_method") == {"enum"}


def test_request_method_accepts_get_post_put_patch():
    for method in ("GET", "POST", "PUT", "PATCH"):
        assert validate_definition(send(request_method=method)) == {}


def test_request_method_is_case_sensitive():
    errors = validate_definition(send(request_method="post"))
    assert rules(errors, f"{P}.API.SendMessage.request_method") == {"enum"}


def test_request_content_type_enum():
    errors = validate_definition(send(request_content_type="text/xml"))
    assert rules(errors, f"{P}.API.SendMessage.request_content_type") == {"enum"}


def test_request_content_type_accepts_form_and_charset_parameter():
    assert validate_definition(send(request_content_type="application/x-www-form-urlencoded")) == {}
    assert validate_definition(send(request_content_type="application/json; charset=utf-8")) == {}


def test_request_content_type_defaults_to_json():
    definition = base()
    del definition["API"]["SendMessage"]["request_content_type"]
    assert validate_definition(definition) == {}


def test_auth_type_enum():
    errors = validate_definition(base(auth={"type": "Digest", "token": "x"}))
    assert rules(errors, f"{P}.auth.type") == {"enum"}


def test_event_key_enum():
    model = {"event_key": "typing", "request_parameters": {"a": "$from$"}}
    errors = validate_definition(base(Webhook=[model]))
    assert rules(errors, f"{P}.Webhook.0.event_key") == {"enum"}


def test_status_map_targets_enum():
    model = {
        "event_key": "status",
        "request_parameters": {"id": "$messageid$", "state": "$status$"},
        "status_map": {"DELIVRD": "delivered", "WEIRD": "exploded"},
    }
    errors = validate_definition(base(Webhook=[model]))
    assert rules(errors, f"{P}.Webhook.0.status_map.WEIRD") == {"enum"}
    assert f"{P}.Webhook.0.status_map.DELIVRD" not in errors


def test_token_parameters_content_type_enum():
    definition = base(
        OAuth2={
            "client_id": "$API key$",
            "client_secret": "$Sender$",
            "token_endpoint": "https://login.acme.test/token",
            "token_parameters": {"content_type": "text/plain"},
        }
    )
    del definition["auth"]
    errors = validate_definition(definition)
    assert rules(errors, f"{P}.OAuth2.token_parameters.content_type") == {"enum"}


# --- wrong_format ----------------------------------------------------------------------


def test_request_url_must_be_http_or_https():
    for url in ("ftp://acme.test/x", "api.acme.test/x", "file:///etc/passwd", "https://"):
        errors = validate_definition(send(request_url=url))
        assert rules(errors, f"{P}.API.SendMessage.request_url") == {"wrong_format"}, url


def test_request_url_allows_placeholders():
    url = "https://api.acme.test/$Sender$/send?to=$to$&key=$API key$"
    assert validate_definition(send(request_url=url)) == {}


def test_request_url_cannot_start_with_a_placeholder():
    errors = validate_definition(send(request_url="$Sender$/send"))
    assert rules(errors, f"{P}.API.SendMessage.request_url") == {"wrong_format"}


def test_duplicate_property_names():
    errors = validate_definition(base(properties=["API key", "Sender", "API key"]))
    assert rules(errors, f"{P}.properties.2") == {"wrong_format"}


def test_property_names_must_be_non_empty_strings():
    errors = validate_definition(base(properties=["API key", "Sender", "", 7]))
    assert rules(errors, f"{P}.properties.2") == {"wrong_format"}
    assert rules(errors, f"{P}.properties.3") == {"wrong_format"}


def test_properties_must_be_a_list():
    errors = validate_definition(base(properties={"API key": 1}))
    assert rules(errors, f"{P}.properties") == {"wrong_format"}


def test_non_unique_webhook_event_keys():
    model = {"event_key": "delivered", "request_parameters": {"id": "$messageid$"}}
    errors = validate_definition(base(Webhook=[model, copy.deepcopy(model)]))
    assert rules(errors, f"{P}.Webhook.1.event_key") == {"wrong_format"}
    assert f"{P}.Webhook.0.event_key" not in errors


def test_webhook_neither_array_nor_object():
    errors = validate_definition(base(Webhook="delivered"))
    assert rules(errors, f"{P}.Webhook") == {"wrong_format"}


def test_webhook_object_form_is_valid():
    webhook = {"delivered": {"request_parameters": {"id": "$messageid$"}}}
    assert validate_definition(base(Webhook=webhook)) == {}


def test_webhook_object_key_must_match_event_key():
    webhook = {"delivered": {"event_key": "failed", "request_parameters": {"id": "$messageid$"}}}
    errors = validate_definition(base(Webhook=webhook))
    assert rules(errors, f"{P}.Webhook.delivered.event_key") == {"wrong_format"}


def test_headers_must_be_an_object():
    errors = validate_definition(send(headers=["X-Key: 1"]))
    assert rules(errors, f"{P}.API.SendMessage.headers") == {"wrong_format"}


def test_header_names_must_be_tokens():
    errors = validate_definition(send(headers={"Bad Header": "x"}))
    assert rules(errors, f"{P}.API.SendMessage.headers.Bad Header") == {"wrong_format"}


def test_auth_and_oauth2_together_is_wrong_format():
    definition = base(
        OAuth2={
            "client_id": "$API key$",
            "client_secret": "$Sender$",
            "token_endpoint": "https://login.acme.test/token",
        }
    )
    errors = validate_definition(definition)
    assert rules(errors, f"{P}.auth") == {"wrong_format"}


def test_oauth2_alone_replaces_auth():
    definition = base(
        OAuth2={
            "client_id": "$API key$",
            "client_secret": "$Sender$",
            "flow_type": {"default": "0"},
            "token_endpoint": "https://login.acme.test/token",
            "token_parameters": {"content_type": "application/x-www-form-urlencoded;charset=utf-8"},
            "request_auth": "Bearer",
        }
    )
    del definition["auth"]
    assert validate_definition(definition) == {}


def test_oauth2_token_endpoint_must_be_http():
    definition = base(
        OAuth2={"client_id": "a", "client_secret": "b", "token_endpoint": "gopher://x"}
    )
    del definition["auth"]
    errors = validate_definition(definition)
    assert rules(errors, f"{P}.OAuth2.token_endpoint") == {"wrong_format"}


def test_too_deep_definition_is_wrong_format():
    deep = "$to$"
    for _ in range(60):
        deep = {"x": deep}
    errors = validate_definition(send(request_parameters=deep))
    assert rules(errors, P) == {"wrong_format"}


# --- unknown_placeholder ---------------------------------------------------------------


def test_unknown_placeholder_in_parameters():
    errors = validate_definition(send(request_parameters={"to": "$recipient$"}))
    path = f"{P}.API.SendMessage.request_parameters.to"
    assert rules(errors, path) == {"unknown_placeholder"}
    assert "$recipient$" in errors[path]["unknown_placeholder"]["message"]


def test_unknown_placeholder_in_nested_parameters_has_full_path():
    params = {"message": {"parts": [{"body": "Hi $nobody$"}]}}
    errors = validate_definition(send(request_parameters=params))
    path = f"{P}.API.SendMessage.request_parameters.message.parts.0.body"
    assert rules(errors, path) == {"unknown_placeholder"}


def test_unknown_placeholder_in_url():
    errors = validate_definition(send(request_url="https://acme.test/$Account$/send"))
    assert rules(errors, f"{P}.API.SendMessage.request_url") == {"unknown_placeholder"}


def test_unknown_placeholder_in_headers():
    errors = validate_definition(send(headers={"X-Api-Key": "$Token$"}))
    assert rules(errors, f"{P}.API.SendMessage.headers.X-Api-Key") == {"unknown_placeholder"}


def test_unknown_placeholder_in_auth_token():
    errors = validate_definition(base(auth={"type": "Bearer", "token": "$api key$"}))
    assert rules(errors, f"{P}.auth.token") == {"unknown_placeholder"}


def test_properties_match_by_exact_name():
    errors = validate_definition(send(request_parameters={"k": "$API Key$"}))
    assert rules(errors, f"{P}.API.SendMessage.request_parameters.k") == {"unknown_placeholder"}


def test_all_builtins_are_known():
    names = "from to content text extension domain account_id template_id delivery_id subject"
    params = {name: f"${name}$" for name in [*names.split(), "media_url", "html"]}
    assert validate_definition(send(request_parameters=params)) == {}


def test_macro_paths_are_known():
    params = {"name": "$macro.user.first_name$", "greeting": "Dear $macro.account.name$"}
    assert validate_definition(send(request_parameters=params)) == {}


def test_bare_macro_prefix_is_unknown():
    errors = validate_definition(send(request_parameters={"m": "$macro.$"}))
    assert rules(errors, f"{P}.API.SendMessage.request_parameters.m") == {"unknown_placeholder"}


def test_double_dollar_is_a_literal_not_a_placeholder():
    assert validate_definition(send(request_parameters={"price": "$$5 for $$10"})) == {}


def test_unknown_capture_in_response_map():
    errors = validate_definition(send(response_map={"data": {"id": "$message_id$"}}))
    path = f"{P}.API.SendMessage.response_map.data.id"
    assert rules(errors, path) == {"unknown_placeholder"}


def test_response_map_accepts_error_error_code_status():
    response_map = {"id": "$messageid$", "err": {"text": "$error$", "code": "$error_code$"}}
    response_map["state"] = "$status$"
    assert validate_definition(send(response_map=response_map)) == {}


def test_unknown_capture_in_webhook_model():
    model = {"event_key": "delivered", "request_parameters": {"id": "$messageid$", "x": "$foo$"}}
    errors = validate_definition(base(Webhook=[model]))
    assert rules(errors, f"{P}.Webhook.0.request_parameters.x") == {"unknown_placeholder"}


# --- settings, properties, secrets ----------------------------------------------------


def test_property_names_in_order_from_strings_or_objects():
    definition = base(properties=["API key", {"name": "Sender"}])
    assert property_names(definition) == ["API key", "Sender"]


def test_secret_properties_default_to_matching_names():
    definition = base(properties=["API key", "Sender", "Client Secret", "Auth TOKEN", "PassWord"])
    settings = {"definition": definition}
    assert secret_property_names(settings) == ["API key", "Client Secret", "Auth TOKEN", "PassWord"]


def test_secret_properties_explicit_list_wins():
    settings = {"definition": base(), "secret_properties": ["Sender"]}
    assert secret_property_names(settings) == ["Sender"]


def test_secret_properties_must_be_declared():
    settings = {"definition": base(), "secret_properties": ["Sender", "Nope"]}
    errors = validate_settings(settings)
    assert rules(errors, "settings.secret_properties.1") == {"wrong_format"}


def test_settings_require_a_definition():
    assert rules(validate_settings({}), P) == {"required"}


def test_settings_property_values_must_be_scalars():
    settings = {"definition": base(), "properties": {"API key": {"nested": 1}}}
    assert rules(validate_settings(settings), "settings.properties.API key") == {"wrong_format"}


def test_valid_settings():
    settings = {"definition": base(), "properties": {"API key": "k", "Sender": "+1555"}}
    assert validate_settings(settings) == {}


def test_fully_configured_needs_every_property_value():
    assert fully_configured(base(), {"API key": "k", "Sender": "+1555"})
    assert not fully_configured(base(), {"API key": "k"})
    assert not fully_configured(base(), {"API key": "k", "Sender": ""})
    assert missing_properties(base(), {"API key": "k", "Sender": None}) == ["Sender"]


def test_invalid_definition_is_not_fully_configured():
    assert not fully_configured(base(API={}), {"API key": "k", "Sender": "+1555"})


# --- features and webhook normalisation ------------------------------------------------


def test_features_outgoing_only():
    assert features(base()) == ["outgoing"]


def test_features_send_file():
    definition = base()
    definition["API"]["SendFile"] = copy.deepcopy(definition["API"]["SendMessage"])
    assert features(definition) == ["outgoing", "send_file"]


def test_features_ingoing_from_message_or_file_models():
    for key in ("message", "file"):
        model = {"event_key": key, "request_parameters": {}}
        assert features(base(Webhook=[model])) == ["outgoing", "ingoing"]


def test_features_delivery_reports_from_receipt_models():
    for key in ("delivered", "failed", "status"):
        model = {"event_key": key, "request_parameters": {}}
        assert features(base(Webhook=[model])) == ["outgoing", "delivery_reports"]


def test_features_check_connection_from_api_or_oauth2():
    definition = base()
    definition["API"]["CheckConnection"] = {"request_url": "https://api.acme.test/me"}
    assert features(definition) == ["outgoing", "check_connection"]
    assert features(base(OAuth2={"client_id": "x"})) == ["outgoing", "check_connection"]


def test_webhook_array_normalised_in_order():
    models = [{"event_key": "message"}, {"event_key": "delivered"}]
    assert [m["event_key"] for m in webhook_models(base(Webhook=models))] == [
        "message",
        "delivered",
    ]


def test_webhook_object_normalised_with_event_key_filled_in():
    webhook = {"delivered": {"request_parameters": {"id": "$messageid$"}}, "message": {}}
    found = webhook_models(base(Webhook=webhook))
    assert [m["event_key"] for m in found] == ["delivered", "message"]
    assert found[0]["request_parameters"] == {"id": "$messageid$"}


def test_validation_never_raises_on_junk_values():
    junk = [None, 1, "x", [], {}, [1, None], {"a": None}, True]
    for value in junk:
        for key in ("properties", "auth", "OAuth2", "API", "Webhook", "headers"):
            validate_definition(base(**{key: value}))
        for key in ("request_parameters", "response_map", "headers", "request_url"):
            validate_definition(send(**{key: value}))
        validate_definition(base(Webhook=[value]))
        validate_definition(base(Webhook={"delivered": value}))


def test_class_must_be_a_channel_name():
    errors = validate_definition(base(**{"class": "SMS gateway"}))
    assert rules(errors, f"{P}.class") == {"wrong_format"}


def test_default_channel_is_the_class():
    assert default_channel(base()) == "sms"
    assert default_channel(base(**{"class": None})) is None


def test_form_parameters_must_be_an_object():
    definition = send(
        request_content_type="application/x-www-form-urlencoded", request_parameters=["$to$"]
    )
    errors = validate_definition(definition)
    assert rules(errors, f"{P}.API.SendMessage.request_parameters") == {"wrong_format"}


def test_json_parameters_may_be_an_array():
    assert validate_definition(send(request_parameters=["$to$", "$content$"])) == {}
