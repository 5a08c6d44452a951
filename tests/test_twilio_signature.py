"""X-Twilio-Signature: Twilio's published vectors and tamper properties."""

import importlib

from hypothesis import given
from hypothesis import strategies as st

from gateways.twilio import signature, validate_signature

# The package exports the function ``signature``, which hides the submodule's name.
signature_module = importlib.import_module("gateways.twilio.signature")

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
DOCUMENTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="

names = st.text(min_size=1, max_size=12)
values = st.text(max_size=20)
forms = st.dictionaries(names, values, max_size=6)
urls = st.builds(
    lambda host, path: f"https://{host}.example.com/{path}",
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10),
    st.text(max_size=20),
)
tokens = st.text(min_size=1, max_size=32)


def test_signature_matches_twilio_documented_example():
    assert signature(URL, PARAMS, TOKEN) == DOCUMENTED


def test_repeated_parameters_sign_like_twilio_libraries():
    params = {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234", "1234"]}
    assert signature(URL, params, TOKEN) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_parameter_order_does_not_matter():
    reordered = dict(reversed(list(PARAMS.items())))
    assert validate_signature(URL, reordered, DOCUMENTED, TOKEN)


def test_single_values_in_lists_sign_like_plain_strings():
    as_lists = {name: [value] for name, value in PARAMS.items()}
    assert validate_signature(URL, as_lists, DOCUMENTED, TOKEN)


def test_missing_header_is_invalid():
    assert not validate_signature(URL, PARAMS, None, TOKEN)
    assert not validate_signature(URL, PARAMS, "", TOKEN)


def test_empty_auth_token_never_validates():
    assert not validate_signature(URL, PARAMS, signature(URL, PARAMS, ""), "")


def test_wrong_token_is_invalid():
    assert not validate_signature(URL, PARAMS, DOCUMENTED, "54321")


def test_other_url_is_invalid():
    assert not validate_signature(URL + "&baz=3", PARAMS, DOCUMENTED, TOKEN)


def test_comparison_is_constant_time(monkeypatch):
    calls = []

    def spy(a, b):
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(signature_module.hmac, "compare_digest", spy)
    assert validate_signature(URL, PARAMS, DOCUMENTED, TOKEN)
    assert calls == [(DOCUMENTED.encode(), DOCUMENTED.encode())]


@given(url=urls, params=forms, token=tokens)
def test_any_signed_request_validates(url, params, token):
    assert validate_signature(url, params, signature(url, params, token), token)


@given(url=urls, params=forms, token=tokens, data=st.data())
def test_changing_a_value_breaks_the_signature(url, params, token, data):
    if not params:
        params = {"Body": "hello"}
    name = data.draw(st.sampled_from(sorted(params)))
    new_value = data.draw(values.filter(lambda v: v != params[name]))
    tampered = {**params, name: new_value}
    assert not validate_signature(url, tampered, signature(url, params, token), token)


@given(url=urls, params=forms, token=tokens, name=names, value=values)
def test_adding_a_parameter_breaks_the_signature(url, params, token, name, value):
    if name in params:
        return
    tampered = {**params, name: value}
    assert not validate_signature(url, tampered, signature(url, params, token), token)


@given(url=urls, params=forms.filter(bool), token=tokens, data=st.data())
def test_removing_a_parameter_breaks_the_signature(url, params, token, data):
    name = data.draw(st.sampled_from(sorted(params)))
    tampered = {k: v for k, v in params.items() if k != name}
    assert not validate_signature(url, tampered, signature(url, params, token), token)


@given(url=urls, other=urls, params=forms, token=tokens)
def test_changing_the_url_breaks_the_signature(url, other, params, token):
    if url == other:
        return
    assert not validate_signature(other, params, signature(url, params, token), token)


def test_moving_the_name_value_boundary_is_not_detected_by_twilios_scheme():
    """A known limit of Twilio's algorithm (no separators), pinned so nobody relies on it."""
    signed = signature(URL, {"ab": "c"}, TOKEN)
    assert validate_signature(URL, {"a": "bc"}, signed, TOKEN)
