"""Run by bench/broadcast.py (multi-channel run): how long a broadcast's fan-out took.

    python -m bench._fanout_stats BROADCAST_ID

prints ``{"finished", "seconds", "rows", "by_channel"}``: ``seconds`` from the broadcast's
creation to the end of its fan-out (database timestamps, so polling adds nothing), and the
rows written per channel.
"""

import json
import sys

import django

django.setup()

from django.db.models import Count

from notifications.models import Broadcast
from smtplog.models import SmtpLog


def stats(broadcast_id: str) -> dict:
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    rows = SmtpLog.objects.filter(broadcast=broadcast)
    by_channel = dict(rows.values_list("channel").annotate(n=Count("pk")))
    finished = broadcast.finished
    seconds = (finished - broadcast.created).total_seconds() if finished else None
    return {
        "finished": finished is not None,
        "seconds": seconds,
        "rows": sum(by_channel.values()),
        "by_channel": by_channel,
    }


if __name__ == "__main__":
    print(json.dumps(stats(sys.argv[1])))
