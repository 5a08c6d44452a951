"""Templates through the API: one Mustache grammar, safe output, bounded bodies (issue 9).

Findings 2 (tags the sanitizer did not see), 3 (macro values in URL and CSS contexts) and
5 (oversized uploads), each reproduced through the HTTP API.
"""

import base64

import pytest

from smtplog.models import SmtpLog
from tests.test_delivery import VM, override, preview_path, send_path

# Every tag form chevron accepts that our grammar refuses.
UNSUPPORTED_TAGS = [
    "{{$x}}",
    "{{x y}}",
    "{{ @ }}",
    "{{:}}",
    "{{(x)}}",
    "{{!&}}",
    "{{{x y}}}",
    "{{&x y}}",
    "{{#x y}}{{/x y}}",
    "{{=<% %>=}}",
    "{{> partial}}",
    "{{}}",
]


def body_path(world, account="C1"):
    return f"/v2/accounts/{world.id(account)}/notifications/{VM}"


def hostile(tag):
    return f'<a href="java{tag}script:alert(document.domain)">Click</a>'


@pytest.mark.parametrize("tag", UNSUPPORTED_TAGS)
def test_html_upload_with_an_unsupported_tag_is_400_naming_it(world, tag):
    response = world.api("C1_admin").post(body_path(world), hostile(tag), content_type="text/html")
    assert response.status_code == 400
    error = response.json()["data"]["text/html"]["invalid_template"]
    assert error["cause"] == tag.split("}}")[0] + "}}" + ("}" if tag.startswith("{{{") else "")
    assert error["cause"] in error["message"]


@pytest.mark.parametrize("tag", UNSUPPORTED_TAGS)
def test_text_upload_with_an_unsupported_tag_is_400(world, tag):
    response = world.api("C1_admin").post(body_path(world), f"Hi {tag}", content_type="text/plain")
    assert response.status_code == 400
    assert "invalid_template" in response.json()["data"]["text/plain"]


@pytest.mark.parametrize("tag", ["{{$x}}", "{{=<% %>=}}", "{{x y}}"])
def test_subject_with_an_unsupported_tag_is_400(world, tag):
    body = {"from": "a@example.net", "subject": f"Hi {tag}", "to": {}}
    response = world.api("C1_admin").post(body_path(world), {"data": body})
    assert response.status_code == 400
    assert "invalid_template" in response.json()["data"]["subject"]


def test_customer_update_base64_html_with_an_unsupported_tag_is_400(world):
    html = base64.b64encode(hostile("{{$x}}").encode()).decode()
    path = f"/v2/accounts/{world.id('R')}/notifications/customer_update/message"
    response = world.api("R_admin").post(path, {"data": {"html": html}})
    assert response.status_code == 400
    assert response.json()["data"]["html"]["invalid_template"]["cause"] == "{{$x}}"


def test_preview_html_with_an_unsupported_tag_is_400(world):
    html = base64.b64encode(hostile("{{ @ }}").encode()).decode()
    response = world.api("C1_admin").post(
        preview_path(world) + "?send=false", {"data": {"html": html}}
    )
    assert response.status_code == 400
    assert "invalid_template" in response.json()["data"]["html"]


def test_supported_tag_forms_are_stored(world):
    source = (
        "<p>{{user.first_name}} {{{raw}}} {{&raw}} {{! note }}"
        "{{#list}}{{.}}{{/list}}{{^list}}none{{/list}} {{ spaced }}</p>"
    )
    response = world.api("C1_admin").post(body_path(world), source, content_type="text/html")
    assert response.status_code == 200


# --- finding 3: values in URL and CSS contexts ----------------------------------------------

HOSTILE_LINKS = [
    "javascript:alert(1)",
    "java\tscript:alert(1)",
    " \x01javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
]


def render_preview(world, html, macros):
    encoded = base64.b64encode(html.encode()).decode()
    response = world.api("C1_admin").post(
        preview_path(world) + "?send=false", {"data": {"html": encoded, "macros": macros}}
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]["text/html"]


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_hostile_link_value_never_reaches_href(world, link):
    out = render_preview(world, '<a href="{{link}}">Reset</a>', {"link": link})
    assert out == '<a href="#">Reset</a>'


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_hostile_image_value_never_reaches_src(world, link):
    out = render_preview(world, '<img src="{{x}}" alt="">', {"x": link})
    assert "script" not in out.lower() and "data:" not in out


def test_safe_link_value_is_kept(world):
    out = render_preview(world, '<a href="{{link}}">Reset</a>', {"link": "https://x.test/?a=1&b=2"})
    assert out == '<a href="https://x.test/?a=1&amp;b=2">Reset</a>'


def test_css_value_cannot_open_a_declaration_or_url(world):
    out = render_preview(
        world,
        '<p style="color:{{x}}">Hi</p>',
        {"x": "red;background-image:url(https://evil.test/t.gif)"},
    )
    assert out == '<p style="color:">Hi</p>'


