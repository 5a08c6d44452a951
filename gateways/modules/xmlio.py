"""Build the XML a module reads and parse the XML it writes.

Documents are built with ElementTree, so a message text like ``</message><x>`` stays
text. Everything read back (module output, module XML descriptions) goes through
defusedxml with DTDs, entities and external references forbidden: a module's output is
untrusted, and a billion-laughs or external-entity document must be refused, not
expanded.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _defused_fromstring

from .errors import ModuleOutputInvalid, ModuleReportedError

# An element name that is not reserved (``xml…``, which also covers our ``xmlparams``).
PARAM_NAME_RE = re.compile(r"^(?![Xx][Mm][Ll])[A-Za-z_][A-Za-z0-9_.-]{0,127}$")
# Characters XML 1.0 cannot carry at all, even escaped.
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ERROR_TEXT_MAX = 2000


def valid_param_name(name: str) -> bool:
    """A param becomes an element name, so it must be a plain, unreserved one."""
    return isinstance(name, str) and bool(PARAM_NAME_RE.fullmatch(name))


def text_value(value: Any) -> str:
    """The string a param or field carries; ``None`` is empty, bools are ``on``/``off``.

    Characters XML cannot carry are dropped and line ends become ``\n``, which is what a
    parser would hand the module anyway: what we build is exactly what the module reads.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else "off"
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _INVALID_XML_CHARS.sub("", text)


def add_fields(parent: ET.Element, fields: Mapping[str, Any]) -> None:
    """Append ``<name>value</name>`` for each field; a bad name is refused, not mangled."""
    for name, value in fields.items():
        if not valid_param_name(name):
            raise ValueError(f"not usable as an XML element name: {name!r}")
        ET.SubElement(parent, name).text = text_value(value)


def xmlparams_string(params: Mapping[str, Any]) -> str:
    """The params as their own ``<doc>`` document, serialized: BILLmanager's xmlparams."""
    doc = ET.Element("doc")
    add_fields(doc, params)
    return ET.tostring(doc, encoding="unicode")


def add_params(parent: ET.Element, params: Mapping[str, Any]) -> None:
    """Each param as an element, then ``<xmlparams>`` holding them all as an XML string."""
    add_fields(parent, params)
    ET.SubElement(parent, "xmlparams").text = xmlparams_string(params)


def to_bytes(root: ET.Element) -> bytes:
    """UTF-8 with an XML declaration, as BILLmanager writes to a module's stdin."""
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def parse_untrusted(data: bytes) -> ET.Element | None:
    """Parse module output. ``None`` for empty output; refuse DTDs, entities, junk."""
    if not data.strip():
        return None
    try:
        return _defused_fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except (DefusedXmlException, ET.ParseError, ValueError) as exc:
        raise ModuleOutputInvalid(f"{type(exc).__name__}: {exc}"[:200]) from exc


def collapse(text: str, limit: int = _ERROR_TEXT_MAX) -> str:
    """Whitespace collapsed and cut, the way errors are stored."""
    return " ".join(text.split())[:limit]


def find_error(root: ET.Element | None) -> ModuleReportedError | None:
    """The ``<error>`` the module answered with (root or a child of the root), if any."""
    if root is None:
        return None
    element = root if root.tag == "error" else root.find("error")
    if element is None:
        return None
    return ModuleReportedError(collapse(element.get("type", "")), error_text(element))


def error_text(element: ET.Element) -> str:
    """The error's message: its ``<msg>`` child (COREmanager style), else its own text."""
    msg = element.find("msg")
    source = msg if msg is not None else element
    return collapse("".join(source.itertext()))


def child_text(element: ET.Element, *names: str) -> str | None:
    """The first present attribute or child element among ``names``, stripped."""
    for name in names:
        if name in element.attrib:
            return element.attrib[name].strip()
        child = element.find(name)
        if child is not None:
            return "".join(child.itertext()).strip()
    return None
