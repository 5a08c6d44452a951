"""kill -9 of a process delivering in its own threads (the embedded mode's situation):
after a restart every row reaches the sink once, counted by Message-ID; only the message
in flight during DATA may arrive twice, and then with the same Message-ID."""

import os
import signal
import subprocess
import sys
import time

from smtplog.email import new_email
from tests.test_broker import ROOT, assert_exactly_once, database_url, wait_all_sent


def delivery_process(sink) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": database_url(),
        "EMAIL_HOST": sink.host,
        "EMAIL_PORT": str(sink.port),
        "DELIVERY_MODE": "inline",
        "DELIVERY_STALE_AFTER": "1",
        "DELIVERY_DRAIN_SECONDS": "60",
        "DELIVERY_BATCH_SIZE": "50",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "manage.py", "sweep_deliveries", "--now"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def test_delivery_process_killed_mid_batch_loses_and_duplicates_nothing(live_world, mail_sink):
    rows = [
        new_email(
            live_world.accounts["C1"], "voicemail_to_email", from_addr="n@x.example",
            to=[f"u{i}@x.example"], subject=f"u{i}", bodies={"text/plain": "hi"}, macros={},
        )
        for i in range(12)
    ]  # fmt: skip
    for row in rows:
        row.save(force_insert=True)
    mail_sink.data_delay = 0.2
    first = delivery_process(mail_sink)
    mail_sink.wait_for(3, timeout=30)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    time.sleep(1.5)  # the dead process's lease expires
    assert delivery_process(mail_sink).wait(60) == 0
    log_ids = [row.pk for row in rows]
    wait_all_sent(log_ids, timeout=10)
    assert_exactly_once(mail_sink, log_ids, allowed_duplicates=1)
