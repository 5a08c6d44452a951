"""BILLmanager gateway modules: discovery, the four commands, safe execution.

Integration contract for kind ``module`` (SPEC-channels §13.1). Pure Python: no models,
no settings; the kind wrapper passes ``CHANNELS_MODULE_DIR`` and plain dicts.

Discovery (``discovery.py``)
    ``discover(module_dir) -> list[ModuleInfo]``
        Executables in ``<module_dir>/gate/`` (regular, executable, name
        ``^[A-Za-z0-9_][A-Za-z0-9_.-]*$``, resolved path inside ``module_dir``), with
        the form of ``<module_dir>/etc/xml/billmgr_mod_<name>.xml`` when present.
    ``load_module(module_dir, name) -> ModuleInfo``  (raises ``ModuleNotFound``)
        Use it to validate ``settings.module``; it refuses ``..``, ``/`` and symlinks
        that escape the directory.
    ``locate(module_dir, name) -> Path``  (the same check, path only)
    ``ModuleInfo``: ``name``, ``path``, ``root``, ``title``, ``description``,
        ``form: tuple[FormField]``, ``secret_params`` (``password`` inputs),
        ``required_params``, ``params_schema()``, ``as_dict()`` (for
        ``GET /v2/gateway_kinds``), ``description_error`` (unreadable XML; form empty).
    ``FormField``: ``name, input, required, secret, label, hint, choices`` (labels and
        hints from ``lang``: English first, then the other languages in order).
    ``settings_schema(modules) -> dict``: schema of ``{"module", "params"}``.

Commands (``protocol.py``); ``module`` is a ``ModuleInfo``, ``params`` a flat dict
(decrypted secrets included), ``timeout`` the gateway's timeout in seconds:
    ``features(module, timeout=10) -> Features(features: list[str], channel: str|None)``
        Known features only (``outgoing``, ``ingoing``, ``check_connection``,
        ``formtune``); ``<notify_module>ntsms`` → ``sms``. Cached per (path, mtime);
        raises ``ModuleError`` (not cached) when the module fails.
    ``check_connection(module, params, timeout) -> (ok: bool, error: str|None)``
        Never raises for a module failure; ``error`` is ``"<type>: <text>"``.
    ``outgoing(module, params, message, user, project, timeout, *, subject=None,
    contact=None) -> SendResult`` or raises ``DeliveryError``:
        exit 0 + empty output or XML without ``<error>`` → ``SendResult(status="sent")``;
        ``<error type=T>text`` → permanent, ``code=T``; non-zero exit, signal, timeout,
        unstartable → transient; malformed XML, DTD or entities → permanent
        ``module output not understood``; output over 1 MiB → permanent; module
        missing → permanent; a param name that is not an XML name → permanent.
        ``recipient(channel, address, name=…, id=…) -> dict`` builds ``user``
        (``phone`` for sms, ``email`` for email, else the channel name, plus
        ``contact``). ``project`` is the sender account: ``name``, ``id``, ``realm``.
    ``ingoing(module, params, timeout) -> list[InboundMessage]``
        ``InboundMessage(from_, to, text, provider_message_id)``; sender, recipient and
        id come from attributes or children of ``<message>``, or from the headers of a
        raw mail text; unknown → ``None``. Raises ``ModuleError`` on failure.

Secrets: error texts, ``check_connection`` errors and receipts have the values of secret
params masked as ``<Encrypted>`` (``password`` inputs of the form, plus params named like
``/key|secret|token|password/i``; values of 3+ characters, raw and XML-escaped), since
modules often echo their input to stderr or into ``<error>``.

Errors (``errors.py``): ``ModuleError`` (``.permanent``) and its subclasses
``ModuleNotFound``, ``ModuleStartError``, ``ModuleTimeout``, ``ModuleCrashed``,
``ModuleOutputTooLarge``, ``ModuleOutputInvalid``, ``ModuleReportedError`` (``.type``,
``.text``).

Execution (``runner.py``): ``run_module(executable, args, stdin, *, cwd, timeout,
max_output=1 MiB) -> Completed(returncode, stdout, stderr)``. The only function that
starts a module: argument list, env ``PATH=/usr/bin:/bin LANG=C.UTF-8`` only, its own
process group killed whole on timeout or overflow, stdin written while output is read.
"""

from .discovery import FormField, ModuleInfo, discover, load_module, locate, settings_schema
from .errors import (
    ModuleCrashed,
    ModuleError,
    ModuleNotFound,
    ModuleOutputInvalid,
    ModuleOutputTooLarge,
    ModuleReportedError,
    ModuleStartError,
    ModuleTimeout,
)
from .protocol import (
    KNOWN_FEATURES,
    Features,
    InboundMessage,
    channel_of,
    check_connection,
    clear_features_cache,
    features,
    ingoing,
    outgoing,
    recipient,
)
from .runner import MAX_OUTPUT_BYTES, MODULE_ENV, Completed, run_module

__all__ = [
    "KNOWN_FEATURES",
    "MAX_OUTPUT_BYTES",
    "MODULE_ENV",
    "Completed",
    "Features",
    "FormField",
    "InboundMessage",
    "ModuleCrashed",
    "ModuleError",
    "ModuleInfo",
    "ModuleNotFound",
    "ModuleOutputInvalid",
    "ModuleOutputTooLarge",
    "ModuleReportedError",
    "ModuleStartError",
    "ModuleTimeout",
    "channel_of",
    "check_connection",
    "clear_features_cache",
    "discover",
    "features",
    "ingoing",
    "load_module",
    "locate",
    "outgoing",
    "recipient",
    "run_module",
    "settings_schema",
]
