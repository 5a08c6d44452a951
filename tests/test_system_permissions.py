"""Who may write on the system paths ``/v2/notifications...`` (SPEC §3), as one table.

System writes need superduper **and** an admin user's token or an API-key token: a
master-account ``priv_level: user`` token reads only, like on account paths.
"""

import base64

import pytest

from accounts.models import AuthToken
from tests.conftest import make_user

VM = "voicemail_to_email"
TEMPLATE = {
    "from": "noc@example.net",
    "subject": "Hi {{user.first_name}}",
    "to": {"type": "original"},
}

# (method, path, body, content type) of every write route on the system paths.
SYSTEM_WRITES = [
    ("PUT", "/v2/notifications", {"data": {**TEMPLATE, "id": "brand_new"}}, "application/json"),
    ("POST", f"/v2/notifications/{VM}", {"data": TEMPLATE}, "application/json"),
    ("POST", f"/v2/notifications/{VM}", "<p>Hi</p>", "text/html"),
    ("POST", f"/v2/notifications/{VM}", "Hi", "text/plain"),
    ("DELETE", f"/v2/notifications/{VM}", "", "text/html"),
    ("DELETE", f"/v2/notifications/{VM}", "", "text/plain"),
    ("DELETE", f"/v2/notifications/{VM}", None, "application/json"),
    ("DELETE", "/v2/notifications?action=remove_customizations", None, "application/json"),
    ("POST", f"/v2/notifications/{VM}/preview?send=false", {"data": {}}, "application/json"),
    (
        "POST",
        f"/v2/notifications/{VM}/preview",
        {"data": {**TEMPLATE, "to": {"email_addresses": ["a@example.net"]}}},
        "application/json",
    ),
    (
        "POST",
        "/v2/notifications/customer_update/message",
        {"data": {"html": base64.b64encode(b"<p>news</p>").decode()}},
        "application/json",
    ),
]
ROUTE_IDS = [f"{m} {p} {c}" for m, p, _, c in SYSTEM_WRITES]


@pytest.fixture
def master_user_world(world):
    """The world plus a ``priv_level: user`` of the master account with a token."""
    user = make_user(world.accounts["master"], "masteruser", "user")
    world.tokens["master_user"] = AuthToken.issue(user.account, user, AuthToken.CREDENTIALS)[1]
    return world


def call(api, method, path, body, content_type):
    return api.request(method, path, body, content_type=content_type)


@pytest.mark.parametrize(("method", "path", "body", "content_type"), SYSTEM_WRITES, ids=ROUTE_IDS)
@pytest.mark.parametrize("principal", ["master_user", "R_admin", "R_key", "C1_admin"])
def test_system_write_is_403_without_superduper_write_rights(
    master_user_world, principal, method, path, body, content_type
):
    response = call(master_user_world.api(principal), method, path, body, content_type)
    assert response.status_code == 403, response.content


@pytest.mark.parametrize(("method", "path", "body", "content_type"), SYSTEM_WRITES, ids=ROUTE_IDS)
@pytest.mark.parametrize("principal", ["master_admin", "master_key"])
def test_system_write_is_allowed_to_superduper_admin_and_api_key(
    master_user_world, principal, method, path, body, content_type
):
    response = call(master_user_world.api(principal), method, path, body, content_type)
    assert response.status_code != 403, response.content
    assert response.status_code < 500


def test_master_user_token_leaves_the_system_template_in_place(master_user_world):
    api = master_user_world.api("master_user")
    assert api.delete(f"/v2/notifications/{VM}").status_code == 403
    assert api.get(f"/v2/notifications/{VM}").status_code == 200


def test_master_user_token_may_read_the_system_paths(master_user_world):
    api = master_user_world.api("master_user")
    assert api.get("/v2/notifications").status_code == 200
    assert api.get(f"/v2/notifications/{VM}", headers={"Accept": "text/html"}).status_code == 200


@pytest.mark.parametrize("principal", ["R_admin", "C1_admin", "master_user"])
@pytest.mark.parametrize(
    "path", ["/v2/notifications/system_alert", "/v2/accounts/{C1}/notifications/system_alert"]
)
def test_system_category_template_is_404_to_non_superduper(master_user_world, principal, path):
    api = master_user_world.api(principal)
    path = path.format(C1=master_user_world.id("C1"))
    if principal == "master_user":
        path = path.replace(master_user_world.id("C1"), master_user_world.id("master"))
    response = api.get(path)
    if principal == "master_user":
        assert response.status_code == 200  # superduper account, read-only token
    else:
        assert response.status_code == 404
        assert response.json()["error"] == "404"


def test_system_category_template_raw_body_is_404_to_non_superduper(world):
    response = world.api("R_admin").get(
        "/v2/notifications/system_alert", headers={"Accept": "text/html"}
    )
    assert response.status_code == 404


def test_system_category_template_preview_is_404_to_non_superduper(world):
    path = f"/v2/accounts/{world.id('C1')}/notifications/system_alert/preview?send=false"
    assert world.api("C1_admin").post(path, {"data": {}}).status_code == 404


def test_superduper_reads_system_category_template(world):
    assert world.api("master_admin").get("/v2/notifications/system_alert").status_code == 200
