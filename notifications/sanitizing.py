"""HTML sanitizing of e-mail bodies; the only module that imports bleach (SPEC §4.8).

:func:`sanitize_html` cleans a Mustache html body against an e-mail-safe allow-list
and keeps its Mustache tags.  How the tags survive:

1. Every Mustache tag (``notifications.mustache``, the grammar the renderer enforces too:
   names are ``[A-Za-z0-9_.-]``, so a tag can never carry ``<``, quotes or ``&``-entities)
   is swapped for an inert alphanumeric word ``x<nonce>n<i>x``; the nonce is random per
   call, so input cannot forge one.  Callers check the grammar first
   (``mustache.check``): a ``{{`` that is no supported tag is refused, never judged as
   text that rendering would later rewrite.
2. Words outside markup (text, between ``<tr>`` rows, ...) become the comment
   ``<!--word-->``: html5lib keeps comments where they are, whereas text inside a
   table would be foster-parented out of it.  Words inside a tag stay words, so
   ``href="{{link}}"`` is judged as a relative URL and kept, while
   ``href="javascript:{{x}}"`` still has a forbidden scheme and is dropped.
3. bleach cleans; our pre-filter drops dangerous elements *with* their content and
   every comment that is not one of this call's placeholders.
4. Placeholders are swapped back for the original tags.

Mustache tags in tag or attribute *names* (``<td {{#x}}nowrap{{/x}}>``) are removed
with the attribute, and a tag in a URL scheme position (``{{proto}}://``) with the URL.
"""

from __future__ import annotations

import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import tinycss2
from bleach.css_sanitizer import CSSSanitizer
from bleach.html5lib_shim import BleachHTMLParser, BleachHTMLTokenizer, Filter
from bleach.sanitizer import Cleaner

from notifications import mustache

__all__ = ["safe_css", "sanitize_css", "sanitize_html"]

# fmt: off
ALLOWED_TAGS = frozenset({
    "div", "span", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col",
    "a", "img", "strong", "b", "em", "i", "u", "s", "small", "sub", "sup",
    "ul", "ol", "li", "pre", "code", "blockquote", "center", "font",
})
ALLOWED_ATTRIBUTES = {
    "*": ["style", "align", "valign", "width", "height", "border", "cellpadding",
          "cellspacing", "bgcolor", "colspan", "rowspan", "role", "title", "dir", "lang"],
    "a": ["href", "title", "target", "name"],
    "img": ["src", "alt", "width", "height", "title"],
    "font": ["color", "face", "size"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "cid", "tel"})
_SIDES = ("top", "right", "bottom", "left")
# No property that takes a URL (background, background-image, list-style-image, ...),
# no behavior / -moz-binding; values are checked by _EmailCSSSanitizer as well.
ALLOWED_CSS_PROPERTIES = frozenset({
    "color", "background-color", "opacity",
    "font", "font-family", "font-size", "font-style", "font-weight", "font-variant",
    "line-height", "letter-spacing", "word-spacing", "white-space", "word-break",
    "word-wrap", "overflow-wrap", "direction", "text-align", "text-decoration",
    "text-transform", "text-indent", "vertical-align",
    "display", "visibility", "overflow", "float", "clear",
    "width", "height", "min-width", "max-width", "min-height", "max-height",
    "margin", "padding", "border", "border-color", "border-style", "border-width",
    "border-radius", "border-collapse", "border-spacing",
    "table-layout", "caption-side", "empty-cells", "list-style-type", "list-style-position",
    "mso-line-height-rule", "mso-table-lspace", "mso-table-rspace", "mso-hide",
    *(f"{box}-{side}" for box in ("margin", "padding", "border") for side in _SIDES),
    *(f"border-{side}-{part}" for side in _SIDES for part in ("color", "style", "width")),
    *(f"border-{v}-{h}-radius" for v in ("top", "bottom") for h in ("left", "right")),
})
_CSS_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla"})
_CSS_TOKENS = frozenset({
    "whitespace", "literal", "ident", "hash", "string", "number", "percentage", "dimension",
})
# Removed together with everything inside them (bleach alone would keep their text).
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "template", "iframe", "frame", "frameset", "object", "embed",
    "applet", "noscript", "noembed", "noframes", "svg", "math", "textarea", "select",
    "title", "xmp",
})
# fmt: on

# Markup in which a placeholder is inside a tag; unterminated quotes run to the end
# (as in HTML), which also keeps the scan linear.
_MARKUP = re.compile(
    r"<!--(?:-?>|.*?(?:--!?>|\Z))"
    r"|<[!?][^>]*>?"
    r"|</?[A-Za-z][^\s/>]*(?:[^>\"'=]|=\s*\"[^\"]*\"?|=\s*'[^']*'?|[=\"'])*>?",
    re.S,
)


class _EmailCSSSanitizer(CSSSanitizer):
    """Keeps allowed properties whose value holds only plain tokens and colour
    functions: no ``url()``, ``expression()`` or other functions, no blocks."""

    def sanitize_css(self, style: str) -> str:
        return sanitize_css(style)


def _declarations(style: str) -> list[Any]:
    return tinycss2.parse_declaration_list(style, skip_comments=True, skip_whitespace=True)


def _allowed_declaration(node: Any) -> bool:
    return (
        node.type == "declaration"
        and node.lower_name in ALLOWED_CSS_PROPERTIES
        and _plain_css(node.value)
    )


def sanitize_css(style: str) -> str:
    """``style`` with only allowed declarations (the e-mail CSS rules)."""
    return "; ".join(
        node.serialize() for node in _declarations(style) if _allowed_declaration(node)
    )


