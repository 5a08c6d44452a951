"""Run by bench/broadcast.py after the answer-time probes: forget their undelivered work.

The probes broadcast with no worker running; their queued tasks are deleted from the broker
and this removes their broadcasts and rows, so the delivery runs start from a clean queue.
"""

import json

import django

django.setup()

from notifications.models import Broadcast
from smtplog.models import SmtpLog

rows, _ = SmtpLog.objects.all().delete()
broadcasts, _ = Broadcast.objects.all().delete()
print(json.dumps({"rows": rows, "broadcasts": broadcasts}))
