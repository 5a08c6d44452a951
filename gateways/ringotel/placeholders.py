"""``$placeholder$`` scanning and substitution for Ringotel definitions (SPEC-channels §4).

A placeholder is ``$name$`` where ``name`` is any run of characters without ``$`` or a
line break (property names may contain spaces: ``$API key$``). ``$$`` is a literal ``$``.
A lone ``$`` that does not close is kept as it is.

Substitution is a single left-to-right pass with :func:`re.sub`: substituted values are
never scanned again, so a recipient whose text is ``$to$`` is sent literally, and there
is no recursion on the values at all. The tree walk is depth-capped so hostile
definitions cannot exhaust the stack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

# ``$$`` first so that "$$to$" reads as "$" + "to$", never as a placeholder.
TOKEN = re.compile(r"\$\$|\$([^$\r\n]+)\$")

BUILTINS = frozenset(
    {
        "from",
        "to",
        "content",
        "text",
        "extension",
        "domain",
        "account_id",
        "template_id",
        "delivery_id",
        "subject",
        "media_url",
        "html",
    }
)
MACRO_PREFIX = "macro."
MAX_DEPTH = 32

_MISSING = object()


def placeholder_names(text: str) -> list[str]:
    """The placeholder names used in ``text``, in order (``$$`` excluded)."""
    return [m.group(1) for m in TOKEN.finditer(text) if m.group(1) is not None]


def whole_placeholder(text: Any) -> str | None:
    """The name if ``text`` is exactly one placeholder (``"$to$"``), else None."""
    if not isinstance(text, str):
        return None
    match = TOKEN.fullmatch(text)
    return match.group(1) if match else None


def is_macro(name: str) -> bool:
    return name.startswith(MACRO_PREFIX) and len(name) > len(MACRO_PREFIX)


class Context:
    """Where placeholder values come from: built-ins, then properties, then macros.

    Built-in variables the caller did not supply resolve to ``""`` (e.g. ``extension`` for
    a recipient who is not a user); unknown names, which validation rejects, do too.
    """

    def __init__(
        self,
        variables: Mapping[str, Any] | None = None,
        properties: Mapping[str, Any] | None = None,
        macros: Mapping[str, Any] | None = None,
    ) -> None:
        self.variables = dict(variables or {})
        self.properties = dict(properties or {})
        self.macros = macros or {}

    def lookup(self, name: str) -> Any:
        if name in BUILTINS:
            return self.variables.get(name, "")
        if name in self.properties:
            value = self.properties[name]
            return "" if value is None else value
        if is_macro(name):
            return macro_value(self.macros, name[len(MACRO_PREFIX) :])
        return ""


def macro_value(macros: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path in a nested macro dict; a flat dotted key also works."""
    node: Any = macros
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            node = _MISSING
            break
    if node is _MISSING and isinstance(macros, Mapping):
        node = macros.get(path, _MISSING)
    return "" if node is _MISSING or node is None else node


def string_form(value: Any) -> str:
    """How a value reads when embedded in a longer string: JSON for non-strings."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (ValueError, TypeError, RecursionError):
        return str(value)


def substitute_string(text: str, context: Context, *, url: bool = False) -> Any:
    """Substitute one string leaf.

    A leaf that is exactly one placeholder keeps the value's JSON type (unless ``url``);
    otherwise every placeholder gets its string form, URL-encoded when ``url`` is set.
    """
    name = whole_placeholder(text)
    if name is not None and not url:
        return context.lookup(name)

    def replace(match: re.Match) -> str:
        if match.group(1) is None:
            return "$"
        value = string_form(context.lookup(match.group(1)))
        return quote(value, safe="") if url else value

    return TOKEN.sub(replace, text)


def substitute_tree(tree: Any, context: Context, depth: int = 0) -> Any:
    """Substitute every string leaf of a JSON tree; keys are left as they are.

    Past :data:`MAX_DEPTH` the subtree is returned untouched (validation refuses such
    definitions; this only guards against a stack blow-up).
    """
    if depth > MAX_DEPTH:
        return tree
    if isinstance(tree, str):
        return substitute_string(tree, context)
    if isinstance(tree, Mapping):
        return {key: substitute_tree(value, context, depth + 1) for key, value in tree.items()}
    if isinstance(tree, list):
        return [substitute_tree(value, context, depth + 1) for value in tree]
    return tree


def substitute_text(text: str, context: Context) -> str:
    """Substitute a string that must stay a string (header values, tokens)."""
    return string_form(substitute_string(text, context))
