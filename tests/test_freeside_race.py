"""Two sends of one prepared message racing each other queue its rows once (real threads).

Both threads find the message unsent before either claims it; only the conditional
update of ``sent_at`` settles it. Needs PostgreSQL: SQLite serializes writers on one file
lock, so there is no race to test.
"""

import threading

import pytest
from django.db import connection

from freeside import services
from smtplog.models import SmtpLog
from tests.test_freeside_server import install_template, prepare

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
    ),
]


def test_two_racing_sends_deliver_each_row_once(live_world, mail_sink, monkeypatch):
    world = live_world
    install_template(world)
    document = prepare(world, invoicing_email="zoe@customer.example").json()
    barrier = threading.Barrier(2, timeout=10)
    real_release = services._release
    claims: list[bool] = []

    def release_after_both_looked(prepared):
        barrier.wait()
        claimed = real_release(prepared)
        claims.append(claimed)
        return claimed

    monkeypatch.setattr(services, "_release", release_after_both_looked)
    answers: list[dict] = []

    def send() -> None:
        try:
            answers.append(services.send(world.accounts["C1"], document))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(claims) == [False, True]
    assert [a["status"] for a in answers] == ["queued", "queued"]
    mail_sink.wait_for(1)
    (row,) = SmtpLog.objects.all()
    assert row.status == "sent" and row.attempts == 1
    assert len(mail_sink.messages) == 1
