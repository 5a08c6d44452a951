"""Safe html output: what a rendered html body may contain, whatever the template and the
macro values; the only module that imports nh3.

Escaping ``& < > " '`` is right for text and attribute values but not for URLs (``href=
"{{link}}"`` with ``javascript:…``) or CSS (``style="color:{{c}}"`` with ``red;background:
url(…)``), and ``{{{raw}}}`` values are markup.  Sanitizing every rendered document would
cost as much again as rendering it, so each template is *planned* once (cached with its
tokens): :func:`plan` reads the template as a strict subset of HTML and finds the context of
every tag.  When the whole template is that subset — allowed tags and attributes only,
quoted attribute values, section tags only between elements, static URLs and CSS already
safe — only values in dangerous contexts need work, each with a cheap filter:

* ``url``: a value that opens an ``href``/``src`` keeps only http, https, mailto, cid or tel
  schemes, or stays relative; anything else becomes ``#``;
* ``url_scheme``: a value right before a static ``:`` (``{{scheme}}://host``) must itself
  be one of those schemes;
* ``css``: a value inside ``style`` may hold only letters, digits, blanks and ``#%.,+-/``,
  so it can open no ``url(``/``expression(`` nor a new declaration;
* ``html``: a ``{{{raw}}}``/``{{&raw}}`` value between elements is sanitized with nh3
  (ammonia) against the e-mail allow-list.

Any other template (tags inside comments or tag names, section tags inside a tag, a URL
whose scheme a value could complete, markup outside the subset) is rendered as it is and
the whole result is sanitized with nh3 instead (:func:`clean_document`): slower, never
unsafe.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import nh3

from notifications import mustache
from notifications.sanitizing import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    safe_css,
    sanitize_css,
)

URL = "url"
URL_SCHEME = "url_scheme"
CSS = "css"
HTML = "html"

_URL_ATTRIBUTES = frozenset({"href", "src"})
_SCHEME_CHARS = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_IGNORED_IN_URLS = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL
_LEADING = "".join(map(chr, range(0x21)))  # and C0 controls and blanks in front
_CSS_VALUE = re.compile(r"[\w #%.,+\-/]*")
_OPEN_ENTITY = re.compile(r"&[#A-Za-z0-9]*\Z")

# The strict HTML subset a fast-path template is written in; markers are \x01<i>\x02.
_MARKER = re.compile(r"\x01(\d+)\x02")
_TEXT = re.compile(r"[^<]+")
_COMMENT = re.compile(r"<!--(?:[^<>!-]|-(?!-))*-->")
_DOCTYPE = re.compile(r"<!doctype[^<>\x01]*>", re.I)
_END_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9]*)\s*>")
_START_TAG = re.compile(
    r"<([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z][A-Za-z0-9_:-]*"
    r"(?:\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'|[^\s\"'=<>`\x01]+))?)*)\s*/?>"
)
_ATTRIBUTE = re.compile(
    r"\s+([A-Za-z][A-Za-z0-9_:-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?"
)
_LONE_LT = re.compile(r"<(?![A-Za-z!/?\x01])")


class Unplannable(Exception):
    """The template is outside the subset: sanitize the whole rendered document."""


@dataclass(frozen=True)
class Plan:
    """How to make one template's output safe: per tag (index among the template's
    non-comment tags, the order chevron's tokens have) a context, or clean everything."""

    contexts: dict[int, str] = field(default_factory=dict)
    clean_all: bool = False


def plan(source: str) -> Plan:
    """The output plan of an html template (callers cache it with the template's tokens).

    Contexts are keyed by the tag's index among the template's tags other than comments,
    which is the order of chevron's non-literal tokens.
    """
    kinds, skeleton = _skeleton(source)
    try:
        contexts = _contexts(skeleton, kinds)
    except Unplannable:
        return Plan(clean_all=True)
    renumber, count = {}, 0
    for index, tag_kind in enumerate(kinds):
        if tag_kind != "comment":
            renumber[index], count = count, count + 1
    return Plan(contexts={renumber[index]: context for index, context in contexts.items()})