def safe_css(style: str) -> bool:
    """True when every declaration of ``style`` is allowed as it stands."""
    return all(_allowed_declaration(node) for node in _declarations(style))


def _plain_css(tokens: list[Any]) -> bool:
    for token in tokens:
        if token.type == "function":
            if token.lower_name not in _CSS_FUNCTIONS or not _plain_css(token.arguments):
                return False
        elif token.type not in _CSS_TOKENS:
            return False
    return True


class SanitizingTooSlow(Exception):
    """Sanitizing one body took longer than its time budget."""


_CHECK_EVERY = 256  # tokens between two looks at the clock


def _on_time(count: int, deadline: float) -> None:
    if count % _CHECK_EVERY == 1 and time.monotonic() >= deadline:
        raise SanitizingTooSlow()


class _TimedTokenizer(BleachHTMLTokenizer):
    """bleach's tokenizer, giving up once the call's deadline has passed."""

    deadline = math.inf

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for count, token in enumerate(super().__iter__(), 1):
            _on_time(count, self.deadline)
            yield token


class _TimedParser(BleachHTMLParser):
    """bleach's parser with a deadline: its tokenizer (created per parse, just before
    ``reset``) becomes a _TimedTokenizer."""

    deadline = math.inf

    def reset(self) -> None:
        super().reset()
        self.tokenizer.__class__ = _TimedTokenizer
        self.tokenizer.deadline = self.deadline


class _Prune(Filter):
    """Drops _DROP_WITH_CONTENT elements with their subtree, and comments that are
    not placeholders of the current call; keeps to the call's deadline."""

    def __init__(self, source: Any, keep_comment: Callable[[str], Any], deadline: float) -> None:
        super().__init__(source)
        self.keep_comment = keep_comment
        self.deadline = deadline

    def __iter__(self) -> Iterator[dict[str, Any]]:
        depth = 0  # > 0 while inside a dropped element
        for count, token in enumerate(super().__iter__(), 1):
            _on_time(count, self.deadline)
            kind = token["type"]
            if depth:
                if kind == "StartTag":
                    depth += 1
                elif kind == "EndTag":
                    depth -= 1
            elif token.get("name") in _DROP_WITH_CONTENT:
                if kind == "StartTag":
                    depth = 1
            elif kind != "Comment" or self.keep_comment(token["data"]):
                yield token


class _Cleaner(Cleaner):
    """bleach Cleaner whose parser builds _DROP_WITH_CONTENT elements (bleach's own
    tokenizer would turn them into text) and whose walker runs _Prune first."""

    def __init__(self) -> None:
        super().__init__(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=False,  # _Prune removes every comment but our placeholders
            css_sanitizer=_EmailCSSSanitizer(allowed_css_properties=ALLOWED_CSS_PROPERTIES),
        )
        self.parser = _TimedParser(
            tags=ALLOWED_TAGS | _DROP_WITH_CONTENT,
            strip=True,
            consume_entities=False,
            namespaceHTMLElements=False,
        )
        walk = self.walker
        self.keep_comment: Callable[[str], Any] = lambda data: False
        self.walker = lambda dom: _Prune(walk(dom), self.keep_comment, self.parser.deadline)


_local = threading.local()  # bleach cleaners are not thread-safe


def _cleaner() -> _Cleaner:
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = _Cleaner()
    return cleaner


def sanitize_html(source: str, *, seconds: float | None = None) -> str:
    """Return ``source`` cleaned for use as an HTML e-mail body.

    Only allow-listed tags, attributes, URL schemes (http, https, mailto, cid, tel)
    and CSS properties remain; scripts, styles, frames, objects, forms, svg/math and
    comments are removed with their content.  Mustache tags survive (see module
    docstring).  The result is stable: ``sanitize_html(sanitize_html(x)) ==
    sanitize_html(x)``.

    With ``seconds``, raises SanitizingTooSlow once sanitizing has taken that long (the
    clock is read every few hundred tokens, while parsing and while serializing), so no
    body can hold a worker for long whatever its shape.
    """
    if not source:
        return ""
    mustache.check(source)
    nonce = secrets.token_hex(8)
    while nonce in source:  # pragma: no cover - 2**-64
        nonce = secrets.token_hex(8)
    tags: list[str] = []

    def stash(match: re.Match[str]) -> str:
        tags.append(match.group())
        return f"x{nonce}n{len(tags) - 1}x"

    word = re.compile(rf"x{nonce}n(\d+)x")
    cleaner = _cleaner()
    cleaner.keep_comment = word.fullmatch
    cleaner.parser.deadline = math.inf if seconds is None else time.monotonic() + seconds
    cleaned = cleaner.clean(_comment_text_words(mustache.TAG.sub(stash, source), word))
    return re.sub(
        rf"<!--{word.pattern}-->|{word.pattern}", lambda m: tags[int(m[1] or m[2])], cleaned
    )


def _comment_text_words(text: str, word: re.Pattern[str]) -> str:
    """Turn placeholder words that sit in text (not inside a tag) into comments;
    drop those inside HTML comments (``<!--{{x}}-->`` must not come back as text)."""
    pieces, position = [], 0
    for markup in _MARKUP.finditer(text):
        inside = markup[0]
        if inside.startswith("<!--"):
            inside = word.sub("", inside)
        pieces += (word.sub(r"<!--\g<0>-->", text[position : markup.start()]), inside)
        position = markup.end()
    pieces.append(word.sub(r"<!--\g<0>-->", text[position:]))
    return "".join(pieces)
