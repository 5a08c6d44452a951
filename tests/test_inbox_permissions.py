"""Who may read and mark a user's inbox: one table (principal, method, path) → status.

The inbox is alice's, a ``priv_level: user`` of C1. Her own token reads and marks; admins of
C1 and its ancestors (and API-key tokens of those accounts) read only: read state is what
alice has seen, so nobody else may change it. Everyone else gets 403; no token, 401.
"""

import pytest

from accounts.models import AuthToken
from inbox.models import InboxMessage
from tests.conftest import make_user
from tests.inbox_helpers import deliver

ENDPOINTS = [
    ("GET", "{INBOX}", None),
    ("GET", "{INBOX}/{MSG}", None),
    ("POST", "{INBOX}/{MSG}", {"data": {"read": True}}),
    ("POST", "{INBOX}/read_all", None),
]
OWNER = "alice"
READERS = {"C1_admin", "R_admin", "master_admin", "master_key", "R_key"}
OTHERS = {
    "C1_user",  # another priv_level user of the same account
    "R_user",  # a priv_level user of an ancestor
    "C2_admin",  # a sibling account's admin
    "G_admin",  # a sub-account's admin
    "R2_admin",  # an outsider reseller
    "D_admin",  # the outsider reseller's customer
}
PRINCIPALS = [OWNER, *sorted(READERS), *sorted(OTHERS), None]


def expected_status(principal: str | None, method: str) -> int:
    if principal is None:
        return 401
    if principal == OWNER:
        return 200
    if principal in READERS and method == "GET":
        return 200
    return 403


@pytest.fixture
def inbox_world(world):
    alice = make_user(world.accounts["C1"], "alice", "user")
    world.users["alice"] = alice
    world.tokens["alice"] = AuthToken.issue(alice.account, alice, AuthToken.CREDENTIALS)[1]
    message = deliver(alice)
    inbox = f"/v2/accounts/{world.id('C1')}/users/{alice.id}/inbox"
    return world, inbox, message


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize(("method", "template", "body"), ENDPOINTS)
def test_inbox_permission(inbox_world, principal, method, template, body):
    world, inbox, message = inbox_world
    path = template.replace("{INBOX}", inbox).replace("{MSG}", message.id)
    response = world.api(principal).request(method, path, body)
    assert response.status_code == expected_status(principal, method), response.content


@pytest.mark.parametrize("principal", sorted(READERS | OTHERS))
def test_refused_mark_leaves_the_message_unread(inbox_world, principal):
    world, inbox, message = inbox_world
    world.api(principal).post(f"{inbox}/{message.id}", {"data": {"read": True}})
    world.api(principal).post(f"{inbox}/read_all")
    assert InboxMessage.objects.get(pk=message.pk).read_at is None


def test_refused_list_reveals_no_messages(inbox_world):
    world, inbox, _ = inbox_world
    body = world.api("D_admin").get(inbox).json()
    assert body["status"] == "error" and "unread_count" not in body


def test_unknown_account_is_404_before_403(inbox_world):
    world, inbox, _ = inbox_world
    path = inbox.replace(world.id("C1"), "0" * 32)
    assert world.api("D_admin").get(path).status_code == 404


def test_outsider_gets_403_even_for_an_unknown_user(world):
    path = f"/v2/accounts/{world.id('C1')}/users/{'0' * 32}/inbox"
    assert world.api("D_admin").get(path).status_code == 403
