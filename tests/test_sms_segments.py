"""SMS segment counting: GSM-7 (extension characters count 2) vs UCS-2 (SPEC-channels §8)."""

from math import ceil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.sms import GSM_BASIC, GSM_EXTENSION, segments

gsm_basic_text = st.text(alphabet=sorted(GSM_BASIC), min_size=1, max_size=1000)
gsm_text = st.text(alphabet=sorted(GSM_BASIC | GSM_EXTENSION), min_size=1, max_size=1000)
non_gsm_char = st.characters(codec="utf-8").filter(
    lambda c: c not in GSM_BASIC and c not in GSM_EXTENSION
)


def expected_gsm(septets: int) -> int:
    return 1 if septets <= 160 else ceil(septets / 153)


def expected_ucs2(units: int) -> int:
    return 1 if units <= 70 else ceil(units / 67)


def test_empty_text_is_zero_segments():
    assert segments("") == 0


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("ж" * 70, 1),
        ("ж" * 71, 2),
        ("ж" * 134, 2),
        ("ж" * 135, 3),
        ("😀" * 35, 1),
        ("😀" * 36, 2),
        ("a" * 159 + "ж", 3),
    ],
)
def test_known_boundaries(text, count):
    assert segments(text) == count


def test_greek_capitals_and_accents_of_the_basic_set_stay_gsm():
    assert segments("ΔΦΓΛΩΠΨΣΘΞ èéùìòÇØøÅåÆæßÉ¡¿ÄÖÑÜ§äöñüà" * 4) == 1


@given(gsm_basic_text)
def test_basic_gsm_text_counts_one_septet_per_character(text):
    assert segments(text) == expected_gsm(len(text))


@given(gsm_text)
def test_extension_characters_count_two_septets(text):
    septets = sum(2 if char in GSM_EXTENSION else 1 for char in text)
    assert segments(text) == expected_gsm(septets)


@given(gsm_text, non_gsm_char, gsm_text)
def test_one_non_gsm_character_makes_the_whole_text_ucs2(before, char, after):
    text = before + char + after
    units = len(text.encode("utf-16-le")) // 2
    assert segments(text) == expected_ucs2(units)


@given(st.text(min_size=1, max_size=500))
def test_every_non_empty_text_is_at_least_one_segment(text):
    assert segments(text) >= 1


@given(st.text(max_size=400), st.text(max_size=400))
def test_appending_text_never_lowers_the_count(head, tail):
    assert segments(head + tail) >= segments(head)
