"""notifications.sanitizing: XSS vectors removed, e-mail markup and Mustache kept."""

import re

import pytest

from notifications.mustache import UnsupportedTag
from notifications.sanitizing import sanitize_html

# (input, fragments that must not survive, case-insensitive)
XSS_VECTORS = {
    "script": ("<p>hi</p><script>alert(1)</script>", ["<script", "alert"]),
    "script_in_text": ("a<script type='text/javascript'>steal()</script>b", ["script", "steal"]),
    "img_onerror": ('<img src="x" onerror="alert(1)">', ["onerror", "alert"]),
    "body_onload": ("<body onload=alert(1)><p>x</p></body>", ["onload", "alert", "<body"]),
    "a_onclick": ('<a href="https://x.example" onclick="alert(1)">x</a>', ["onclick", "alert"]),
    "javascript_href": ('<a href="javascript:alert(1)">x</a>', ["javascript", "alert"]),
    "mixed_case_javascript": ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript", "alert"]),
    "spaced_javascript": ('<a href=" java\tscript:alert(1)">x</a>', ["script", "alert"]),
    "entity_javascript": ('<a href="&#106;avascript:alert(1)">x</a>', ["avascript", "alert"]),
    "hex_entity_javascript": (
        '<a href="&#x6A;&#x61;vascript&#58;alert(1)">x</a>',
        ["vascript", "alert"],
    ),
    "data_href": (
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
        ["data:", "base64"],
    ),
    "data_img": ('<img src="data:image/svg+xml,<svg onload=alert(1)>">', ["data:", "onload"]),
    "vbscript": ('<a href="vbscript:msgbox(1)">x</a>', ["vbscript", "msgbox"]),
    "svg_onload": ("<svg onload=alert(1)><rect/></svg>", ["<svg", "onload", "alert"]),
    "svg_script": ("<svg><script>alert(1)</script></svg>", ["<svg", "script", "alert"]),
    "math": (
        '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
        ["<math", "<mi", "javascript"],
    ),
    "iframe": ('<iframe src="https://evil.example"></iframe>', ["<iframe", "evil"]),
    "iframe_srcdoc": ('<iframe srcdoc="<script>alert(1)</script>"></iframe>', ["iframe", "alert"]),
    "object": ('<object data="https://evil.example/x.swf"></object>', ["<object", "evil"]),
    "embed": ('<embed src="https://evil.example/x.swf">', ["<embed", "evil"]),
    "form_input": (
        '<form action="https://evil.example"><input name="pw" type="password">'
        "<button>Log in</button></form>",
        ["<form", "<input", "<button", "evil", "password"],
    ),
    "style_block": (
        "<style>body{background:url(javascript:alert(1))}</style><p>x</p>",
        ["<style", "background", "javascript"],
    ),
    "style_expression": ('<p style="width: expression(alert(1))">x</p>', ["expression", "alert"]),
    "style_url_javascript": (
        '<p style="background-image: url(javascript:alert(1)); color: red">x</p>',
        ["url(", "javascript", "background-image"],
    ),
    "style_url_in_allowed_property": ('<p style="background-color: url(x.png)">x</p>', ["url("]),
    "style_escaped_url": ('<p style="color: u\\72l(javascript:alert(1))">x</p>', ["javascript"]),
    "style_behavior": (
        '<p style="behavior: url(x.htc); -moz-binding: url(x)">x</p>',
        ["behavior", "binding"],
    ),
    "meta_refresh": (
        '<meta http-equiv="refresh" content="0;url=https://evil.example"><p>x</p>',
        ["<meta", "refresh", "evil"],
    ),
    "base_href": ('<base href="https://evil.example/"><a href="x">x</a>', ["<base", "evil"]),
    "link_stylesheet": (
        '<link rel="stylesheet" href="https://evil.example/x.css">',
        ["<link", "evil"],
    ),
    "html_comment": (
        "<p>a</p><!-- internal note --><!--[if IE]><script>x()</script><![endif]-->",
        ["<!--", "internal", "script"],
    ),
    "noscript": ("<noscript><img src=x onerror=alert(1)></noscript>", ["onerror", "alert"]),
    "textarea_breakout": ("<textarea></textarea><script>alert(1)</script>", ["script", "alert"]),
    "unknown_tag_attribute": ('<marquee onstart="alert(1)">x</marquee>', ["marquee", "onstart"]),
    "javascript_before_mustache": ('<a href="javascript:{{x}}">x</a>', ["javascript", "href"]),
    "mustache_hiding_scheme": ('<a href="java{{x}}script:alert(1)">x</a>', ["alert", "href"]),
}


@pytest.mark.parametrize(("source", "forbidden"), XSS_VECTORS.values(), ids=XSS_VECTORS.keys())
def test_dangerous_markup_is_removed(source, forbidden):
    out = sanitize_html(source).lower()
    for fragment in forbidden:
        assert fragment.lower() not in out, out


@pytest.mark.parametrize(("source", "forbidden"), XSS_VECTORS.values(), ids=XSS_VECTORS.keys())
def test_no_event_handler_attribute_survives(source, forbidden):
    assert not re.search(r"\son\w+\s*=", sanitize_html(source), re.I)


