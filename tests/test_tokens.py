"""Tokens are Kazoo's signed JWTs, stored only as digests, and die with their credentials.

Monster UI decodes the token's payload itself (``monster.util.jwt_decode``, reached from
``getFeatureSet`` in ``src/js/lib/monster.js``), so a token must be a JWT whose claims
carry ``account_id`` (and ``owner_id`` for users). ``/v2/auth/tokeninfo`` answers those
claims; Monster POSTs it on start-up (``getAuth`` in ``src/apps/auth/app.js``).
"""

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuthToken

pytestmark = pytest.mark.django_db


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def login(anon, username: str, account_name: str) -> str:
    credentials = md5(f"{username}:{username}-secret")
    response = anon.put(
        "/v2/user_auth", {"data": {"credentials": credentials, "account_name": account_name}}
    )
    assert response.status_code == 201, response.content
    return response.json()["auth_token"]


def payload_of(token: str) -> dict:
    """Decode the claims the way a client does: no key, just base64url of the middle part."""
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_a_login_token_is_a_jwt_with_the_claims_monster_reads(world, anon):
    token = login(anon, "c1admin", "C1")
    header, _, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "=="))["alg"] == "HS256"
    assert signature
    claims = payload_of(token)
    assert claims["account_id"] == world.id("C1")
    assert claims["owner_id"] == world.users["C1_admin"].id
    assert claims["method"] == "cb_user_auth"
    assert claims["exp"] - claims["iat"] == 3600


def test_an_api_key_token_is_a_jwt_without_owner(world, anon):
    key = world.accounts["R"].api_key
    token = anon.put("/v2/api_auth", {"data": {"api_key": key}}).json()["auth_token"]
    claims = payload_of(token)
    assert claims["account_id"] == world.id("R")
    assert claims["method"] == "cb_api_auth"
    assert "owner_id" not in claims


def test_only_a_digest_of_the_whole_token_is_stored(world, anon):
    token = login(anon, "c1admin", "C1")
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert AuthToken.objects.filter(digest=digest).exists()
    stored = json.dumps(list(AuthToken.objects.values()), default=str)
    assert token not in stored and token.split(".")[2] not in stored


def test_a_forged_signature_is_refused(world, anon):
    token = login(anon, "c1admin", "C1")
    header, claims, _ = token.split(".")
    response = anon.get("/v2/auth/tokeninfo", headers={"X-Auth-Token": f"{header}.{claims}.x"})
    assert response.status_code == 401


def test_tokeninfo_by_post_answers_what_monster_resumes_a_session_with(world, anon):
    token = login(anon, "c1admin", "C1")
    response = anon.post("/v2/auth/tokeninfo", {"data": {"token": token}})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["account_id"] == world.id("C1")
    assert data["owner_id"] == world.users["C1_admin"].id
    assert data["reseller_id"] == world.id("R")
    assert data["is_reseller"] is False
    assert data["language"] == "en-us"
    assert data["method"] == "cb_user_auth"
    assert {"iat", "exp"} <= data.keys()


def test_tokeninfo_by_get_takes_the_query_or_the_callers_token(world, anon):
    token = login(anon, "radmin", "R")
    by_query = anon.get(f"/v2/auth/tokeninfo?token={token}")
    by_header = anon.get("/v2/auth/tokeninfo", headers={"X-Auth-Token": token})
    assert by_query.status_code == by_header.status_code == 200
    assert by_query.json()["data"]["account_id"] == world.id("R")
    assert by_header.json()["data"]["is_reseller"] is True


def test_tokeninfo_refuses_a_revoked_token(world, anon):
    token = login(anon, "c1admin", "C1")
    anon.delete("/v2/token_auth", headers={"X-Auth-Token": token})
    response = anon.post("/v2/auth/tokeninfo", {"data": {"token": token}})
    assert response.status_code == 401


def test_tokeninfo_refuses_an_expired_token(world, anon):
    token = login(anon, "c1admin", "C1")
    AuthToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert anon.post("/v2/auth/tokeninfo", {"data": {"token": token}}).status_code == 401
    assert anon.get(f"/v2/auth/tokeninfo?token={token}").status_code == 401


