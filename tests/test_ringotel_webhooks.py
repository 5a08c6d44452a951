"""Webhook model matching and the normalized events (SPEC-channels §4 Webhook models, §6, §9)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from gateways.ringotel import match, parse_webhook, webhook_models


def model(event_key, params, **extra):
    return {"event_key": event_key, "request_method": "POST", "request_parameters": params, **extra}


DELIVERED = model("delivered", {"type": "$event_key$", "data": {"id": "$messageid$"}})
FAILED = model(
    "failed",
    {
        "type": "$event_key$",
        "data": {"id": "$messageid$", "reason": "$error$", "code": "$error_code$"},
    },
)
STATUS = model(
    "status",
    {"kind": "dlr", "msg": "$messageid$", "stat": "$status$"},
    status_map={"DELIVRD": "delivered", "UNDELIV": "failed", "EXPIRED": "temporary-failure"},
)
MESSAGE = model(
    "message", {"type": "$event_key$", "from": "$from$", "to": "$to$", "body": "$content$"}
)
FILE = model(
    "file",
    {"type": "$event_key$", "from": "$from$", "to": "$to$", "caption": "$text$", "url": "$url$"},
)
ALL = [DELIVERED, FAILED, STATUS, MESSAGE, FILE]


def test_delivered_event():
    found = match(ALL, {"type": "delivered", "data": {"id": "m1"}})
    assert found.event_key == "delivered"
    assert found.event == {
        "type": "status",
        "id": "m1",
        "status": "delivered",
        "error_code": None,
        "error": None,
    }


def test_failed_event_with_error_and_code():
    body = {"type": "failed", "data": {"id": "m1", "reason": "unreachable", "code": 30003}}
    assert match(ALL, body).event == {
        "type": "status",
        "id": "m1",
        "status": "failed",
        "error_code": "30003",
        "error": "unreachable",
        "failure": "permanent-failure",
    }


def test_failed_event_error_is_optional():
    event = match(ALL, {"type": "failed", "data": {"id": "m1"}}).event
    assert (event["status"], event["error"], event["error_code"]) == ("failed", None, None)


def test_status_mapped_to_delivered():
    event = match(ALL, {"kind": "dlr", "msg": "m1", "stat": "DELIVRD"}).event
    assert (event["id"], event["status"]) == ("m1", "delivered")


def test_status_mapped_to_failed_is_permanent():
    event = match(ALL, {"kind": "dlr", "msg": "m1", "stat": "UNDELIV"}).event
    assert (event["status"], event["failure"]) == ("failed", "permanent-failure")


def test_status_mapped_to_temporary_failure():
    event = match(ALL, {"kind": "dlr", "msg": "m1", "stat": "EXPIRED"}).event
    assert (event["status"], event["failure"]) == ("failed", "temporary-failure")


def test_status_map_falls_back_to_case_insensitive():
    event = match(ALL, {"kind": "dlr", "msg": "m1", "stat": "delivrd"}).event
    assert event["status"] == "delivered"


def test_unmapped_status_matches_without_event():
    found = match(ALL, {"kind": "dlr", "msg": "m1", "stat": "ACCEPTD"})
    assert found.event_key == "status"
    assert found.event is None
    assert "ACCEPTD" in found.detail


def test_message_event():
    body = {"type": "message", "from": "+1555", "to": "+1666", "body": "hi"}
    assert match(ALL, body).event == {
        "type": "message",
        "id": None,
        "from": "+1555",
        "to": "+1666",
        "text": "hi",
        "media_url": None,
    }


def test_message_event_with_optional_messageid():
    models_ = [model("message", {"id": "$messageid$", "from": "$from$", "text": "$content$"})]
    event = match(models_, {"id": 99, "from": "+1", "text": "yo"}).event
    assert (event["id"], event["to"]) == ("99", None)


def test_file_event_adds_text_and_media_url():
    body = {"type": "file", "from": "+1", "to": "+2", "caption": "pic", "url": "https://x/p.jpg"}
    event = match(ALL, body).event
    assert (event["type"], event["text"], event["media_url"]) == (
        "message",
        "pic",
        "https://x/p.jpg",
    )


def test_event_key_leaf_must_equal_event_key():
    assert match([DELIVERED], {"type": "failed", "data": {"id": "m1"}}) is None


def test_literal_leaf_must_equal():
    assert match([STATUS], {"kind": "mo", "msg": "m1", "stat": "DELIVRD"}) is None


def test_literal_leaf_must_be_present():
    assert match([STATUS], {"msg": "m1", "stat": "DELIVRD"}) is None


def test_literal_numbers_match_form_strings():
    models_ = [model("delivered", {"v": 2, "id": "$messageid$"})]
    assert match(models_, {"v": "2", "id": "m"}) is not None
    assert match(models_, {"v": 2, "id": "m"}) is not None
    assert match(models_, {"v": True, "id": "m"}) is None


def test_literal_dollar_escape():
    models_ = [model("delivered", {"cur": "$$", "id": "$messageid$"})]
    assert match(models_, {"cur": "$", "id": "m"}) is not None


def test_first_match_in_order_wins():
    loose = model("delivered", {"id": "$messageid$"})
    strict = model("failed", {"id": "$messageid$", "error": "$error$"})
    assert match([loose, strict], {"id": "m", "error": "x"}).event_key == "delivered"
    assert match([strict, loose], {"id": "m", "error": "x"}).event_key == "failed"


def test_missing_required_capture_falls_through_to_next_model():
    receipt = model("delivered", {"id": "$messageid$"})
    inbound = model("message", {"from": "$from$", "text": "$content$"})
    found = match([receipt, inbound], {"from": "+1", "text": "hello"})
    assert found.event_key == "message"
    assert found.index == 1


def test_no_match_returns_none():
    assert match(ALL, {"something": "else"}) is None
    assert match(ALL, {}) is None


def test_non_object_body_does_not_match():
    for body in (None, [], "delivered", 5):
        assert match(ALL, body) is None


def test_array_in_body_matches_element_zero():
    models_ = [model("delivered", {"results": [{"id": "$messageid$"}]})]
    assert match(models_, {"results": [{"id": "a"}, {"id": "b"}]}).event["id"] == "a"


def test_object_where_model_expects_object_is_required():
    assert match([DELIVERED], {"type": "delivered", "data": "m1"}) is None


def test_method_filter():
    assert match([DELIVERED], {"type": "delivered", "data": {"id": "m"}}, method="GET") is None
    assert match([DELIVERED], {"type": "delivered", "data": {"id": "m"}}, method="post")


def test_extra_body_keys_are_ignored():
    body = {"type": "delivered", "data": {"id": "m1", "ts": 1}, "extra": True}
    assert match(ALL, body).event["id"] == "m1"


def test_match_records_index_type_and_captures():
    found = match(ALL, {"type": "file", "from": "+1", "to": "+2", "caption": "c", "url": "u"})
    assert (found.index, found.event_type) == (4, None)
    assert found.captures["url"] == "u"


def test_models_from_object_form():
    definition = {"Webhook": {"delivered": {"request_parameters": {"id": "$messageid$"}}}}
    assert match(webhook_models(definition), {"id": "x"}).event["status"] == "delivered"


def test_parse_webhook_list_of_bodies():
    definition = {"Webhook": ALL}
    bodies = [
        {"type": "delivered", "data": {"id": "m1"}},
        {"nothing": 1},
        {"kind": "dlr", "msg": "m2", "stat": "ACCEPTD"},
        {"type": "message", "from": "+1", "to": "+2", "body": "hey"},
    ]
    events = parse_webhook(definition, bodies)
    assert [(e["type"], e["id"]) for e in events] == [("status", "m1"), ("message", None)]


# --- properties ------------------------------------------------------------------------

TEXT = st.text(min_size=1, max_size=20)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=300, database=None)
@given(body=JSON)
def test_matching_never_raises(body):
    match(ALL, body)
    parse_webhook({"Webhook": ALL}, body)


@settings(max_examples=300, database=None)
@given(sender=TEXT, to=TEXT, text=TEXT, noise=st.dictionaries(st.text(max_size=4), JSON))
def test_generated_message_bodies_round_trip(sender, to, text, noise):
    body = {**noise, "type": "message", "from": sender, "to": to, "body": text}
    event = match(ALL, body).event
    assert (event["from"], event["to"], event["text"]) == (sender, to, text)


@settings(max_examples=300, database=None)
@given(message_id=TEXT, key=st.sampled_from(["delivered", "failed"]))
def test_generated_receipts_round_trip(message_id, key):
    event = match(ALL, {"type": key, "data": {"id": message_id}}).event
    assert (event["id"], event["status"]) == (message_id, key)


@settings(max_examples=200, database=None)
@given(value=st.text(max_size=10))
def test_event_key_never_matches_another_value(value):
    body = {"type": value, "data": {"id": "m"}}
    found = match([DELIVERED], body)
    assert (found is not None) == (value == "delivered")


def test_very_deep_body_does_not_blow_up():
    deep = {"id": "x"}
    for _ in range(5000):
        deep = {"data": deep}
    pattern = {"id": "$messageid$"}
    for _ in range(100):
        pattern = {"data": pattern}
    assert match([model("delivered", pattern)], deep) is None
