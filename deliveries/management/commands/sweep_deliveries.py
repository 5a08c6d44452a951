from django.core.management.base import BaseCommand

from deliveries import outbox as delivery
from deliveries import queue


class Command(BaseCommand):
    help = "Re-enqueue deliveries whose task was lost (worker killed, broker restarted)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", action="store_true", help="deliver due rows in this process, then exit"
        )

    def handle(self, *args, **options):
        if options["now"]:
            delivery.reclaim_stale()
            ids = delivery.due_ids(limit=100_000)
            retries = delivery.deliver_many(ids)
            self.stdout.write(f"Delivered {len(ids) - len(retries)} of {len(ids)} due row(s).")
            return
        count = queue.sweep()
        self.stdout.write(f"Re-enqueued {count} row(s).")