def test_tokeninfo_without_a_token_is_401(world, anon):
    assert anon.get("/v2/auth/tokeninfo").status_code == 401
    assert anon.post("/v2/auth/tokeninfo", {"data": {"token": "nonsense"}}).status_code == 401


# Finding 7 of issue 9: tokens outlive what they stand for.


def test_a_password_change_revokes_the_users_tokens(world, anon):
    token = login(anon, "c1user", "C1")
    user = world.users["C1_user"]
    admin = world.api("C1_admin")
    url = f"/v2/accounts/{world.id('C1')}/users/{user.id}"
    assert admin.post(url, {"data": {"password": "a-new-secret"}}).status_code == 200
    response = anon.get(f"/v2/accounts/{world.id('C1')}", headers={"X-Auth-Token": token})
    assert response.status_code == 401
    assert admin.get(url).status_code == 200  # other users' tokens live on


def test_a_password_change_by_the_user_revokes_the_token_it_used_too(world):
    user = world.users["C1_admin"]
    api = world.api("C1_admin")
    url = f"/v2/accounts/{world.id('C1')}/users/{user.id}"
    assert api.post(url, {"data": {"password": "another-secret"}}).status_code == 200
    assert api.get(url).status_code == 401


def test_disabling_a_user_revokes_its_tokens_even_after_re_enabling(world, anon):
    token = login(anon, "c1user", "C1")
    user = world.users["C1_user"]
    admin = world.api("C1_admin")
    url = f"/v2/accounts/{world.id('C1')}/users/{user.id}"
    admin.post(url, {"data": {"enabled": False}})
    admin.post(url, {"data": {"enabled": True}})
    response = anon.get(f"/v2/accounts/{world.id('C1')}", headers={"X-Auth-Token": token})
    assert response.status_code == 401


def test_deleting_a_user_revokes_its_tokens(world, anon):
    token = login(anon, "c1user", "C1")
    user = world.users["C1_user"]
    admin = world.api("C1_admin")
    assert admin.delete(f"/v2/accounts/{world.id('C1')}/users/{user.id}").status_code == 200
    response = anon.get(f"/v2/accounts/{world.id('C1')}", headers={"X-Auth-Token": token})
    assert response.status_code == 401


def _disable(world, name: str, enabled: bool = False) -> None:
    response = world.api("R_admin").post(
        f"/v2/accounts/{world.id(name)}", {"data": {"enabled": enabled}}
    )
    assert response.status_code == 200


def test_disabling_an_account_refuses_its_descendants_tokens(world):
    _disable(world, "C1")
    g = world.api("G_admin").get(f"/v2/accounts/{world.id('G')}")
    assert g.status_code == 401
    assert world.api("C1_admin").get(f"/v2/accounts/{world.id('C1')}").status_code == 401
    assert world.api("C2_admin").get(f"/v2/accounts/{world.id('C2')}").status_code == 200


def test_disabling_an_account_refuses_its_descendants_api_key_tokens(world, anon):
    key = world.accounts["G"].api_key
    token = anon.put("/v2/api_auth", {"data": {"api_key": key}}).json()["auth_token"]
    _disable(world, "C1")
    response = anon.get(f"/v2/accounts/{world.id('G')}", headers={"X-Auth-Token": token})
    assert response.status_code == 401


def test_a_disabled_accounts_subtree_cannot_log_in_until_re_enabled(world, anon):
    _disable(world, "C1")
    credentials = md5("gadmin:gadmin-secret")
    refused = anon.put("/v2/user_auth", {"data": {"credentials": credentials, "account_name": "G"}})
    assert refused.status_code == 400
    key = world.accounts["G"].api_key
    assert anon.put("/v2/api_auth", {"data": {"api_key": key}}).status_code == 404
    _disable(world, "C1", enabled=True)
    assert login(anon, "gadmin", "G")
    assert anon.put("/v2/api_auth", {"data": {"api_key": key}}).status_code == 201


def test_re_enabling_an_account_does_not_revive_old_tokens(world):
    _disable(world, "C1")
    _disable(world, "C1", enabled=True)
    assert world.api("G_admin").get(f"/v2/accounts/{world.id('G')}").status_code == 401
