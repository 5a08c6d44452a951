"""Run in the product's environment by bench/broadcast.py: build the broadcast audience.

    python -m bench._broadcast_world NAME CUSTOMERS ADMINS_PER_CUSTOMER [--phones]

creates reseller NAME under the master account with CUSTOMERS customer accounts of
ADMINS_PER_CUSTOMER admin users each (bulk inserts: seconds for 10,000 users) and prints
``{"reseller_id": ...}``. With ``--phones`` every user also gets a ``contacts.sms`` number
(the multi-channel run).
"""

import json
import sys

import django

django.setup()

from accounts import services
from accounts.models import Account, User


def phone(index: int) -> str:
    """A distinct valid E.164 number per user (San Francisco, 415-2xx-xxxx)."""
    return f"+14152{index:06d}"


def build(name: str, customers: int, admins: int, phones: bool = False) -> Account:
    master = Account.objects.get(is_master=True)
    reseller = services.create_account(master, {"name": name, "realm": f"{name}.bench.example"})
    reseller.is_reseller = True
    reseller.save(update_fields=["is_reseller"])
    accounts = []
    for index in range(customers):
        account = Account(name=f"{name}-c{index}", realm=f"{name}-c{index}.bench.example")
        account.place_under(reseller)
        account.refresh_api_key_hash()
        accounts.append(account)
    Account.objects.bulk_create(accounts, batch_size=500)
    users = [
        User(
            account=account,
            username=f"admin{n}",
            first_name=f"Admin{n}",
            last_name=account.name,
            email=f"admin{n}@{account.realm}",
            priv_level=User.ADMIN,
        )
        for account in accounts
        for n in range(admins)
    ]
    if phones:
        for index, user in enumerate(users):
            user.contacts = {"sms": phone(index)}
    User.objects.bulk_create(users, batch_size=1000)
    return reseller


if __name__ == "__main__":
    name, customers, admins = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    reseller = build(name, customers, admins, phones="--phones" in sys.argv[4:])
    print(json.dumps({"reseller_id": reseller.id}))
