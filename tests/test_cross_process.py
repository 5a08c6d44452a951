"""Revocation and override edits take effect at once in every server process.

Nothing on the read path is cached between requests: each request reads the token row and
the template chain from the database. This test runs the real server (gunicorn, two
worker processes), makes sure both workers have answered before a change, and that both
answer according to the change right after it. Which worker answered comes from
gunicorn's access log (``%(p)s`` is the worker's pid).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

VM = "voicemail_to_email"
ROUNDS = 40  # requests per burst; bursts repeat until both workers have answered


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(live_world, tmp_path):
    port = free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "DELIVERY_MODE": "inline",
        "THROTTLE_TOKEN_RATE": "100000/minute",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "sync",
         "--access-logfile", str(log), "--access-logformat", "%(p)s %(s)s %(U)s"],
        cwd=Path(settings.BASE_DIR), env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        yield base, live_world, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(base: str) -> None:
    """Up once a worker answers at all (any HTTP status); a cheap path, a generous wait."""
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/v2/token_auth", timeout=10)
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def get(base: str, path: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(base + path, headers={"X-Auth-Token": token})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def workers_in(log: Path, since: int) -> set[str]:
    return {line.split()[0] for line in log.read_text().splitlines()[since:] if line.strip()}


def burst(base: str, path: str, token: str, log: Path) -> list[tuple[int, bytes]]:
    """Parallel requests, repeated until both workers answered some of them."""
    answers: list[tuple[int, bytes]] = []
    since = len(log.read_text().splitlines()) if log.exists() else 0
    for _ in range(20):
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers += pool.map(lambda _: get(base, path, token), range(ROUNDS))
        time.sleep(0.2)  # the access log is written after the answer
        if len(workers_in(log, since)) == 2:
            return answers
    raise AssertionError("one worker answered every request; cannot prove anything")


@pytest.mark.django_db(transaction=True)
def test_override_edits_and_revocation_reach_both_workers(server):
    base, world, log = server
    token = world.tokens["G_admin"]
    path = f"/v2/accounts/{world.id('G')}/notifications/{VM}"

    before = burst(base, path, token, log)
    assert all(status == 200 and b"Edited subject" not in body for status, body in before)

    # The reseller edits its override (in this process: the workers only see the database).
    reseller = world.api("R_admin")
    document = reseller.get(f"/v2/accounts/{world.id('R')}/notifications/{VM}").json()["data"]
    edited = {**document, "subject": "Edited subject"}
    url = f"/v2/accounts/{world.id('R')}/notifications/{VM}"
    assert reseller.post(url, {"data": edited}).status_code == 200

    after_edit = burst(base, path, token, log)
    assert all(status == 200 and b"Edited subject" in body for status, body in after_edit)

    # G's admin logs out; every worker refuses the token from then on.
    assert world.api("G_admin").delete("/v2/token_auth").status_code == 200
    after_revocation = burst(base, path, token, log)
    assert {status for status, _ in after_revocation} == {401}
