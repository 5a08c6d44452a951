"""``bootstrap_dev``: make a fresh development database usable and say how to log in.

Creates the master account (with a random admin password) and a Django staff user for the
admin site when they do not exist, keeps the generated secrets in ``var/``, and prints the
master API key either way. Used by ``scripts/serve``; never needed in production.
"""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.models import Account


class Command(BaseCommand):
    help = "Create the master account and an admin-site user if missing; print the API key."

    def handle(self, *args, **options):
        credentials_file = settings.VAR_DIR / "dev-credentials.json"
        saved = json.loads(credentials_file.read_text()) if credentials_file.exists() else {}
        if not Account.objects.filter(is_master=True).exists():
            password = secrets.token_urlsafe(12)
            call_command(
                "create_master_account",
                name="Master",
                realm="master.localhost",
                username="admin",
                password=password,
                stdout=open("/dev/null", "w"),  # noqa: SIM115
            )
            saved["master_user"] = {
                "account_name": "Master",
                "username": "admin",
                "password": password,
            }
        staff = get_user_model()
        if not staff.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            staff.objects.create_superuser("admin", "admin@localhost", password)
            saved["admin_site"] = {"username": "admin", "password": password}
        credentials_file.write_text(json.dumps(saved, indent=2))
        credentials_file.chmod(0o600)
        master = Account.objects.get(is_master=True)
        self.stdout.write(json.dumps({"account_id": master.id, "api_key": master.api_key}))
        self.stdout.write(f"Logins for the master user and the admin site: {credentials_file}")