def test_plain_css_value_is_kept(world):
    assert render_preview(world, '<p style="color:{{x}}">Hi</p>', {"x": "#1f4e79"}) == (
        '<p style="color:#1f4e79">Hi</p>'
    )


def test_raw_value_is_sanitized_markup(world):
    out = render_preview(world, "<p>{{{x}}}</p>", {"x": "<b>ok</b><img src=x onerror=alert(1)>"})
    assert out == '<p><b>ok</b><img src="x"></p>'


def test_shipped_password_recovery_link_refuses_javascript(world):
    response = world.api("C1_admin").post(
        f"/v2/accounts/{world.id('C1')}/notifications/password_recovery/preview?send=false",
        {"data": {"macros": {"link": "javascript:alert(1)"}}},
    )
    out = response.json()["data"]["text/html"]
    assert 'href="javascript:' not in out
    assert 'href="#"' in out


def test_delivered_html_carries_no_javascript_link(live_world, mail_sink):
    world = live_world
    override(world, "R")
    world.api("master_admin").post(
        body_path(world, "R"), '<a href="{{link}}">Open</a>', content_type="text/html"
    )
    response = world.api("C1_admin").post(
        send_path(world),
        {
            "data": {
                "macros": {"link": "java\tscript:alert(1)"},
                "to": {"email_addresses": ["a@x.example"]},
            }
        },
    )
    (received,) = mail_sink.wait_for(1)
    html = received.message.get_body(("html",)).get_content()
    assert '<a href="#">Open</a>' in html
    row = SmtpLog.objects.get(pk=response.json()["data"]["log_ids"][0])
    assert "script" not in row.rendered_templates["text/html"]


# --- finding 5: bounded bodies --------------------------------------------------------------


def test_html_body_over_the_limit_is_413_with_a_clear_message(world, settings):
    settings.TEMPLATE_MAX_BYTES = 1000
    response = world.api("C1_admin").post(
        body_path(world), "<p>" + "x" * 1000 + "</p>", content_type="text/html"
    )
    assert response.status_code == 413
    error = response.json()["data"]["text/html"]["maxLength"]
    assert error["message"] == "A template body may hold at most 1000 bytes"


def test_multibyte_body_is_measured_in_bytes(world, settings):
    settings.TEMPLATE_MAX_BYTES = 1000
    response = world.api("C1_admin").post(body_path(world), "é" * 600, content_type="text/plain")
    assert response.status_code == 413


def test_body_at_the_limit_is_stored(world, settings):
    settings.TEMPLATE_MAX_BYTES = 1000
    response = world.api("C1_admin").post(
        body_path(world), "<p>" + "x" * 993 + "</p>", content_type="text/html"
    )
    assert response.status_code == 200


def test_default_limit_is_one_mebibyte(world):
    response = world.api("C1_admin").post(
        body_path(world), "<p>" + "x" * (1024 * 1024) + "</p>", content_type="text/html"
    )
    assert response.status_code == 413


def test_oversized_preview_and_broadcast_html_are_413(world, settings):
    settings.TEMPLATE_MAX_BYTES = 100
    html = base64.b64encode(b"<p>" + b"x" * 200 + b"</p>").decode()
    preview = world.api("C1_admin").post(
        preview_path(world) + "?send=false", {"data": {"html": html}}
    )
    broadcast = world.api("R_admin").post(
        f"/v2/accounts/{world.id('R')}/notifications/customer_update/message",
        {"data": {"html": html}},
    )
    assert preview.status_code == broadcast.status_code == 413


def test_stored_template_outside_the_grammar_is_a_400_on_send_not_a_500(world):
    from notifications.models import NotificationTemplate, TemplateBody

    override(world, "C1")
    row = NotificationTemplate.objects.get(account=world.accounts["C1"], template_id=VM)
    legacy = '<a href="java{{$x}}script:alert(1)">x</a>'  # saved before the grammar existed
    TemplateBody.objects.update_or_create(
        template=row, content_type="text/html", defaults={"source": legacy, "length": 40}
    )
    response = world.api("C1_admin").post(send_path(world), {"data": {}})
    assert response.status_code == 400
    assert response.json()["data"]["text/html"]["invalid_template"]["cause"] == "{{$x}}"


def test_sanitizing_past_its_time_budget_is_413_not_a_stalled_worker(world, settings):
    settings.TEMPLATE_SANITIZE_SECONDS = 0  # every body is over budget at its first check
    response = world.api("C1_admin").post(
        body_path(world), "<p>{{x}}</p>" * 300, content_type="text/html"
    )
    assert response.status_code == 413
    assert "too_complex" in response.json()["data"]["text/html"]


def test_sanitizer_keeps_working_after_a_body_ran_out_of_time(world, settings):
    settings.TEMPLATE_SANITIZE_SECONDS = 0
    world.api("C1_admin").post(body_path(world), "<p>x</p>" * 300, content_type="text/html")
    settings.TEMPLATE_SANITIZE_SECONDS = 10
    response = world.api("C1_admin").post(body_path(world), "<p>ok</p>", content_type="text/html")
    assert response.status_code == 200