def test_script_and_style_contents_are_dropped_not_turned_into_text():
    assert sanitize_html("a<script>var x = 1;</script><style>p {}</style>b") == "ab"


def test_allowed_style_declarations_are_kept_and_dangerous_ones_dropped():
    out = sanitize_html('<p style="color: red; width: expression(1); font-size: 14px">x</p>')
    assert out == '<p style="color: red; font-size: 14px">x</p>'


# --- Mustache survival ----------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        '<a href="{{link}}">Open</a>',
        '<img src="{{account.logo_url}}" alt="{{account.name}}">',
        '<a href="mailto:{{user.email}}">{{user.email}}</a>',
        '<p style="color: {{brand.color}}; font-size: {{size}}px">x</p>',
        "<p>{{#items}}<b>{{name}}</b>{{/items}}</p>",
        "<p>{{{raw}}} and {{& raw}}</p>",
        "<p>{{^x}}nothing{{/x}}</p>",
        "<ul>{{#items}}<li>{{.}}</li>{{/items}}</ul>",
        "Dear {{ user.first_name }},{{! a comment }}",
    ],
)
def test_mustache_tags_survive_unchanged(source):
    assert sanitize_html(source) == source


def test_mustache_in_url_with_query_string_survives():
    out = sanitize_html('<a href="https://x.example/{{user.id}}?a=1&b=2">x</a>')
    assert out == '<a href="https://x.example/{{user.id}}?a=1&amp;b=2">x</a>'


def test_mustache_between_table_rows_stays_inside_the_table():
    source = (
        "<table><tr><th>Name</th></tr>"
        "{{#rows}}<tr><td>{{name}}</td></tr>{{/rows}}"
        "{{^rows}}<tr><td>none</td></tr>{{/rows}}</table>"
    )
    out = sanitize_html(source)
    assert out.index("<table>") < out.index("{{#rows}}") < out.index("<tr><td>{{name}}")
    assert out.index("{{name}}</td></tr>") < out.index("{{/rows}}{{^rows}}")
    assert out.index("{{^rows}}") < out.index("none") < out.rindex("{{/rows}}")
    assert out.rindex("{{/rows}}") < out.index("</table>")


def test_mustache_around_rows_in_explicit_tbody_is_untouched():
    source = "<table><tbody>{{#rows}}<tr><td>{{name}}</td></tr>{{/rows}}</tbody></table>"
    assert sanitize_html(source) == source


def test_mustache_between_cells_stays_in_the_row():
    source = "<table><tbody><tr>{{#cells}}<td>{{.}}</td>{{/cells}}</tr></tbody></table>"
    assert sanitize_html(source) == source


def test_mustache_lookalike_holding_quotes_is_refused():
    with pytest.raises(UnsupportedTag):
        sanitize_html('<a href="{{x" onmouseover="alert(1)}}">y</a>')


def test_mustache_inside_html_comment_is_dropped_with_it():
    assert sanitize_html("<p>a<!--{{secret}}--><!-- {{x}} --></p>") == "<p>a</p>"


def test_mustache_after_abruptly_closed_comment_survives():
    assert sanitize_html("<!-->{{y}}<p>keep</p>") == "{{y}}<p>keep</p>"


def test_placeholder_like_input_is_left_as_text():
    source = "<p>x0123456789abcdefn0x <!--x0123456789abcdefn0x--></p>"
    assert sanitize_html(source) == "<p>x0123456789abcdefn0x </p>"


# --- normal e-mail markup -------------------------------------------------------

EMAIL = (
    '<div style="margin: 0; padding: 24px 0; background-color: #f4f5f7; font-family: Arial">'
    '<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" '
    'align="center" style="border-collapse: collapse; width: 600px">'
    '<tbody><tr><td bgcolor="#1f4e79" style="padding: 20px; color: #ffffff">'
    '<img src="https://cdn.example.com/logo.png" alt="Logo" width="120" height="40">'
    "</td></tr>"
    '<tr><td valign="top" colspan="2" style="font-size: 14px; line-height: 1.6">'
    "<h1>Hello {{user.first_name}}</h1>"
    "<p>Your <strong>voicemail</strong> from <em>{{caller_id.name}}</em> is ready.</p>"
    '<p><a href="https://portal.example.com/vm?id=1" target="_blank" '
    'style="color: #1f4e79; text-decoration: underline">Listen</a></p>'
    '<ul><li>One</li><li>Two</li></ul><hr><p><font color="#999999" size="2">Footer</font>'
    "<br>&copy; 2024 Acme&nbsp;Inc.</p>"
    "</td></tr></tbody></table></div>"
)


def test_normal_email_markup_passes_unchanged():
    assert sanitize_html(EMAIL) == EMAIL


def test_cid_and_tel_links_are_kept():
    source = '<img src="cid:logo@acme"><a href="tel:+15555550100">Call</a>'
    assert sanitize_html(source) == source


def test_sanitizing_is_idempotent():
    sources = [EMAIL, *(source for source, _ in XSS_VECTORS.values())]
    for source in sources:
        once = sanitize_html(source)
        assert sanitize_html(once) == once


def test_empty_body_stays_empty():
    assert sanitize_html("") == ""
