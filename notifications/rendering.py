"""Mustache rendering of notification templates; the only module that imports chevron.

Contracts (SPEC §5): html ``{{x}}`` escapes ``& < > " '`` while ``{{{x}}}``/``{{& x}}``
stay raw; text bodies and subjects are never HTML-escaped; a subject is one line;
unknown macros render empty; partials are a syntax error and nothing reads a file;
each distinct source is tokenized once (bounded LRU) and renders reuse the tokens.

Html escaping without patching chevron: in html token lists every ``variable`` token
becomes ``no escape`` and the data is wrapped in views (``_Dict``, ``_List``,
``_Escaped``, ``_Leaf``) that hand chevron strings escaped once, on first lookup,
while sections, lists and truthiness behave as with plain data.  Raw tags are
rewritten to look up ``_RAW`` first, a key no template can spell, which leads back to
the unescaped data.  Views raise ``KeyError`` for unknown keys, so chevron never falls
back to ``getattr`` on them: templates cannot reach Python attributes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import chevron
import chevron.tokenizer

from notifications import mustache, output

_RAW = "\x00raw"  # lookup key for a raw value; NUL is stripped from template keys
# Lookup keys for a value seen through an output filter (notifications.output).
_FILTERED = {f"\x00{context}": function for context, function in output.FILTERS.items()}
_BREAKS = re.compile(r"\s*[\x00-\x1f\x7f\x85\u2028\u2029]+\s*")
_Token = tuple[str, str]


class TemplateSyntaxError(ValueError):
    """The source is not valid Mustache; ``str(exc)`` is the parser's message."""


class UnsupportedTag(TemplateSyntaxError):
    """A tag outside the supported grammar (``notifications.mustache``); ``tag`` is it."""

    def __init__(self, error: mustache.UnsupportedTag) -> None:
        self.tag = error.tag
        super().__init__(str(error))


@lru_cache(maxsize=1024)
def _parse(source: str) -> tuple[_Token, ...]:
    """Tokenize ``source`` once; raise TemplateSyntaxError if it is not valid, or
    UnsupportedTag if it uses a form outside the grammar the sanitizer understands."""
    try:
        mustache.check(source)
    except mustache.UnsupportedTag as exc:
        raise UnsupportedTag(exc) from None
    try:
        tokens = tuple(chevron.tokenizer.tokenize(source))
    except chevron.tokenizer.ChevronError as exc:
        raise TemplateSyntaxError(str(exc)) from None
    except IndexError:  # chevron's reaction to an empty tag "{{}}"
        raise TemplateSyntaxError("empty tag {{}}") from None
    for kind, key in tokens:
        if kind == "partial":
            raise TemplateSyntaxError(f"partials are not supported: {{{{> {key}}}}}")
    return tokens


def _convert(token: _Token, html_mode: bool, context: str | None = None) -> _Token:
    kind, key = token
    if kind == "literal":
        return token
    key = key.replace("\x00", "")
    if context:  # html: the value goes through that context's output filter
        prefix = f"\x00{context}"
        return ("no escape", prefix if key == "." else f"{prefix}.{key}")
    if kind == "variable":
        return ("no escape", key)  # html: the data view has escaped it already
    if kind == "no escape" and html_mode:
        return ("no escape", _RAW if key == "." else f"{_RAW}.{key}")
    return (kind, key)


@lru_cache(maxsize=1024)
def _compiled(source: str, html_mode: bool) -> tuple[tuple[_Token, ...], bool]:
    """Token list for one source and mode, derived from the cached parse, and whether
    the rendered result must be sanitized as a whole (html templates outside the subset
    ``notifications.output`` can plan)."""
    tokens = _parse(source)
    if not html_mode:
        return tuple(_convert(token, False) for token in tokens), False
    plan = output.plan(source)
    converted, index = [], 0
    for token in tokens:
        if token[0] == "literal":
            converted.append(token)
            continue
        converted.append(_convert(token, True, plan.contexts.get(index)))
        index += 1
    return tuple(converted), plan.clean_all


def _render(tokens: tuple[_Token, ...], data: Any) -> str:
    return chevron.render(tokens, data, partials_path=None, partials_dict={})


def validate(source: str) -> None:
    """Raise TemplateSyntaxError (parser's message) unless ``source`` is valid Mustache.

    Partials (``{{> name}}``) are rejected: they are disabled.
    """
    _parse(source)


def render_html(source: str, data: Mapping[str, Any]) -> str:
    """Render an html body: ``{{x}}`` escapes ``& < > " '``; ``{{{x}}}``/``{{& x}}`` are
    raw markup, sanitized.  Nothing executable survives, whatever the source and the
    values: values in URL and CSS contexts are filtered, and a template outside the
    plannable subset is sanitized as a whole after rendering (``notifications.output``)."""
    tokens, clean_all = _compiled(source, True)
    rendered = _render(tokens, _escaped(data))
    return output.clean_document(rendered) if clean_all else rendered


def render_text(source: str, data: Mapping[str, Any]) -> str:
    """Render a text/plain body; nothing is HTML-escaped."""
    return _render(_compiled(source, False)[0], data)


