"""Find installed modules and read their forms.

The layout is BILLmanager's: executables in ``<dir>/gate/<name>``, descriptions in
``<dir>/etc/xml/billmgr_mod_<name>.xml``. A module name arrives from tenants (gateway
settings), so it is checked against a strict pattern and the resolved executable must
stay inside the module directory: no ``..``, no symlink pointing elsewhere.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ModuleError, ModuleNotFound
from .xmlio import PARAM_NAME_RE, parse_untrusted, valid_param_name

MODULE_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
MAX_DESCRIPTION_BYTES = 1 << 20
_CONTROL_TAGS = ("input", "select", "textarea", "slist")


@dataclass(frozen=True)
class FormField:
    """One ``metadata/form`` field of a module description."""

    name: str
    input: str = "text"  # text | password | checkbox | select | textarea | …
    required: bool = False
    secret: bool = False
    label: str = ""
    hint: str = ""
    choices: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        """JSON-schema-like description of the field's value."""
        out: dict[str, Any] = {"type": "string", "title": self.label or self.name}
        if self.hint:
            out["description"] = self.hint
        if self.choices:
            out["enum"] = list(self.choices)
        if self.secret:
            out["x-secret"] = True
        out["x-input"] = self.input
        return out


@dataclass(frozen=True)
class ModuleInfo:
    """An installed module: where it is and what its form asks for."""

    name: str
    path: Path  # the resolved executable
    root: Path  # the resolved module directory (working directory of every call)
    title: str = ""
    description: str = ""
    form: tuple[FormField, ...] = ()
    has_description: bool = False
    description_error: str | None = None

    @property
    def secret_params(self) -> list[str]:
        """Params to store encrypted and show as ``<Encrypted>`` (``password`` inputs)."""
        return [f.name for f in self.form if f.secret]

    @property
    def required_params(self) -> list[str]:
        return [f.name for f in self.form if f.required]

    def params_schema(self) -> dict[str, Any]:
        """Schema of ``settings.params``. Without a form, any string params are allowed."""
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {f.name: f.schema() for f in self.form},
            "additionalProperties": False,
        }
        if not self.form:
            schema["patternProperties"] = {PARAM_NAME_RE.pattern: {"type": "string"}}
        if self.required_params:
            schema["required"] = self.required_params
        return schema

    def as_dict(self) -> dict[str, Any]:
        """What ``GET /v2/gateway_kinds`` shows for this module."""
        return {
            "name": self.name,
            "title": self.title or self.name,
            "description": self.description,
            "secret_params": self.secret_params,
            "params_schema": self.params_schema(),
        }


def discover(module_dir: str | os.PathLike[str]) -> list[ModuleInfo]:
    """Every usable module under ``<module_dir>/gate``, sorted by name.

    Entries that are not safe, regular, executable files are skipped silently: the
    directory is the operator's, and one stray file must not hide the others.
    """
    root = Path(module_dir).resolve()
    gate = root / "gate"
    if not gate.is_dir():
        return []
    found = []
    for entry in sorted(gate.iterdir(), key=lambda p: p.name):
        try:
            found.append(load_module(root, entry.name))
        except ModuleNotFound:
            continue
    return found


def settings_schema(modules: list[ModuleInfo]) -> dict[str, Any]:
    """Schema of a ``module`` gateway's ``settings``: one branch per installed module.

    Draft-04 compatible (no ``const``), and valid with no module installed.
    """
    schema: dict[str, Any] = {
        "type": "object",
        "required": ["module"],
        "properties": {"module": {"type": "string"}, "params": {"type": "object"}},
        "additionalProperties": False,
    }
    if not modules:
        schema["properties"]["module"]["not"] = {}
        return schema
    schema["properties"]["module"]["enum"] = [m.name for m in modules]
    schema["oneOf"] = [
        {
            "title": m.title or m.name,
            "properties": {"module": {"enum": [m.name]}, "params": m.params_schema()},
        }
        for m in modules
    ]
    return schema


