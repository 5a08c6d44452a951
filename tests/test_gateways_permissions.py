"""Who may do what on every gateway route: one table (principal, method, path) → status.

{GW} is a gateway of C1's, {SYS} a system gateway (inheritable).
"""

import pytest

from tests.gateways_helpers import FAKE_SMS, create

NEW = {"data": {**FAKE_SMS, "name": "New"}}
RENAME = {"data": {"name": "Renamed"}}
CHECK = {"data": {"kind": "vendor", "settings": {"vendor": "fake"}}}
TEST = {"data": {"to": "+14155552671", "text": "Testing"}}

ENDPOINTS = [
    ("GET", "/v2/gateway_kinds", None),
    ("GET", "/v2/accounts/{C1}/gateways", None),
    ("PUT", "/v2/accounts/{C1}/gateways", NEW),
    ("POST", "/v2/accounts/{C1}/gateways/check_connection", CHECK),
    ("GET", "/v2/accounts/{C1}/gateways/{GW}", None),
    ("POST", "/v2/accounts/{C1}/gateways/{GW}", RENAME),
    ("DELETE", "/v2/accounts/{C1}/gateways/{GW}", None),
    ("POST", "/v2/accounts/{C1}/gateways/{GW}/check_connection", None),
    ("POST", "/v2/accounts/{C1}/gateways/{GW}/rotate_webhook", None),
    ("GET", "/v2/accounts/{C1}/gateways/{GW}/events", None),
    ("POST", "/v2/accounts/{C1}/gateways/{GW}/test", TEST),
    ("GET", "/v2/gateways", None),
    ("PUT", "/v2/gateways", NEW),
    ("POST", "/v2/gateways/check_connection", CHECK),
    ("GET", "/v2/gateways/{SYS}", None),
    ("POST", "/v2/gateways/{SYS}", RENAME),
    ("DELETE", "/v2/gateways/{SYS}", None),
    ("POST", "/v2/gateways/{SYS}/check_connection", None),
    ("POST", "/v2/gateways/{SYS}/rotate_webhook", None),
    ("GET", "/v2/gateways/{SYS}/events", None),
    ("POST", "/v2/gateways/{SYS}/test", TEST),
]
PRINCIPALS = [
    "master_admin",
    "master_key",
    "R_admin",
    "R_user",
    "R_key",
    "C1_admin",
    "C1_user",
    "C2_admin",
    "G_admin",
    "R2_admin",
    "D_admin",
    None,
]
ACTS_ON_C1 = {"master_admin", "master_key", "R_admin", "R_user", "R_key", "C1_admin", "C1_user"}
READ_ONLY = {"R_user", "C1_user"}
SUPERDUPER_WRITERS = {"master_admin", "master_key"}


def expected_status(principal, method, path):
    if principal is None:
        return 401
    success = 201 if method == "PUT" else 202 if path.endswith("/test") else 200
    if path == "/v2/gateway_kinds":
        return 200
    if path.startswith("/v2/gateways"):
        if method == "GET" and path.endswith("/events"):
            return 200 if principal in SUPERDUPER_WRITERS else 403  # others: reduced view only
        if method == "GET":
            return 200
        return success if principal in SUPERDUPER_WRITERS else 403
    if principal not in ACTS_ON_C1:
        return 403
    if method != "GET" and principal in READ_ONLY:
        return 403
    return success


@pytest.fixture
def ids(world):
    return {
        "GW": create(world.api("C1_admin"), world.id("C1"), FAKE_SMS)["id"],
        "SYS": create(world.api("master_key"), None, FAKE_SMS)["id"],
        **{name: world.id(name) for name in world.accounts},
    }


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize(("method", "path", "data"), ENDPOINTS)
def test_gateway_permission_table(world, ids, principal, method, path, data):
    target = path
    for name, value in ids.items():
        target = target.replace("{" + name + "}", value)
    response = world.api(principal).request(method, target, data)
    assert response.status_code == expected_status(principal, method, path), response.content