def render_subject(source: str, data: Mapping[str, Any]) -> str:
    """Render a subject as one stripped line: each run of CR/LF or other line
    separators / control characters (with surrounding blanks) becomes one space."""
    return _BREAKS.sub(" ", render_text(source, data)).strip()


def macros_to_data(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Nest dotted keys: ``{"user.first_name": "A"}`` -> ``{"user": {"first_name": "A"}}``.

    Nested mappings are expanded the same way and deep-merged with dotted keys that
    share a prefix; on a conflict the later key wins.  The input is not modified.
    """
    data: dict[str, Any] = {}
    for key, value in flat.items():
        if isinstance(value, Mapping):
            value = macros_to_data(value)
        *parents, leaf = str(key).split(".")
        target = data
        for part in parents:
            if not isinstance(target.get(part), dict):
                target[part] = {}
            target = target[part]
        _merge(target, leaf, value)
    return data


def _merge(target: dict[str, Any], key: str, value: Any) -> None:
    old = target.get(key)
    if isinstance(old, dict) and isinstance(value, dict):
        for child_key, child in value.items():
            _merge(old, child_key, child)
    else:
        target[key] = value


# --- html data views -------------------------------------------------------------


def _escaped(value: Any) -> Any:
    """The html-mode view of one macro value."""
    kind = type(value)
    if kind is str:  # html.escape inlined: this is the hot path
        return _Escaped(
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
            .replace("'", "&#x27;")
        )
    if kind is dict or isinstance(value, Mapping):
        return _Dict({_RAW: value}) if value else _Dict()
    if value is None or kind in (int, float, bool):
        return value  # chevron renders these itself; str() holds nothing to escape
    if isinstance(value, (list, tuple)):
        return _List(value)
    return _escaped(str(value))


class _Escaped(str):
    """An HTML-escaped string macro; ``_RAW`` gives back the original text."""

    __slots__ = ()
    _CHEVRON_return_scope_when_falsy = True  # spares chevron an AttributeError per lookup

    def __getitem__(self, key: Any) -> Any:
        if key == _RAW:
            return html.unescape(self)  # exact inverse: every "&" was escaped
        if key in _FILTERED:
            return _Filtered(html.unescape(self), _FILTERED[key])
        if isinstance(key, str):
            raise KeyError(key)  # a KeyError stops chevron's getattr fallback
        return str.__getitem__(self, key)


class _Dict(dict):
    """A mapping macro, escaped lazily: a key is escaped on its first lookup
    (``__missing__``) and later lookups are plain C dict hits.  The raw mapping sits
    under ``_RAW`` only when it is non-empty, so truthiness stays chevron's."""

    __slots__ = ()
    _CHEVRON_return_scope_when_falsy = True

    def __missing__(self, key: str) -> Any:
        raw = self.get(_RAW)
        if key in _FILTERED:
            return _Filtered({} if raw is None else raw, _FILTERED[key])
        if raw is None:
            raise KeyError(key)
        view = self[key] = _escaped(raw[key])
        return view

    def __str__(self) -> str:
        return html.escape(str(self[_RAW])) if self else ""


class _List(list):
    """A list macro whose items are html-mode views; chevron loops over it."""

    _CHEVRON_return_scope_when_falsy = True

    def __init__(self, raw: Sequence[Any]) -> None:
        super().__init__(map(_item, raw))
        self.raw = raw

    def __getitem__(self, key: Any) -> Any:
        if key == _RAW:
            return self.raw
        if key in _FILTERED:
            return _Filtered(self.raw, _FILTERED[key])
        try:
            return list.__getitem__(self, int(key))
        except (TypeError, ValueError):
            raise KeyError(key) from None

    def __str__(self) -> str:
        return html.escape(str(self.raw)) if self else ""


def _item(value: Any) -> Any:
    view = _escaped(value)
    return _Leaf(value) if view is value else view


class _Leaf:
    """A number, boolean or None inside a list, so ``{{{.}}}`` can find it."""

    __slots__ = ("raw",)

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def __getitem__(self, key: str) -> Any:
        if key == _RAW:
            return self.raw
        if key in _FILTERED:
            return _Filtered(self.raw, _FILTERED[key])
        raise KeyError(key)

    def __bool__(self) -> bool:
        return bool(self.raw)

    def __eq__(self, other: object) -> bool:
        return self.raw == other

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return str(self.raw)


class _Filtered:
    """A raw value seen through an output filter; renders as the filter's safe text.
    Lookups descend into mappings and lists only, so no Python attribute is reachable."""

    __slots__ = ("filter", "raw")
    _CHEVRON_return_scope_when_falsy = True

    def __init__(self, raw: Any, filter: Any) -> None:
        self.raw = raw
        self.filter = filter

    def __getitem__(self, key: str) -> Any:
        raw = self.raw
        if isinstance(raw, Mapping):
            return _Filtered(raw[key], self.filter)
        if isinstance(raw, (list, tuple)):
            return _Filtered(raw[int(key)], self.filter)
        raise KeyError(key)

    def __str__(self) -> str:
        raw = self.raw
        if isinstance(raw, (Mapping, list, tuple)):
            raw = "" if not raw else str(raw)
        return self.filter(raw)