def locate(module_dir: str | os.PathLike[str], name: str) -> Path:
    """The resolved executable for ``name``, or :class:`ModuleNotFound`.

    Called again right before each run, so a file swapped for an escaping symlink after
    discovery is still refused.
    """
    if not isinstance(name, str) or not MODULE_NAME_RE.fullmatch(name):
        raise ModuleNotFound(f"invalid module name: {name!r}")
    root = Path(module_dir).resolve()
    candidate = root / "gate" / name
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise ModuleNotFound(f"module not installed: {name}") from exc
    if not resolved.is_relative_to(root):
        raise ModuleNotFound(f"module outside the module directory: {name}")
    if not resolved.is_file() or not os.access(resolved, os.X_OK):
        raise ModuleNotFound(f"module not executable: {name}")
    return resolved


def load_module(module_dir: str | os.PathLike[str], name: str) -> ModuleInfo:
    """Locate ``name`` and read its description, if it has one."""
    path = locate(module_dir, name)
    root = Path(module_dir).resolve()
    xml_path = root / "etc" / "xml" / f"billmgr_mod_{name}.xml"
    if not xml_path.is_file():
        return ModuleInfo(name=name, path=path, root=root)
    try:
        description = _read_description(xml_path)
    except (OSError, ModuleError) as exc:
        return ModuleInfo(
            name=name, path=path, root=root, has_description=True, description_error=str(exc)
        )
    return _module_info(name, path, root, description)


def _read_description(xml_path: Path) -> ET.Element:
    """Parse the module XML with the same protections as module output."""
    with xml_path.open("rb") as fh:
        data = fh.read(MAX_DESCRIPTION_BYTES + 1)
    if len(data) > MAX_DESCRIPTION_BYTES:
        raise ModuleError("module description too large")
    root = parse_untrusted(data)
    if root is None:
        raise ModuleError("module description is empty")
    return root


def _module_info(name: str, path: Path, root: Path, doc: ET.Element) -> ModuleInfo:
    messages = _Messages(doc)
    form = tuple(_form_field(element, name, messages) for element in _form_fields(doc, name))
    return ModuleInfo(
        name=name,
        path=path,
        root=root,
        title=messages.first(
            ("gateway_include", f"module_{name}"),
            ("gateway_include", name),
            ("plugin", f"desc_short_{name}"),
        ),
        description=messages.first(
            ("plugin", f"desc_full_{name}"), ("gateway_include", f"desc_{name}")
        ),
        form=tuple(f for f in form if f is not None),
        has_description=True,
    )


def _form_fields(doc: ET.Element, name: str) -> list[ET.Element]:
    """The ``field`` elements of ``metadata name="gateway.<name>"`` (else the first form)."""
    metadata = doc.findall("metadata")
    chosen = [m for m in metadata if m.get("name") == f"gateway.{name}"] or metadata
    for element in chosen:
        form = element.find("form")
        if form is not None:
            return list(form.iter("field"))
    return []


def _form_field(element: ET.Element, module: str, messages: _Messages) -> FormField | None:
    control = next((c for c in element if c.tag in _CONTROL_TAGS), None)
    name = (control.get("name") if control is not None else None) or element.get("name", "")
    if not valid_param_name(name):
        return None
    kind = _input_kind(control)
    values = [] if control is None else control.iter("val")
    choices = tuple(v.get("key", v.text or "") for v in values)
    section = f"gateway.{module}"
    return FormField(
        name=name,
        input=kind,
        required=control is not None and control.get("required") == "yes",
        secret=kind == "password",
        label=messages.first((section, name)) or name,
        hint=messages.first((section, f"hint_{name}")),
        choices=choices,
    )


def _input_kind(control: ET.Element | None) -> str:
    if control is None:
        return "text"
    if control.tag == "input":
        return control.get("type", "text")
    return control.tag


class _Messages:
    """``lang`` messages looked up in English first, then in the other languages in order."""

    def __init__(self, doc: ET.Element) -> None:
        langs = doc.findall("lang")
        langs.sort(key=lambda lang: lang.get("name") != "en")  # stable: en first
        self._langs = langs

    def first(self, *keys: tuple[str, str]) -> str:
        """The text of the first key found, each key tried in every language."""
        for section, msg_name in keys:
            for lang in self._langs:
                for messages in lang.findall("messages"):
                    if messages.get("name") != section:
                        continue
                    for msg in messages.findall("msg"):
                        if msg.get("name") == msg_name:
                            return " ".join("".join(msg.itertext()).split())
        return ""
