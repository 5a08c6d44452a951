"""notifications.rendering: escaping, subjects, macro data, sections, errors, cache."""

import builtins
import re

import chevron
import pytest

from notifications import rendering
from notifications.rendering import (
    TemplateSyntaxError,
    macros_to_data,
    render_html,
    render_subject,
    render_text,
    validate,
)

NASTY = '<b>Tom & "Jerry"\'s</b>'


# --- escaping -------------------------------------------------------------------


def test_html_escapes_the_five_special_characters():
    assert render_html("{{x}}", {"x": NASTY}) == (
        "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&#x27;s&lt;/b&gt;"
    )


def test_html_value_cannot_leave_a_single_quoted_attribute():
    out = render_html("<a title='{{x}}'>", {"x": "' onmouseover='alert(1)"})
    assert out == "<a title='&#x27; onmouseover=&#x27;alert(1)'>"


# Raw tags insert markup, sanitized like an uploaded body (same meaning, safe spelling).
NASTY_MARKUP = '<b>Tom &amp; "Jerry"\'s</b>'


def test_html_triple_mustache_is_raw_sanitized_markup():
    assert render_html("{{{x}}}", {"x": NASTY}) == NASTY_MARKUP


def test_html_ampersand_tag_is_raw_sanitized_markup():
    assert render_html("{{& x}}", {"x": NASTY}) == NASTY_MARKUP


def test_html_raw_dotted_key_is_raw_sanitized_markup():
    assert render_html("{{{user.name}}}", {"user": {"name": NASTY}}) == NASTY_MARKUP


def test_html_raw_dot_inside_list_section_is_raw_sanitized_markup():
    out = render_html("{{#tags}}[{{.}}|{{{.}}}]{{/tags}}", {"tags": ["<b>", "b'"]})
    assert out == "[&lt;b&gt;|<b></b>][b&#x27;|b']"


def test_html_raw_value_loses_its_script():
    out = render_html("<p>{{{x}}}</p>", {"x": "<i>hi</i><script>alert(1)</script>"})
    assert out == "<p><i>hi</i></p>"


def test_html_escapes_values_inside_list_sections():
    data = {"items": [{"name": "<i>"}, {"name": "x'y"}]}
    assert render_html("{{#items}}{{name}};{{/items}}", data) == "&lt;i&gt;;x&#x27;y;"


def test_html_escapes_a_list_rendered_as_a_variable():
    assert "'" not in render_html("{{x}}", {"x": ["it's"]})


def test_text_is_not_html_escaped():
    assert render_text("{{x}} {{{x}}}", {"x": NASTY}) == f"{NASTY} {NASTY}"


def test_subject_is_not_html_escaped():
    assert render_subject("Re: {{x}}", {"x": NASTY}) == f"Re: {NASTY}"


def test_template_cannot_reach_python_attributes_in_html():
    out = render_html("[{{x.__class__}}{{x.upper}}{{l.__str__.__globals__}}]", {"x": "a", "l": [1]})
    assert out == "[]"


# --- subject --------------------------------------------------------------------


def test_subject_collapses_crlf_from_a_value_into_one_space():
    subject = render_subject("Hello {{name}}!", {"name": "Eve\r\nBcc: victim@example.com"})
    assert subject == "Hello Eve Bcc: victim@example.com!"


def test_subject_collapses_line_breaks_in_the_template_and_strips():
    assert render_subject("  \n Voicemail \r\n\r\n from {{who}} \n", {"who": "Bob"}) == (
        "Voicemail from Bob"
    )


@pytest.mark.parametrize("separator", ["\r", "\n", "\v", "\f", "\x85", "\u2028", "\u2029"])
def test_subject_has_no_line_separator_of_any_kind(separator):
    subject = render_subject("a{{x}}b", {"x": f"1{separator}2"})
    assert subject == "a1 2b"
    assert len(subject.splitlines()) == 1


# --- macro data -----------------------------------------------------------------


def test_macros_to_data_nests_dotted_keys():
    assert macros_to_data({"user.first_name": "A", "user.last_name": "B", "x": 1}) == {
        "user": {"first_name": "A", "last_name": "B"},
        "x": 1,
    }


def test_macros_to_data_deep_merges_nested_and_dotted_keys():
    flat = {"user": {"name": {"first": "A"}}, "user.name.last": "B", "user.email": "e"}
    assert macros_to_data(flat) == {"user": {"name": {"first": "A", "last": "B"}, "email": "e"}}


def test_macros_to_data_later_key_wins():
    assert macros_to_data({"user.name": "A", "user": {"name": "B"}}) == {"user": {"name": "B"}}
    assert macros_to_data({"user": "flat", "user.name": "A"}) == {"user": {"name": "A"}}


def test_macros_to_data_does_not_modify_its_input():
    nested = {"a": {"b": 1}}
    macros_to_data({"user": nested, "user.a.c": 2})
    assert nested == {"a": {"b": 1}}


def test_dotted_macros_render_through_nested_data():
    data = macros_to_data({"user.first_name": "Ada", "account.name": "Acme"})
    assert render_text("{{user.first_name}} @ {{account.name}}", data) == "Ada @ Acme"


