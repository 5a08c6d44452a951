"""The Mustache dialect templates may use: one grammar for the sanitizer and the renderer.

chevron accepts any key (``{{x y}}``, ``{{ @ }}``, ``{{$x}}``) and delimiter changes
(``{{=<% %>=}}``); a sanitizer that does not see those as tags judges markup that rendering
then rewrites (``java{{$x}}script:`` becomes ``javascript:``).  Rather than teach the
sanitizer everything chevron accepts, templates are restricted when they are saved to the
forms listed here, and the renderer refuses anything else too:

* ``{{name}}``, ``{{{name}}}``, ``{{&name}}`` with names of ``[A-Za-z0-9_.-]``;
* sections ``{{#name}}``, inverted sections ``{{^name}}``, their ends ``{{/name}}``;
* comments ``{{! text }}`` whose text holds no ``{ } < > " ' &``.

Every ``{{`` must start one of these; no partials, no delimiter changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

NAME = r"[A-Za-z0-9_.\-]+"
TAG = re.compile(
    rf"\{{\{{\{{\s*(?P<triple>{NAME})\s*\}}\}}\}}"
    rf"|\{{\{{(?P<sigil>[#^/&]?)\s*(?P<name>{NAME})\s*\}}\}}"
    r"|\{\{!(?P<comment>[^{}<>\"'&]*)\}\}"
)
_SHOWN = 60  # characters of an offending tag quoted in the error


class UnsupportedTag(ValueError):
    """A ``{{`` that does not open a supported tag; ``tag`` is the offending text."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        super().__init__(
            f"unsupported Mustache tag {tag}: use {{{{name}}}}, {{{{{{name}}}}}}, "
            "{{&name}}, {{#name}}, {{^name}}, {{/name}} or {{! comment }} with names of "
            "A-Z a-z 0-9 _ . - (no partials, no delimiter changes)"
        )


def tags(source: str) -> Iterator[re.Match[str]]:
    """Every tag of ``source`` in order; raises UnsupportedTag at the first ``{{`` that
    does not open a supported one."""
    position = source.find("{{")
    while position != -1:
        match = TAG.match(source, position)
        if match is None:
            raise UnsupportedTag(_offending(source, position))
        yield match
        position = source.find("{{", match.end())


def check(source: str) -> None:
    """Raise UnsupportedTag unless every tag of ``source`` is a supported form."""
    for _ in tags(source):
        pass


def kind(match: re.Match[str]) -> str:
    """chevron's name for the tag: variable, no escape, section, inverted section, end,
    or comment."""
    if match["triple"] is not None:
        return "no escape"
    if match["comment"] is not None:
        return "comment"
    return {
        "": "variable",
        "&": "no escape",
        "#": "section",
        "^": "inverted section",
        "/": "end",
    }[match["sigil"]]


def _offending(source: str, position: int) -> str:
    end = source.find("}}", position + 2, position + _SHOWN)
    text = source[position : end + 2] if end != -1 else source[position : position + _SHOWN]
    if end != -1 and source.startswith("}", end + 2):
        text += "}"
    return text
