"""Start a module process: the only place in the service that does.

A gateway module is an operator-installed executable, but it receives tenant-supplied
text (messages, gateway params) and may be buggy or hostile, so every call runs with:
an argument list (never a shell), a minimal environment (no secrets of ours leak in),
the module directory as working directory, its own process group (so a timeout kills
the children it spawned too), stdin written fully while output is read, and stdout and
stderr capped.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import ModuleOutputTooLarge, ModuleStartError, ModuleTimeout

MAX_OUTPUT_BYTES = 1 << 20
MODULE_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
_CHUNK = 65536


@dataclass(frozen=True)
class Completed:
    """A module process that ran to its end (any exit status)."""

    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def signal_name(self) -> str | None:
        """The name of the signal that killed the process, if one did."""
        if self.returncode >= 0:
            return None
        try:
            return signal.Signals(-self.returncode).name
        except ValueError:
            return f"signal {-self.returncode}"


def run_module(
    executable: Path,
    args: Sequence[str],
    stdin: bytes,
    *,
    cwd: Path,
    timeout: float,
    max_output: int = MAX_OUTPUT_BYTES,
) -> Completed:
    """Run ``executable args…`` feeding ``stdin``; raise on timeout or oversized output."""
    try:
        proc = subprocess.Popen(
            [str(executable), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=dict(MODULE_ENV),
            close_fds=True,
            start_new_session=True,
        )
    except OSError as exc:
        raise ModuleStartError(f"module could not be started: {exc.strerror or exc}") from exc
    deadline = time.monotonic() + timeout
    try:
        stdout, stderr = _exchange(proc, stdin, deadline, max_output)
        returncode = _wait(proc, deadline)
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None and not pipe.closed:
                pipe.close()
    return Completed(returncode, stdout, stderr)


def _exchange(
    proc: subprocess.Popen[bytes], stdin: bytes, deadline: float, max_output: int
) -> tuple[bytes, bytes]:
    """Write stdin and read both outputs at once, so no side blocks on a full pipe."""
    assert proc.stdin and proc.stdout and proc.stderr
    outputs: dict[IO[bytes], bytearray] = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    pending = memoryview(stdin)
    with selectors.DefaultSelector() as selector:
        for pipe in outputs:
            os.set_blocking(pipe.fileno(), False)
            selector.register(pipe, selectors.EVENT_READ)
        if pending:
            os.set_blocking(proc.stdin.fileno(), False)
            selector.register(proc.stdin, selectors.EVENT_WRITE)
        else:
            proc.stdin.close()
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ModuleTimeout("module timed out")
            for key, _ in selector.select(remaining):
                pipe = key.fileobj
                if pipe is proc.stdin:
                    pending = _write_some(selector, proc.stdin, pending)
                else:
                    _read_some(selector, pipe, outputs[pipe], max_output)  # type: ignore[index]
    return bytes(outputs[proc.stdout]), bytes(outputs[proc.stderr])


def _write_some(selector: selectors.BaseSelector, pipe: IO[bytes], data: memoryview) -> memoryview:
    """Write what the pipe takes; stop writing when done or when the module stops reading."""
    try:
        written = os.write(pipe.fileno(), data[:_CHUNK])
    except BlockingIOError:
        return data
    except BrokenPipeError:
        written = len(data)
    data = data[written:]
    if not data:
        selector.unregister(pipe)
        pipe.close()
    return data


def _read_some(
    selector: selectors.BaseSelector, pipe: IO[bytes], buffer: bytearray, max_output: int
) -> None:
    """Append what is available; the cap is checked as we go, not after the fact."""
    try:
        chunk = os.read(pipe.fileno(), _CHUNK)
    except BlockingIOError:
        return
    if not chunk:
        selector.unregister(pipe)
        return
    buffer.extend(chunk)
    if len(buffer) > max_output:
        raise ModuleOutputTooLarge(f"module output over {max_output} bytes")


def _wait(proc: subprocess.Popen[bytes], deadline: float) -> int:
    """Wait for the exit after the outputs closed; the timeout still applies."""
    try:
        return proc.wait(timeout=max(deadline - time.monotonic(), 0.001))
    except subprocess.TimeoutExpired as exc:
        raise ModuleTimeout("module timed out") from exc


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the module and everything in its process group, then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    proc.wait()
