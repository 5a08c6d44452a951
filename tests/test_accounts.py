"""Accounts and users: creation under a parent, resellers, users CRUD, the permission table."""

import pytest

pytestmark = pytest.mark.django_db


def test_put_account_creates_child_under_parent(world):
    response = world.api("R_admin").put(
        f"/v2/accounts/{world.id('R')}", {"data": {"name": "New Customer"}}
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert len(data["id"]) == 32
    assert data["parent_id"] == world.id("R")
    assert data["tree"] == [world.id("master"), world.id("R")]
    assert data["reseller_id"] == world.id("R")
    assert data["realm"]


def test_child_account_is_listed_in_children_and_descendants(world):
    api = world.api("R_admin")
    child = api.put(f"/v2/accounts/{world.id('C1')}", {"data": {"name": "Deep"}}).json()["data"]
    children = api.get(f"/v2/accounts/{world.id('C1')}/children").json()["data"]
    descendants = api.get(f"/v2/accounts/{world.id('R')}/descendants").json()["data"]
    assert child["id"] in {c["id"] for c in children}
    assert {child["id"], world.id("G"), world.id("C1"), world.id("C2")} <= {
        d["id"] for d in descendants
    }
    assert world.id("D") not in {d["id"] for d in descendants}


def test_put_account_with_duplicate_name_is_400_unique(world):
    response = world.api("R_admin").put(f"/v2/accounts/{world.id('R')}", {"data": {"name": "C1"}})
    assert response.status_code == 400
    assert "unique" in response.json()["data"]["name"]


def test_put_account_without_name_is_400_required(world):
    response = world.api("R_admin").put(f"/v2/accounts/{world.id('R')}", {"data": {}})
    assert response.status_code == 400
    assert response.json()["data"] == {
        "name": {"required": {"message": "Field is required but missing", "value": "name"}}
    }


def test_post_account_updates_fields(world):
    response = world.api("R_admin").post(
        f"/v2/accounts/{world.id('C1')}", {"data": {"timezone": "Europe/Paris"}}
    )
    assert response.status_code == 200
    assert response.json()["data"]["timezone"] == "Europe/Paris"
    assert response.json()["data"]["name"] == "C1"


def test_superduper_marks_and_unmarks_reseller(world):
    api = world.api("master_admin")
    path = f"/v2/accounts/{world.id('C1')}/reseller"
    response = api.put(path)
    assert response.status_code == 201
    assert response.json()["data"]["is_reseller"] is True
    grandchild = api.get(f"/v2/accounts/{world.id('G')}").json()["data"]
    assert grandchild["reseller_id"] == world.id("C1")
    response = api.delete(path)
    assert response.status_code == 200
    assert response.json()["data"]["is_reseller"] is False


@pytest.mark.parametrize("principal", ["R_admin", "C1_admin", "R_key"])
def test_only_superduper_may_mark_resellers(world, principal):
    response = world.api(principal).put(f"/v2/accounts/{world.id('C1')}/reseller")
    assert response.status_code == 403


def test_api_key_endpoint_returns_the_key_that_logs_in(world, anon):
    key = world.api("R_admin").get(f"/v2/accounts/{world.id('C1')}/api_key").json()["data"]
    login = anon.put("/v2/api_auth", {"data": {"api_key": key["api_key"]}})
    assert login.json()["data"]["account_id"] == world.id("C1")


def test_users_crud(world):
    api = world.api("C1_admin")
    base = f"/v2/accounts/{world.id('C1')}/users"
    created = api.put(
        base,
        {
            "data": {
                "first_name": "Ann",
                "last_name": "Lee",
                "username": "Ann",
                "password": "pw",
                "email": "ann@example.com",
            }
        },
    )
    assert created.status_code == 201
    user = created.json()["data"]
    assert user["username"] == "ann"
    assert user["priv_level"] == "user"
    assert "password" not in user
    assert user["id"] in {u["id"] for u in api.get(base).json()["data"]}
    updated = api.post(f"{base}/{user['id']}", {"data": {"priv_level": "admin"}})
    assert updated.json()["data"]["priv_level"] == "admin"
    assert api.get(f"{base}/{user['id']}").json()["data"]["first_name"] == "Ann"
    assert api.delete(f"{base}/{user['id']}").status_code == 200
    assert api.get(f"{base}/{user['id']}").status_code == 404


def test_user_validation_errors_are_field_level(world):
    response = world.api("C1_admin").put(
        f"/v2/accounts/{world.id('C1')}/users",
        {"data": {"first_name": "", "email": "not-an-email", "priv_level": "root"}},
    )
    assert response.status_code == 400
    data = response.json()["data"]
    assert "minLength" in data["first_name"]
    assert "required" in data["last_name"]
    assert data["email"]["wrong_format"]["value"] == "not-an-email"
    assert data["priv_level"]["enum"]["target"] == ["admin", "user"]


def test_duplicate_username_in_account_is_400_unique(world):
    response = world.api("C1_admin").put(
        f"/v2/accounts/{world.id('C1')}/users",
        {"data": {"first_name": "X", "last_name": "Y", "username": "c1admin"}},
    )
    assert response.status_code == 400
    assert "unique" in response.json()["data"]["username"]


def test_user_of_another_account_is_404_under_this_account(world):
    other = world.users["C2_admin"].id
    response = world.api("R_admin").get(f"/v2/accounts/{world.id('C1')}/users/{other}")
    assert response.status_code == 404


def test_new_password_logs_in(world, anon):
    import hashlib

    api = world.api("C1_admin")
    user_id = world.users["C1_user"].id
    api.post(f"/v2/accounts/{world.id('C1')}/users/{user_id}", {"data": {"password": "n3w"}})
    credentials = hashlib.md5(b"c1user:n3w").hexdigest()
    response = anon.put(
        "/v2/user_auth", {"data": {"credentials": credentials, "account_name": "C1"}}
    )
    assert response.status_code == 201


# --- The permission table -------------------------------------------------------------------
# (principal, method, path template, expected status). {X} is replaced by account X's id,
# {U} by C1's plain user id. Every account/user endpoint appears.

ACCOUNT_ENDPOINTS = [
    ("GET", "/v2/accounts/{C1}", None),
    ("POST", "/v2/accounts/{C1}", {"data": {"language": "fr-fr"}}),
    ("PUT", "/v2/accounts/{C1}", "new-account"),
    ("GET", "/v2/accounts/{C1}/children", None),
    ("GET", "/v2/accounts/{C1}/descendants", None),
    ("GET", "/v2/accounts/{C1}/api_key", None),
    ("GET", "/v2/accounts/{C1}/users", None),
    ("PUT", "/v2/accounts/{C1}/users", {"data": {"first_name": "N", "last_name": "U"}}),
    ("GET", "/v2/accounts/{C1}/users/{U}", None),
    ("POST", "/v2/accounts/{C1}/users/{U}", {"data": {"first_name": "Renamed"}}),
    ("DELETE", "/v2/accounts/{C1}/users/{U}", None),
]
WRITE = {"POST", "PUT", "DELETE"}
SUCCESS = {"GET": 200, "POST": 200, "PUT": 201, "DELETE": 200}


def expected_status(principal: str | None, method: str, path: str) -> int:
    if principal is None:
        return 401
    may_act = principal in {
        "master_admin",
        "master_key",
        "R_admin",
        "R_user",
        "R_key",
        "C1_admin",
        "C1_user",
    }
    if not may_act:
        return 403
    read_only = principal in {"R_user", "C1_user"}
    if read_only and (method in WRITE or path.endswith("api_key")):
        return 403
    return SUCCESS[method]


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


def _render(world, path):
    path = path.replace("{U}", world.users["C1_user"].id)
    for name in world.accounts:
        path = path.replace("{" + name + "}", world.id(name))
    return path


def _body(data):
    if data == "new-account":
        import uuid

        return {"data": {"name": f"acct-{uuid.uuid4().hex[:8]}"}}
    return data


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize(("method", "path", "data"), ACCOUNT_ENDPOINTS)
def test_permission_table(world, principal, method, path, data):
    api = world.api(principal)
    response = api.request(method, _render(world, path), _body(data))
    assert response.status_code == expected_status(principal, method, path), response.content


@pytest.mark.parametrize(("method", "path", "data"), ACCOUNT_ENDPOINTS)
def test_unknown_account_is_404_even_anonymously(world, anon, method, path, data):
    unknown = "0" * 32
    target = _render(world, path).replace(world.id("C1"), unknown)
    for api in (anon, world.api("master_admin")):
        response = api.request(method, target, _body(data))
        assert response.status_code == 404
        assert response.json()["data"] == {"cause": unknown, "message": "bad identifier"}


def test_malformed_account_id_is_404_bad_identifier(world):
    response = world.api("master_admin").get("/v2/accounts/not-an-id")
    assert response.status_code == 404
    body = response.json()
    assert body["message"] == "bad identifier"
    assert body["data"] == {"message": "invalid account_id 'not-an-id'"}