def _skeleton(source: str) -> tuple[list[str], str]:
    """Tag kinds in order, and ``source`` with each tag replaced by a marker."""
    kinds: list[str] = []

    def marker(match: re.Match[str]) -> str:
        kinds.append(mustache.kind(match))
        return f"\x01{len(kinds) - 1}\x02"

    return kinds, mustache.TAG.sub(marker, source)


def _contexts(skeleton: str, kinds: list[str]) -> dict[int, str]:
    """Walk the skeleton token by token; raise Unplannable outside the subset."""
    contexts: dict[int, str] = {}
    position = 0
    while position < len(skeleton):
        if skeleton[position] != "<":
            text = _TEXT.match(skeleton, position)
            _text_markers(text[0], kinds, contexts)
            position = text.end()
            continue
        for pattern in (_COMMENT, _DOCTYPE, _END_TAG, _START_TAG, _LONE_LT):
            token = pattern.match(skeleton, position)
            if token is not None:
                break
        else:
            raise Unplannable("markup outside the subset")
        if pattern is _START_TAG:
            _start_tag(token[1].lower(), token[2], kinds, contexts)
        elif pattern is _END_TAG:
            _allowed_tag(token[1].lower())
        elif pattern is _LONE_LT:
            _text_markers("<", kinds, contexts)
        elif _MARKER.search(token[0]):
            raise Unplannable("a tag inside a comment or doctype")
        position = token.end()
    return {index: context for index, context in contexts.items() if context}


def _text_markers(text: str, kinds: list[str], contexts: dict[int, str]) -> None:
    for match in _MARKER.finditer(text):
        if _OPEN_ENTITY.search(text[: match.start()]):
            raise Unplannable("a tag inside an entity")
        index = int(match[1])
        contexts[index] = HTML if kinds[index] == "no escape" else ""


def _allowed_tag(name: str) -> None:
    if name not in ALLOWED_TAGS:
        raise Unplannable(f"element {name}")


def _start_tag(name: str, attributes: str, kinds: list[str], contexts: dict[int, str]) -> None:
    _allowed_tag(name)
    allowed = {*ALLOWED_ATTRIBUTES["*"], *ALLOWED_ATTRIBUTES.get(name, ())}
    seen: set[str] = set()
    for attribute in _ATTRIBUTE.finditer(attributes):
        attr = attribute[1].lower()
        quoted = attribute[2] if attribute[2] is not None else attribute[3]
        value = quoted if quoted is not None else attribute[4] or ""
        if attr not in allowed or attr in seen or _MARKER.search(attr):
            raise Unplannable(f"attribute {attr}")
        seen.add(attr)
        markers = list(_MARKER.finditer(value))
        if markers and quoted is None:
            raise Unplannable("a tag in an unquoted attribute value")
        if any(kinds[int(m[1])] != "variable" for m in markers):
            raise Unplannable("a section, comment or raw tag inside a tag")
        if any(_OPEN_ENTITY.search(value[: m.start()]) for m in markers):
            raise Unplannable("a tag inside an entity")
        if attr in _URL_ATTRIBUTES:
            _url_value(value, markers, contexts)
        elif attr == "style":
            _style_value(value, markers, contexts)
        else:
            contexts.update((int(m[1]), "") for m in markers)


def _url_value(value: str, markers: list[re.Match[str]], contexts: dict[int, str]) -> None:
    """Decide the URL contexts of the tags in one href/src value (see module docstring)."""
    if not markers:
        scheme = _SCHEME.match(_normalized_url(html.unescape(value)))
        if scheme and scheme[1].lower() not in ALLOWED_PROTOCOLS:
            raise Unplannable(f"scheme {scheme[1]}")
        return
    head = _normalized_url(html.unescape(value[: markers[0].start()]))
    fixed = _fixed_scheme(head)
    if fixed is not None:
        if fixed and fixed not in ALLOWED_PROTOCOLS:
            raise Unplannable(f"scheme {fixed}")
        contexts.update((int(m[1]), "") for m in markers)
        return
    if head:  # "java{{x}}script:" — a value would complete the scheme
        raise Unplannable("a tag inside a URL scheme")
    first, rest = markers[0], markers[1:]
    end = rest[0].start() if rest else len(value)
    tail = _normalized_url(html.unescape(value[first.end() : end]))
    if tail.startswith(":"):
        contexts[int(first[1])] = URL_SCHEME
    elif (tail[:1] and _SCHEME_CHARS.match(tail[:1])) or (not tail and rest):
        raise Unplannable("a URL scheme split around a tag")
    else:
        contexts[int(first[1])] = URL
    contexts.update((int(m[1]), "") for m in rest)


