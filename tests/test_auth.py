"""Authentication: api_auth, user_auth, token expiry and revocation."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuthToken

pytestmark = pytest.mark.django_db


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_api_auth_with_valid_key_returns_201_and_token(world, anon):
    key = world.accounts["R"].api_key
    response = anon.put("/v2/api_auth", {"data": {"api_key": key}})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "success"
    assert body["data"]["account_id"] == world.id("R")
    assert body["data"]["reseller_id"] == world.id("master")
    assert len(body["auth_token"]) > 20
    assert "owner_id" not in body["data"]


def test_api_auth_token_authenticates_later_requests(world, anon):
    key = world.accounts["C1"].api_key
    token = anon.put("/v2/api_auth", {"data": {"api_key": key}}).json()["auth_token"]
    response = anon.get(f"/v2/accounts/{world.id('C1')}", headers={"X-Auth-Token": token})
    assert response.status_code == 200
    assert response.json()["auth_token"] == token


def test_api_auth_unknown_key_returns_404_with_key_in_data(world, anon):
    key = "f" * 64
    response = anon.put("/v2/api_auth", {"data": {"api_key": key}})
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "404"
    assert body["data"] == [key]


def test_api_auth_wrong_length_key_is_a_validation_error(world, anon):
    response = anon.put("/v2/api_auth", {"data": {"api_key": "short"}})
    assert response.status_code == 400
    assert "minLength" in response.json()["data"]["api_key"]


def test_user_auth_with_md5_credentials_returns_owner(world, anon):
    credentials = md5("c1admin:c1admin-secret")
    response = anon.put(
        "/v2/user_auth", {"data": {"credentials": credentials, "account_name": "C1"}}
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["account_id"] == world.id("C1")
    assert data["owner_id"] == world.users["C1_admin"].id


def test_user_auth_with_sha1_and_realm(world, anon):
    credentials = hashlib.sha1(b"c1admin:c1admin-secret").hexdigest()
    response = anon.put(
        "/v2/user_auth",
        {"data": {"credentials": credentials, "account_realm": "c1.example.net", "method": "sha"}},
    )
    assert response.status_code == 201


def test_user_auth_wrong_password_returns_401(world, anon):
    credentials = md5("c1admin:wrong")
    response = anon.put(
        "/v2/user_auth", {"data": {"credentials": credentials, "account_name": "C1"}}
    )
    assert response.status_code == 401
    assert response.json()["message"] == "invalid_credentials"


def test_user_auth_unknown_account_name_answers_like_a_wrong_password(world, anon):
    unknown = anon.put(
        "/v2/user_auth", {"data": {"credentials": md5("a:b"), "account_name": "Nope"}}
    )
    wrong = anon.put("/v2/user_auth", {"data": {"credentials": md5("a:b"), "account_name": "C1"}})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["data"] == wrong.json()["data"]
    assert unknown.json()["message"] == wrong.json()["message"] == "invalid_credentials"


def test_user_auth_unknown_account_realm_is_401(world, anon):
    response = anon.put(
        "/v2/user_auth", {"data": {"credentials": md5("a:b"), "account_realm": "no.example"}}
    )
    assert response.status_code == 401


def test_user_auth_with_a_100000_character_account_name_is_400(world, anon):
    response = anon.put(
        "/v2/user_auth", {"data": {"credentials": md5("a:b"), "account_name": "x" * 100_000}}
    )
    assert response.status_code == 400
    assert "maxLength" in response.json()["data"]["account_name"]


def test_user_auth_credentials_of_another_account_fail(world, anon):
    credentials = md5("c1admin:c1admin-secret")
    response = anon.put(
        "/v2/user_auth", {"data": {"credentials": credentials, "account_name": "C2"}}
    )
    assert response.status_code == 401


def test_expired_token_returns_401_invalid_credentials(world):
    AuthToken.objects.filter(account=world.accounts["C1"]).update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    response = world.api("C1_admin").get(f"/v2/accounts/{world.id('C1')}")
    assert response.status_code == 401
    assert response.json()["message"] == "invalid credentials"
    assert response.json()["data"] == {}


def test_token_expires_after_auth_token_ttl(world, anon, settings):
    settings.AUTH_TOKEN_TTL = 120
    key = world.accounts["R"].api_key
    before = timezone.now()
    anon.put("/v2/api_auth", {"data": {"api_key": key}})
    token = AuthToken.objects.filter(account=world.accounts["R"]).latest("created")
    assert (
        before + timedelta(seconds=119) <= token.expires <= timezone.now() + timedelta(seconds=121)
    )


def test_delete_token_auth_revokes_the_token(world):
    api = world.api("C1_admin")
    assert api.delete("/v2/token_auth").status_code == 200
    response = api.get(f"/v2/accounts/{world.id('C1')}")
    assert response.status_code == 401


def test_missing_token_returns_401_with_kazoo_body(world, anon):
    response = anon.get(f"/v2/accounts/{world.id('C1')}")
    assert response.status_code == 401
    body = response.json()
    assert body == {
        **body,
        "status": "error",
        "error": "401",
        "message": "invalid_credentials",
        "data": {"message": "invalid credentials"},
    }


def test_bearer_authorization_header_is_accepted(world, anon):
    token = world.tokens["C1_admin"]
    response = anon.get(
        f"/v2/accounts/{world.id('C1')}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_tokens_and_api_keys_are_stored_only_as_digests(world):
    raw = world.tokens["C1_admin"]
    assert not AuthToken.objects.filter(digest=raw).exists()
    account = world.accounts["C1"]
    account.refresh_from_db()
    assert account.api_key not in (account.api_key_hash, account.api_key_salt)


def test_get_token_auth_describes_the_callers_token(world):
    data = world.api("C1_admin").get("/v2/token_auth").json()["data"]
    assert data["account_id"] == world.id("C1")
    assert data["owner_id"] == world.users["C1_admin"].id
    assert data["method"] == "user"


def test_get_token_auth_without_token_is_401(anon):
    assert anon.get("/v2/token_auth").status_code == 401
