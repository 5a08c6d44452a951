"""Twilio error codes: descriptions and documentation links."""

import pytest

from gateways.twilio import error_description, error_descriptions

COMMON = ["21211", "21408", "21610", "21614", "30003", "30004", "30005", "30006", "30007", "30008"]


@pytest.mark.parametrize("code", COMMON)
def test_common_codes_have_a_description(code):
    assert error_descriptions[code]


@pytest.mark.parametrize("code", COMMON)
def test_description_links_to_twilio_docs(code):
    described = error_description(code)
    assert described == {
        "code": code,
        "description": error_descriptions[code],
        "link": f"https://www.twilio.com/docs/api/errors/{code}",
    }


def test_integer_codes_are_described_like_strings():
    assert error_description(30003) == error_description("30003")


def test_unknown_numeric_code_keeps_the_link_without_description():
    assert error_description("99999") == {
        "code": "99999",
        "description": None,
        "link": "https://www.twilio.com/docs/api/errors/99999",
    }


@pytest.mark.parametrize("code", [None, "", "  "])
def test_missing_code_has_no_description(code):
    assert error_description(code) is None


def test_non_numeric_code_gets_no_link():
    assert error_description("boom")["link"] is None
