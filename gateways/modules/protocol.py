"""The four gateway-module commands, with the XML shapes of BILLmanager (seed 002).

Each function locates the module again (the file may have changed since discovery),
builds its stdin with ElementTree, runs it through :func:`runner.run_module` and reads
the answer with defusedxml.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from xml.sax.saxutils import escape

from deliveries.transports import DeliveryError, SendResult

from .discovery import ModuleInfo, locate
from .errors import (
    ModuleCrashed,
    ModuleError,
    ModuleNotFound,
    ModuleOutputInvalid,
    ModuleReportedError,
)
from .runner import Completed, run_module
from .xmlio import (
    add_fields,
    add_params,
    child_text,
    collapse,
    find_error,
    parse_untrusted,
    text_value,
    to_bytes,
)

KNOWN_FEATURES = ("outgoing", "ingoing", "check_connection", "formtune")
CHANNEL_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
FEATURES_TIMEOUT = 10.0
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:")


@dataclass(frozen=True)
class Features:
    """What ``--command features`` declared: known feature names and the channel."""

    features: list[str]
    channel: str | None


@dataclass(frozen=True)
class InboundMessage:
    """One ``<message>`` of an ``ingoing`` answer; unknown parts are ``None``."""

    from_: str | None
    to: str | None
    text: str
    provider_message_id: str | None


# --- running -----------------------------------------------------------------------


def call(module: ModuleInfo, command: str, stdin: ET.Element | None, timeout: float) -> Completed:
    """Run ``<module> --command <command>`` with ``stdin`` as an XML document."""
    path = locate(module.root, module.name)
    data = to_bytes(stdin) if stdin is not None else b""
    return run_module(path, ["--command", command], data, cwd=module.root, timeout=timeout)


def answer(completed: Completed) -> ET.Element | None:
    """The parsed stdout of a finished call; a crash or non-zero exit is an error.

    A non-zero exit keeps the module's own ``<error>`` text when it printed one,
    else the end of its stderr.
    """
    if completed.returncode == 0:
        return parse_untrusted(completed.stdout)
    if completed.signal_name:
        raise ModuleCrashed(f"module killed by {completed.signal_name}")
    raise ModuleCrashed(f"module exited with status {completed.returncode}{_why(completed)}")


def _why(completed: Completed) -> str:
    try:
        reported = find_error(parse_untrusted(completed.stdout))
    except ModuleOutputInvalid:
        reported = None
    if reported is not None:
        return f": {reported}"
    tail = collapse(completed.stderr.decode("utf-8", "replace")[-500:], 500)
    return f": {tail}" if tail else ""


# --- secrets in error texts --------------------------------------------------------

_SECRET_NAME_RE = re.compile(r"key|secret|token|password", re.IGNORECASE)
_MASK = "<Encrypted>"


def secret_values(module: ModuleInfo, params: Mapping[str, Any]) -> list[str]:
    """Values of the secret params (``password`` inputs, or names like the spec's default).

    Modules often log their input to stderr or repeat it in an error; those texts end up
    in delivery rows and ``last_error``, where secrets must never appear.
    """
    names = set(module.secret_params) | {n for n in params if _SECRET_NAME_RE.search(n)}
    values = {text_value(params[n]) for n in names if n in params}
    found = {v for v in values if len(v) >= 3}
    found |= {escape(v) for v in found}  # as it appears in XML echoed to stderr
    return sorted(found, key=len, reverse=True)


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, _MASK)
    return text


def redacted(exc: ModuleError, secrets: list[str]) -> ModuleError:
    """The same error with every secret value in its texts masked."""
    if not secrets:
        return exc
    exc.args = tuple(_redact(str(a), secrets) for a in exc.args)
    if isinstance(exc, ModuleReportedError):
        exc.text = _redact(exc.text, secrets)
    return exc


# --- features ----------------------------------------------------------------------

_features_cache: dict[str, tuple[int, Features]] = {}
_features_lock = threading.Lock()


def features(module: ModuleInfo, timeout: float = FEATURES_TIMEOUT) -> Features:
    """The module's features and channel, cached until the executable's mtime changes."""
    path = locate(module.root, module.name)
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError as exc:
        raise ModuleNotFound(f"module not installed: {module.name}") from exc
    key = str(path)
    with _features_lock:
        cached = _features_cache.get(key)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    result = parse_features(answer(call(module, "features", None, timeout)))
    with _features_lock:
        _features_cache[key] = (mtime, result)
    return result


def clear_features_cache() -> None:
    """Forget every cached answer (tests; an operator reinstalling modules in place)."""
    with _features_lock:
        _features_cache.clear()


def parse_features(root: ET.Element | None) -> Features:
    """Known ``<feature name>`` entries in order; ``<notify_module>ntX`` → channel ``X``."""
    if root is None:
        raise ModuleOutputInvalid("empty features answer")
    reported = find_error(root)
    if reported is not None:
        raise reported
    names: list[str] = []
    for element in root.iter("feature"):
        name = element.get("name", "").strip()
        if name in KNOWN_FEATURES and name not in names:
            names.append(name)
    return Features(features=names, channel=channel_of(child_text(root, "notify_module") or ""))


def channel_of(notify_module: str) -> str | None:
    """``ntsms`` → ``sms``, ``ntemail`` → ``email``, ``ntjabber`` → ``jabber``."""
    name = notify_module.strip()
    name = name[2:] if name.startswith("nt") else name
    return name if CHANNEL_RE.match(name) else None


# --- check_connection --------------------------------------------------------------


def check_connection(
    module: ModuleInfo, params: Mapping[str, Any], timeout: float
) -> tuple[bool, str | None]:
    """``(True, None)``, or ``(False, why)``; never raises for a module's failure."""
    doc = ET.Element("doc")
    try:
        add_params(doc, params)
        root = answer(call(module, "check_connection", doc, timeout))
        reported = find_error(root)
    except ValueError as exc:
        return False, str(exc)
    except ModuleError as exc:
        reported = exc
    if reported is not None:
        return False, str(redacted(reported, secret_values(module, params)))
    return True, None


# --- outgoing ----------------------------------------------------------------------


def recipient(channel: str, address: str, **fields: Any) -> dict[str, Any]:
    """The ``<user>`` fields for a recipient: ``phone`` (sms), ``email`` or ``<channel>``.

    ``contact`` repeats the address under a neutral name; ``fields`` adds ``name``,
    ``id`` and whatever else the module may read.
    """
    key = {"sms": "phone", "email": "email"}.get(channel, channel)
    return {key: address, "contact": address, **fields}


def outgoing_document(
    params: Mapping[str, Any],
    message: str,
    user: Mapping[str, Any],
    project: Mapping[str, Any],
    *,
    subject: str | None = None,
    contact: tuple[str, str] | None = None,
) -> ET.Element:
    """``<doc><gateway/><message/><user/><project/></doc>``, as BILLmanager sends it.

    ``subject`` and ``contact`` (``(contact_type, address)``) are also set at the root,
    as notification modules such as ntjabber pass them.
    """
    doc = ET.Element("doc")
    add_params(ET.SubElement(doc, "gateway"), params)
    ET.SubElement(doc, "message").text = text_value(message)
    add_fields(ET.SubElement(doc, "user"), user)
    add_fields(ET.SubElement(doc, "project"), project)
    extra: dict[str, Any] = {}
    if subject is not None:
        extra["subject"] = subject
    if contact is not None and contact[0] not in {"gateway", "message", "user", "project"}:
        extra[contact[0]] = contact[1]
    add_fields(doc, extra)
    return doc


def outgoing(
    module: ModuleInfo,
    params: Mapping[str, Any],
    message: str,
    user: Mapping[str, Any],
    project: Mapping[str, Any],
    timeout: float,
    *,
    subject: str | None = None,
    contact: tuple[str, str] | None = None,
) -> SendResult:
    """Send one message; map the module's answer to the outbox's outcome table."""
    try:
        doc = outgoing_document(params, message, user, project, subject=subject, contact=contact)
    except ValueError as exc:
        raise DeliveryError(str(exc), permanent=True) from exc
    secrets = secret_values(module, params)
    try:
        root = answer(call(module, "outgoing", doc, timeout))
    except ModuleError as exc:
        raise _delivery_error(redacted(exc, secrets)) from exc
    reported = find_error(root)
    if reported is not None:
        raise _delivery_error(redacted(reported, secrets))
    receipt = "" if root is None else collapse(ET.tostring(root, encoding="unicode"))
    return SendResult(status="sent", receipt=_redact(receipt, secrets))


def _delivery_error(exc: ModuleError) -> DeliveryError:
    """The outcome table of §13.1: a module's ``<error>`` is permanent, with its type."""
    if isinstance(exc, ModuleReportedError):
        return DeliveryError(exc.text or str(exc), permanent=True, code=exc.type or None)
    return DeliveryError(str(exc), permanent=exc.permanent)


# --- ingoing -----------------------------------------------------------------------


def ingoing(module: ModuleInfo, params: Mapping[str, Any], timeout: float) -> list[InboundMessage]:
    """Poll once: each ``<message>`` of ``<messages>``. Failures raise :class:`ModuleError`."""
    doc = ET.Element("doc")
    try:
        add_params(ET.SubElement(doc, "gateway"), params)
    except ValueError as exc:
        raise ModuleError(str(exc)) from exc
    secrets = secret_values(module, params)
    try:
        root = answer(call(module, "ingoing", doc, timeout))
    except ModuleError as exc:
        raise redacted(exc, secrets) from None
    reported = find_error(root)
    if reported is not None:
        raise redacted(reported, secrets)
    if root is None:
        return []
    messages = root if root.tag == "messages" else root.find("messages")
    if messages is None:
        return []
    return [inbound_message(element) for element in messages.findall("message")]


def inbound_message(element: ET.Element) -> InboundMessage:
    """Sender, recipient and id from attributes or children; else from mail headers.

    BILLmanager's own modules put the raw source text in ``<message>``; for mail that
    text carries its sender in its headers.
    """
    text = child_text(element, "text", "body")
    if text is None:
        text = "".join(element.itertext()).strip()
    from_ = child_text(element, "from", "sender")
    to = child_text(element, "to", "recipient")
    message_id = child_text(element, "id", "message_id", "messageid")
    if from_ is None and _HEADER_LINE.match(text):
        return _mail_message(text, to, message_id)
    return InboundMessage(
        from_=from_ or None, to=to or None, text=text, provider_message_id=message_id or None
    )


def _mail_message(source: str, to: str | None, message_id: str | None) -> InboundMessage:
    """An RFC 5322 source text: sender, recipient and id from its headers, its body."""
    mail = email.message_from_string(source, policy=email.policy.default)
    sender = parseaddr(str(mail.get("From", "")))[1] or None
    recipient_ = to or parseaddr(str(mail.get("To", "")))[1] or None
    mail_id = message_id or str(mail.get("Message-ID", "")).strip().strip("<>") or None
    try:
        body = mail.get_body(preferencelist=("plain", "html"))
        text = body.get_content().strip() if body is not None else ""
    except (LookupError, ValueError, TypeError, AttributeError):
        text = source
    return InboundMessage(from_=sender, to=recipient_, text=text, provider_message_id=mail_id)
