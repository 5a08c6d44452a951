"""Two deliveries of one inbound message racing each other store it once (real threads).

Each thread has its own database connection and transaction; both pass the "already
stored?" check before either inserts, so only the unique constraint can settle it. Needs
PostgreSQL: SQLite serializes writers on one file lock, so there is no race to test.
"""

import threading

import pytest
from django.db import connection

from gateways import services as gateways
from inbound import services
from inbound.models import InboundMessage
from preferences.models import Suppression

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
    ),
]


def race(gateway, event: dict, monkeypatch) -> list[tuple]:
    """Run store_message in two threads that both miss the duplicate check."""
    barrier = threading.Barrier(2, timeout=10)
    real_existing = services._existing
    waited = threading.local()

    def existing_after_both_looked(gw, provider_id):
        found = real_existing(gw, provider_id)
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return found

    monkeypatch.setattr(services, "_existing", existing_after_both_looked)
    results: list[tuple] = []

    def deliver() -> None:
        try:
            stored, result = services.store_message(gateway, event)
            results.append((stored.pk if stored else None, result))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_racing_deliveries_store_one_message(live_world, monkeypatch):
    gateway = gateways.create(
        live_world.accounts["C1"],
        {"name": "Fake", "kind": "vendor", "channel": "sms", "settings": {"vendor": "fake"},
         "stop_keywords": ["STOP"]},
    )  # fmt: skip
    event = {"type": "message", "id": "SM-race", "from": "+14155552671", "text": "STOP"}
    results = race(gateway, event, monkeypatch)
    assert sorted(result for _, result in results) == ["duplicate", "stored"]
    assert len({pk for pk, _ in results}) == 1  # the duplicate returns the stored message
    assert InboundMessage.objects.count() == 1
    assert Suppression.objects.count() == 1
