"""Where background work runs: Celery workers, threads inside the web process, or inline.

``DELIVERY_MODE`` (derived from ``CELERY_BROKER_URL`` unless set):

* ``celery``   — tasks go to the broker; ``celery -A config worker`` processes run them and
  the web processes do no delivery themselves.
* ``embedded`` — no broker: a small thread pool in each web (or management) process runs
  the tasks after the request's transaction commits, and a sweeper thread runs the
  registered periodic jobs (retries, rows left behind by a previous process).
* ``inline``   — run at once in the calling thread (tests and one-off commands).

Tasks are Celery task objects in every mode, so the code path is the same.
"""

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_state: dict = {"pid": None, "executor": None, "stop": None}
_periodic: list[tuple[Callable[[], None], float]] = []


def mode() -> str:
    return settings.DELIVERY_MODE


def register_periodic(job: Callable[[], None], interval: float) -> None:
    """A job the embedded sweeper runs at start-up and every ``interval`` seconds."""
    _periodic.append((job, interval))


def run(task, *args, countdown: float = 0, priority: int | None = None) -> None:
    """Run ``task(*args)`` in the background, after ``countdown`` seconds.

    ``priority`` (0..9, higher first) is passed to Celery as the task priority.
    """
    current = mode()
    if current == "celery":
        task.apply_async(args, countdown=countdown or None, priority=priority)
    elif current == "embedded":
        if countdown:
            timer = threading.Timer(countdown, _submit, (task, args))
            timer.daemon = True
            timer.start()
        else:
            _submit(task, args)
    elif not countdown:  # inline: delayed work is left to the periodic sweep
        task(*args)


def warm_up() -> None:
    """Celery mode: finalize the app and open the broker connection before any request.

    Otherwise the first task each web process publishes pays for both (0.3-0.7 s here),
    inside a request. Called after gunicorn forks a worker; a broker that is down now is
    only logged (dispatch tolerates it, the sweep catches up).
    """
    if mode() != "celery":
        return
    from config.celery import app

    app.finalize(auto=True)  # binds every task: ~0.2 s of config look-ups, once
    try:
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=1)
    except Exception:
        logger.warning("broker not reachable at start-up", exc_info=True)


def _submit(task, args) -> None:
    _executor().submit(_guarded, task, args)


def _guarded(task, args) -> None:
    try:
        task(*args)
    except Exception:
        logger.exception("background task failed", extra={"task": getattr(task, "name", task)})
    finally:
        close_old_connections()


def _executor() -> ThreadPoolExecutor:
    start()
    return _state["executor"]


def start() -> None:
    """Start the embedded pool and sweeper in this process (idempotent, fork-aware)."""
    if mode() != "embedded":
        return
    with _lock:
        if _state["pid"] == os.getpid():
            return
        _state["pid"] = os.getpid()
        _state["executor"] = ThreadPoolExecutor(
            max_workers=settings.DELIVERY_EMBEDDED_THREADS, thread_name_prefix="delivery"
        )
        _state["stop"] = threading.Event()
        sweeper = threading.Thread(
            target=_sweep_forever, args=(_state["stop"],), name="delivery-sweeper", daemon=True
        )
        sweeper.start()


def stop() -> None:
    with _lock:
        if _state["stop"] is not None:
            _state["stop"].set()
        if _state["executor"] is not None:
            _state["executor"].shutdown(wait=True)
        _state.update(pid=None, executor=None, stop=None)


def _sweep_forever(stop: threading.Event) -> None:
    last_run: dict[int, float] = {}
    tick = min((interval for _, interval in _periodic), default=5.0)
    elapsed = 0.0
    while True:
        for index, (job, interval) in enumerate(_periodic):
            if index not in last_run or elapsed - last_run[index] >= interval:
                last_run[index] = elapsed
                _guarded(job, ())
        if stop.wait(tick):
            return
        elapsed += tick
