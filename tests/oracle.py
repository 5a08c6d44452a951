"""An html5lib-based oracle: does an html document contain anything a mail client or a
browser could execute?

It parses like a browser (html5lib, which comes with bleach) and reports every script-ish
element, ``on*`` handler, dangerous URL in any URL attribute (``srcset`` candidates and
``formaction`` included), ``<base>``, meta refresh, svg/math content, CSS that can load or
evaluate (``url(``, ``expression(``, ``@import``, ``behavior``, ``-moz-binding``) and
conditional comments.  It is deliberately independent of the code under test.
"""

from __future__ import annotations

import re

from bleach._vendor import html5lib

EXECUTABLE_ELEMENTS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
    "link", "svg", "math", "template", "noscript", "form", "button", "input", "textarea",
    "select", "isindex", "portal", "xml", "import", "meta",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "srcset", "action", "formaction", "background", "poster", "cite",
    "longdesc", "lowsrc", "dynsrc", "data", "codebase", "xlink:href", "ping", "manifest",
    "icon", "usemap", "profile", "classid", "archive", "srcdoc", "content",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript", "vbscript", "data", "livescript", "mocha", "jscript")
_IGNORED_IN_URLS = re.compile(r"[\t\n\r]")
_LEADING = "".join(map(chr, range(0x21)))
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?(\*/|\Z)", re.S)
_CSS_DANGER = re.compile(r"url\s*\(|expression\s*\(|@import|behavior|-moz-binding|javascript:")


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _url_is_dangerous(value: str) -> bool:
    url = _IGNORED_IN_URLS.sub("", value).lstrip(_LEADING).lower()
    return url.startswith(tuple(f"{scheme}:" for scheme in DANGEROUS_SCHEMES))


def _css_is_dangerous(value: str) -> bool:
    def unescape(match: re.Match[str]) -> str:
        if match[1]:
            code = int(match[1], 16)
            return chr(code) if 0 < code < 0x110000 else "\ufffd"
        return match[2]

    css = _CSS_ESCAPE.sub(unescape, _CSS_COMMENT.sub("", value)).lower()
    return bool(_CSS_DANGER.search(css))


def _attribute_problems(element: str, name: str, value: str) -> list[str]:
    name = _local(name)
    problems = []
    if name.startswith("on"):
        problems.append(f"<{element} {name}>: event handler")
    if name in URL_ATTRIBUTES:
        candidates = value.split(",") if name == "srcset" else [value]
        if any(_url_is_dangerous(c.strip().split(" ")[0] or c) for c in candidates):
            problems.append(f"<{element} {name}={value!r}>: dangerous URL")
        if name == "content" and re.search(r"url\s*=", value, re.I):
            problems.append(f"<{element} content={value!r}>: refresh")
    if name == "style" and _css_is_dangerous(value):
        problems.append(f"<{element} style={value!r}>: CSS that loads or evaluates")
    if name in ("http-equiv",) and value.strip().lower() == "refresh":
        problems.append(f"<{element} http-equiv=refresh>")
    return problems


def problems(document: str) -> list[str]:
    """Every executable thing in ``document`` (an html body or fragment)."""
    tree = html5lib.parseFragment(document, treebuilder="etree", namespaceHTMLElements=False)
    found: list[str] = []
    for node in tree.iter():
        tag = node.tag
        if not isinstance(tag, str):  # a comment (its tag is a function in etree)
            text = node.text or ""
            if "[if" in text.lower() or "<" in text:
                found.append(f"comment {text[:40]!r}: conditional or markup comment")
            continue
        element = _local(tag)
        if element in EXECUTABLE_ELEMENTS:
            found.append(f"<{element}> element")
        for name, value in node.attrib.items():
            found.extend(_attribute_problems(element, name, value))
    return found


def assert_safe(document: str) -> None:
    found = problems(document)
    assert not found, f"executable content {found} in {document!r}"
