"""Why a module call did not give a usable answer.

The protocol functions turn these into the caller's vocabulary: ``outgoing`` into
:class:`deliveries.transports.DeliveryError`, ``check_connection`` into ``(False, text)``.
``ingoing`` and ``features`` let them propagate, so the poller can record ``last_error``.
"""

from __future__ import annotations


class ModuleError(Exception):
    """A module call failed. ``permanent`` says whether trying again could help."""

    permanent = False


class ModuleNotFound(ModuleError):
    """The name does not designate an installed executable inside the module directory."""

    permanent = True


class ModuleStartError(ModuleError):
    """The executable exists but could not be started (bad interpreter, no permission)."""


class ModuleTimeout(ModuleError):
    """The module ran past its timeout; its whole process group was killed."""


class ModuleCrashed(ModuleError):
    """The module exited with a non-zero status or was killed by a signal."""


class ModuleOutputTooLarge(ModuleError):
    """Stdout or stderr went over the cap; the module was killed.

    Permanent: the module may already have acted (sent the SMS), so a retry risks a
    duplicate, and a module that floods its output will most likely do so again.
    """

    permanent = True


class ModuleOutputInvalid(ModuleError):
    """The output is not well-formed XML, or declares a DTD or entities."""

    permanent = True

    def __init__(self, detail: str = "") -> None:
        super().__init__("module output not understood")
        self.detail = detail


class ModuleReportedError(ModuleError):
    """The module answered with an ``<error type="…">`` element.

    ``type`` is the attribute (BILLmanager's error class, e.g. ``auth``), ``text`` the
    message, if any.
    """

    permanent = True

    def __init__(self, type_: str, text: str) -> None:
        super().__init__(format_module_error(type_, text))
        self.type = type_
        self.text = text


def format_module_error(type_: str, text: str) -> str:
    """``type: text``, or whichever of the two the module gave."""
    if type_ and text:
        return f"{type_}: {text}"
    return text or type_ or "module reported an error"
