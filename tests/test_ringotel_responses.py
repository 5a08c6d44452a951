"""response_map capture and the §8 outcome of a provider's answer (SPEC-channels §4, §8)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliveries.transports import DeliveryError, SendResult
from gateways.ringotel import capture, interpret, interpret_response

MAP = {"data": {"id": "$messageid$"}}


def test_capture_leaf_at_its_path():
    assert capture(MAP, {"data": {"id": "abc", "other": 1}}) == {"messageid": "abc"}


def test_capture_array_in_response_matches_element_zero():
    answer = {"data": [{"id": "first"}, {"id": "second"}]}
    assert capture(MAP, answer) == {"messageid": "first"}


def test_capture_array_in_map_matches_element_zero():
    assert capture({"messages": [{"id": "$messageid$"}]}, {"messages": [{"id": 7}]}) == {
        "messageid": 7
    }


def test_capture_array_leaf_value_is_element_zero():
    assert capture({"ids": "$messageid$"}, {"ids": ["m1", "m2"]}) == {"messageid": "m1"}


def test_capture_missing_path_captures_nothing():
    assert capture(MAP, {"result": {"id": "x"}}) == {}
    assert capture(MAP, {"data": "flat"}) == {}
    assert capture(MAP, None) == {}


def test_capture_keeps_value_types():
    assert capture({"n": "$messageid$"}, {"n": 12345}) == {"messageid": 12345}


def test_capture_several_names():
    response_map = {"id": "$messageid$", "err": {"msg": "$error$", "code": "$error_code$"}}
    answer = {"id": "m", "err": {"msg": "bad number", "code": 21614}}
    assert capture(response_map, answer) == {
        "messageid": "m",
        "error": "bad number",
        "error_code": 21614,
    }


def test_capture_ignores_literal_map_leaves():
    assert capture({"ok": "true", "id": "$messageid$"}, {"ok": False, "id": "m"}) == {
        "messageid": "m"
    }


def test_messageid_becomes_provider_message_id():
    outcome = interpret(200, {}, {"messageid": "abc"})
    assert (outcome.status, outcome.provider_message_id, outcome.detail) == ("sent", "abc", "")


def test_numeric_messageid_is_text():
    assert interpret(201, {}, {"messageid": 42}).provider_message_id == "42"


def test_2xx_without_messageid_is_sent_with_detail():
    outcome = interpret(200, None, {})
    assert outcome.status == "sent"
    assert outcome.provider_message_id is None
    assert outcome.detail == "no provider message id"


def test_error_on_2xx_is_a_permanent_failure():
    outcome = interpret(200, {}, {"error": "Invalid phone number", "error_code": 12})
    assert outcome.status == "failed"
    assert outcome.permanent is True
    assert (outcome.error, outcome.error_code) == ("Invalid phone number", "12")


def test_empty_error_is_not_an_error():
    for empty in ("", None, False, [], {}):
        assert interpret(200, {}, {"error": empty, "messageid": "m"}).status == "sent"


def test_error_code_alone_is_not_an_error():
    assert interpret(200, {}, {"error_code": "0", "messageid": "m"}).status == "sent"


def test_object_error_is_json_text():
    outcome = interpret(200, {}, {"error": {"reason": "blocked"}})
    assert outcome.error == '{"reason":"blocked"}'


def test_status_delivered_is_delivered_at_once():
    outcome = interpret(200, {}, {"messageid": "m", "status": "Delivered"})
    assert outcome.status == "delivered"


def test_other_status_is_sent():
    assert interpret(200, {}, {"messageid": "m", "status": "queued"}).status == "sent"


def test_non_2xx_is_failed_for_the_http_layer_to_classify():
    outcome = interpret(400, {}, {"error": "bad to", "error_code": "E1"})
    assert outcome.status == "failed"
    assert outcome.permanent is None
    assert outcome.error == "HTTP 400: bad to"
    assert outcome.error_code == "E1"
    assert outcome.http_status == 400


def test_non_2xx_without_captures():
    assert interpret(503, None, {}).error == "HTTP 503"


def test_to_result_for_sent():
    result = interpret(200, {}, {"messageid": "abc"}).to_result()
    assert result == SendResult("abc", "sent", "HTTP 200", "")


def test_to_result_for_delivered():
    assert interpret(202, {}, {"messageid": "m", "status": "delivered"}).to_result().status == (
        "delivered"
    )


def test_to_result_raises_permanent_delivery_error_for_body_error():
    with pytest.raises(DeliveryError) as raised:
        interpret(200, {}, {"error": "blocked", "error_code": 7}).to_result()
    assert raised.value.permanent is True
    assert raised.value.code == "7"
    assert str(raised.value) == "blocked"


def test_interpret_response_parses_bytes():
    outcome = interpret_response(MAP, 200, b'{"data":{"id":"xyz"}}')
    assert outcome.provider_message_id == "xyz"


def test_interpret_response_tolerates_non_json():
    outcome = interpret_response(MAP, 200, b"<html>OK</html>")
    assert (outcome.status, outcome.detail) == ("sent", "no provider message id")


def test_interpret_response_without_map():
    assert interpret_response(None, 204, b"").status == "sent"


def test_epochta_style_error_in_body():
    response_map = {"result": {"id": "$messageid$"}, "error": "$error$", "code": "$error_code$"}
    outcome = interpret_response(response_map, 200, b'{"error":"not enough money","code":1}')
    assert (outcome.status, outcome.error) == ("failed", "not enough money")
    assert outcome.error_code == "1"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=300, database=None)
@given(response_map=JSON, answer=JSON, status=st.integers(100, 599))
def test_capture_and_interpret_never_raise(response_map, answer, status):
    interpret(status, answer, capture(response_map, answer))


@settings(max_examples=200, database=None)
@given(value=st.text(min_size=1) | st.integers(), path=st.lists(st.text(max_size=4), max_size=6))
def test_capture_finds_any_value_at_any_path(value, path):
    response_map, answer = "$messageid$", value
    for key in reversed(path):
        response_map, answer = {key: response_map}, {key: answer}
    assert capture(response_map, answer) == {"messageid": value}


def test_capture_on_very_deep_answer_does_not_blow_up():
    deep_map, deep_answer = "$messageid$", "x"
    for _ in range(5000):
        deep_map, deep_answer = {"a": deep_map}, {"a": deep_answer}
    assert capture(deep_map, deep_answer) == {}
