"""Re-encrypt every gateway secret under the first key of CHANNELS_SECRET_KEYS.

Rotation: put the new key first (keep the old ones after it), deploy, run this command,
then drop the old keys.
"""

from django.core.management.base import BaseCommand

from gateways.services import rotate_all_secrets


class Command(BaseCommand):
    help = "Re-encrypt gateway secrets under the first CHANNELS_SECRET_KEYS key."

    def handle(self, *args, **options) -> None:
        changed = rotate_all_secrets()
        self.stdout.write(f"re-encrypted {changed} gateway(s)")
