"""Run by bench/broadcast.py: django-post_office sending the same messages to the same sink.

    python -m bench._postoffice_run COUNT PROCESSES

Queues COUNT personalised e-mails with ``post_office.mail.send_many`` (bulk), then times
``send_queued_mail --processes PROCESSES`` and prints ``{"seconds": ...}``.
"""

import json
import sys
import time

import django

django.setup()

from django.core.management import call_command
from post_office import mail

HTML = "<p>Dear {name},</p><p>Planned maintenance tonight from 23:00 UTC.</p>" * 8
TEXT = "Dear {name},\nPlanned maintenance tonight from 23:00 UTC.\n" * 8


def main(count: int, processes: int) -> None:
    call_command("migrate", verbosity=0)
    mail.send_many(
        [
            {
                "sender": "news@bench.example",
                "recipients": [f"admin{n}@po.bench.example"],
                "subject": f"Maintenance notice for Admin{n}",
                "message": TEXT.format(name=f"Admin{n}"),
                "html_message": HTML.format(name=f"Admin{n}"),
            }
            for n in range(count)
        ]
    )
    started = time.perf_counter()
    call_command("send_queued_mail", processes=processes, log_level=0)
    print(json.dumps({"seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
