"""Who may do what on the delivery log routes: one table (principal, method, path) → status.

{ROW} is a failed row of C1's (so a permitted retry answers 202).
"""

import pytest

from smtplog.models import Failure, SmtpLog, Status
from tests.deliveries_helpers import sms_row

ENDPOINTS = [
    ("GET", "/v2/accounts/{C1}/deliveries"),
    ("GET", "/v2/accounts/{C1}/deliveries/{ROW}"),
    ("POST", "/v2/accounts/{C1}/deliveries/{ROW}/retry"),
]
PRINCIPALS = [
    "master_admin", "master_key", "R_admin", "R_user", "R_key", "C1_admin", "C1_user",
    "C2_admin", "G_admin", "R2_admin", "D_admin", None,
]  # fmt: skip
ACTS_ON_C1 = {"master_admin", "master_key", "R_admin", "R_user", "R_key", "C1_admin", "C1_user"}
READ_ONLY = {"R_user", "C1_user"}


def expected_status(principal: str | None, method: str) -> int:
    if principal is None:
        return 401
    if principal not in ACTS_ON_C1 or (method != "GET" and principal in READ_ONLY):
        return 403
    return 202 if method == "POST" else 200


@pytest.fixture
def ids(world) -> dict[str, str]:
    row = sms_row(world.accounts["C1"])
    SmtpLog.objects.filter(pk=row.pk).update(status=Status.FAILED, failure=Failure.PERMANENT)
    return {"ROW": row.pk, "C1": world.id("C1")}


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_delivery_permission_table(world, ids, principal, method, path):
    target = path.replace("{C1}", ids["C1"]).replace("{ROW}", ids["ROW"])
    response = world.api(principal).request(method, target)
    assert response.status_code == expected_status(principal, method), response.content
    if response.status_code != 202:
        assert SmtpLog.objects.get(pk=ids["ROW"]).status == Status.FAILED
