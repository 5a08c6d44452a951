"""``create_master_account``: the root (superduper) account, its admin user and API key."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import services
from accounts.api.serializers import ACCOUNT_SCHEMA, USER_SCHEMA
from accounts.models import Account
from config.errors import ValidationFailed
from config.validation import validate


class Command(BaseCommand):
    help = "Create the master account with an admin user and print its ids and API key as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--realm", required=True)
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default="")

    def handle(self, *args, **options):
        if Account.objects.filter(is_master=True).exists():
            raise CommandError("A master account already exists; refusing to create another.")
        account_fields = {"name": options["name"], "realm": options["realm"]}
        user_fields = {
            "first_name": "Account",
            "last_name": "Admin",
            "username": options["username"],
            "password": options["password"],
            "priv_level": "admin",
        }
        if options["email"]:
            user_fields["email"] = options["email"]
        try:
            validate(ACCOUNT_SCHEMA, account_fields)
            validate(USER_SCHEMA, user_fields)
            with transaction.atomic():
                account = services.create_account(None, account_fields, is_master=True)
                user = services.save_user(account, user_fields)
        except ValidationFailed as exc:
            raise CommandError(f"invalid input: {json.dumps(exc.data)}") from None
        result = {"account_id": account.id, "user_id": user.id, "api_key": account.api_key}
        self.stdout.write(json.dumps(result))