# --- Mustache semantics ---------------------------------------------------------


@pytest.mark.parametrize("render", [render_html, render_text, render_subject])
def test_unknown_macro_renders_empty(render):
    assert render("[{{nope}}|{{{nope}}}|{{a.b.c}}]", {"a": {}}) == "[||]"


@pytest.mark.parametrize("render", [render_html, render_text])
def test_list_section_repeats_per_item(render):
    data = {"items": [{"n": 1}, {"n": 2}, {"n": 3}]}
    assert render("{{#items}}[{{n}}]{{/items}}", data) == "[1][2][3]"


@pytest.mark.parametrize("render", [render_html, render_text])
def test_section_on_a_mapping_pushes_its_scope(render):
    data = {"user": {"name": "Ada"}, "greeting": "Hi"}
    assert render("{{#user}}{{greeting}} {{name}}{{/user}}", data) == "Hi Ada"


@pytest.mark.parametrize("render", [render_html, render_text])
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "empty"),
        ("", "empty"),
        ([], "empty"),
        ({}, "empty"),
        (0, "empty"),
        (False, "empty"),
        ("x", "full"),
        ([1], "full"),
        ({"a": 1}, "full"),
        (True, "full"),
    ],
)
def test_sections_and_inverted_sections_follow_truthiness(render, value, expected):
    out = render("{{#v}}full{{/v}}{{^v}}empty{{/v}}", {"v": value})
    assert out == expected


@pytest.mark.parametrize("render", [render_html, render_text])
def test_numbers_and_booleans_render_like_chevron(render):
    source = "{{zero}} {{int}} {{float}} {{yes}} {{no}} {{none}}"
    data = {"zero": 0, "int": 42, "float": 1.5, "yes": True, "no": False, "none": None}
    assert render(source, data) == chevron.render(source, data) == "0 42 1.5 True False "


def test_html_matches_chevron_when_nothing_needs_escaping():
    source = "{{#items}}<li>{{name}} {{count}}</li>{{/items}}{{^none}}-{{/none}} {{a.b}}"
    data = {"items": [{"name": "x", "count": 2}, {"name": "y", "count": 0}], "a": {"b": "c"}}
    assert render_html(source, data) == chevron.render(source, data)


# --- partials, file access, errors ----------------------------------------------


def test_partial_is_a_syntax_error():
    message = re.escape("unsupported Mustache tag {{> footer}}")
    with pytest.raises(TemplateSyntaxError, match=message):
        validate("Hello {{> footer}}")


def test_partial_never_opens_a_file(monkeypatch, tmp_path):
    (tmp_path / "secret.mustache").write_text("SECRET")
    monkeypatch.chdir(tmp_path)

    def no_open(*args, **kwargs):
        raise AssertionError("file access")

    monkeypatch.setattr(builtins, "open", no_open)
    monkeypatch.setattr("io.open", no_open)
    for render in (render_html, render_text, render_subject):
        with pytest.raises(TemplateSyntaxError):
            render("{{> secret}}", {})


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{#items}}never closed", 'the tag "items" was never closed'),
        ("{{/items}}", 'Trying to close tag "items"'),
        ("{{#a}}{{/b}}", 'last open tag is "a"'),
        ("Hello {{name", "unsupported Mustache tag {{name"),
        ("{{}}", "unsupported Mustache tag {{}}"),
    ],
)
def test_invalid_template_raises_syntax_error_with_parser_message(source, message):
    with pytest.raises(TemplateSyntaxError) as excinfo:
        validate(source)
    assert message in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def test_rendering_an_invalid_template_raises_syntax_error():
    with pytest.raises(TemplateSyntaxError):
        render_html("{{#x}}", {})


def test_valid_template_validates():
    assert validate("Hi {{user.name}}{{#items}}{{.}}{{/items}}{{^x}}-{{/x}}{{! note }}") is None


# --- cache ----------------------------------------------------------------------


@pytest.fixture
def tokenize_calls(monkeypatch):
    calls = []
    real = chevron.tokenizer.tokenize

    def counting(template, *args, **kwargs):
        calls.append(template)
        return real(template, *args, **kwargs)

    monkeypatch.setattr(chevron.tokenizer, "tokenize", counting)
    return calls


def test_second_render_does_not_tokenize_again(tokenize_calls):
    source = "cache test {{x}} {{#l}}{{.}}{{/l}} 1"
    assert render_html(source, {"x": 1, "l": [1]}) == render_html(source, {"x": 1, "l": [1]})
    assert tokenize_calls == [source]


def test_one_parse_serves_every_mode(tokenize_calls):
    source = "cache test {{x}} 2"
    validate(source)
    render_html(source, {"x": "a"})
    render_text(source, {"x": "b"})
    render_subject(source, {"x": "c"})
    assert tokenize_calls == [source]


def test_cache_is_bounded():
    assert rendering._parse.cache_info().maxsize == 1024
    assert rendering._compiled.cache_info().maxsize == 1024