def _fixed_scheme(head: str) -> str | None:
    """The scheme ``head`` fixes whatever follows ("" for relative), or None if a
    following value could still change it."""
    scheme = _SCHEME.match(head)
    if scheme:
        return scheme[1].lower()
    if _SCHEME_CHARS.fullmatch(head) or not head:
        return None
    return ""


def _normalized_url(text: str) -> str:
    return _IGNORED_IN_URLS.sub("", text).lstrip(_LEADING)


def _style_value(value: str, markers: list[re.Match[str]], contexts: dict[int, str]) -> None:
    """Static CSS must already be safe with a plain word where each tag sits."""
    if not safe_css(html.unescape(_MARKER.sub("x", value))):
        raise Unplannable("style")
    contexts.update((int(m[1]), CSS) for m in markers)


# --- render-time filters: raw value in, html-escaped safe text out ------------------------


def _text(raw: Any) -> str:
    return "" if raw is None else raw if isinstance(raw, str) else str(raw)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def safe_url(raw: Any) -> str:
    """A URL value that opens an attribute: allowed scheme or relative, else ``#``."""
    text = _text(raw)
    scheme = _SCHEME.match(text)  # the common case, "https://…", decided at once
    if scheme and scheme[1].lower() in ALLOWED_PROTOCOLS:
        return _escape(text)
    fixed = _fixed_scheme(_normalized_url(text))
    if fixed and fixed not in ALLOWED_PROTOCOLS:
        return "#"
    return _escape(text)


def safe_url_scheme(raw: Any) -> str:
    """A value written right before ``:`` in a URL: an allowed scheme name, else ``#``."""
    text = _text(raw)
    normalized = _normalized_url(text)
    fixed = _fixed_scheme(normalized)
    if fixed is None:  # "https" — the static ":" makes it the scheme
        fixed = normalized.lower()
    if fixed and fixed not in ALLOWED_PROTOCOLS:
        return "#"
    return _escape(text)


def safe_css_value(raw: Any) -> str:
    text = _text(raw)
    return _escape(text) if _CSS_VALUE.fullmatch(text) else ""


def clean_fragment(raw: Any) -> str:
    """A raw (``{{{x}}}``) value: markup, sanitized against the e-mail allow-list."""
    text = _text(raw)
    if "<" not in text and "&" not in text:
        return text.replace(">", "&gt;")
    return _clean_repeated(text) if len(text) <= _REPEATED_MAX else clean_document(text)


_REPEATED_MAX = 2048


@lru_cache(maxsize=4096)
def _clean_repeated(text: str) -> str:
    """Short raw values (signatures, footers) repeat across sends: clean each once."""
    return clean_document(text)


FILTERS = {URL: safe_url, URL_SCHEME: safe_url_scheme, CSS: safe_css_value, HTML: clean_fragment}

_NH3_ATTRIBUTES = {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}
_DROP_WITH_CONTENT = frozenset({"script", "style", "template", "textarea", "title", "xmp"})


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "style":
        return _clean_style(value) if len(value) <= _REPEATED_MAX else sanitize_css(value) or None
    return value


@lru_cache(maxsize=4096)
def _clean_style(value: str) -> str | None:
    """Style attributes are mostly the template's own, identical on every render."""
    return sanitize_css(value) or None


# Built once: building an ammonia cleaner costs more than most cleaning does.
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(_DROP_WITH_CONTENT),
    attributes=_NH3_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    url_schemes=set(ALLOWED_PROTOCOLS),
    strip_comments=True,
    link_rel=None,
)


def clean_document(document: str) -> str:
    """A whole rendered html body sanitized with nh3 against the e-mail allow-list
    (URL schemes, CSS values through the save-time CSS rules, no comments)."""
    return _CLEANER.clean(document)
