"""``bootstrap_dev``: make a fresh development database usable and say how to log in.

Creates the master account (with a random admin password) and a Django staff user for the
admin site when they do not exist, keeps the generated secrets in ``var/``, and prints the
master API key either way. Used by ``scripts/serve``; never needed in production.
"""

import json
import os
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
        self.announce(master, saved, credentials_file)

    def announce(self, master: Account, saved: dict, credentials_file) -> None:
        """One clearly marked line each, so they can be copied out of the server's log."""
        base = f"http://{os.environ.get('BIND', '127.0.0.1:8000')}"
        admin = saved.get("admin_site", {})
        user = saved.get("master_user", {})
        lines = [
            f"==> API key (master account {master.id}): {master.api_key}",
            f"==> Admin site: {base}/admin/  username {admin.get('username', '?')}  "
            f"password {admin.get('password', '(see ' + str(credentials_file) + ')')}",
            f"==> Master user (user_auth): account {user.get('account_name', master.name)}  "
            f"username {user.get('username', '?')}  password {user.get('password', '?')}",
            f"==> API: {base}/v2/   docs: {base}/v2/docs",
        ]
        self.stdout.write("\n".join(["", *lines, ""]))
