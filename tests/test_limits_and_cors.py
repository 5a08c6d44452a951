"""Rate limits (Kazoo's 429 body) and CORS for browser-based editors."""

import pytest
from django.core.cache import cache

from config.throttling import AuthRateThrottle, TokenRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def test_auth_endpoints_are_limited_per_ip(world, anon, monkeypatch):
    monkeypatch.setattr(AuthRateThrottle, "THROTTLE_RATES", {"auth": "3/minute"})
    body = {"data": {"api_key": "f" * 64}}
    statuses = [anon.put("/v2/api_auth", body).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    response = anon.put("/v2/user_auth", {"data": {"credentials": "x", "account_name": "R"}})
    assert response.status_code == 429
    assert response.json()["message"] == "too_many_requests"
    assert response.json()["data"] == {"message": "too many requests"}
    assert int(response["Retry-After"]) > 0


def test_tokens_are_limited_each_on_their_own(world, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "2/minute"})
    path = f"/v2/accounts/{world.id('C1')}"
    api = world.api("C1_admin")
    assert [api.get(path).status_code for _ in range(3)] == [200, 200, 429]
    assert world.api("R_admin").get(path).status_code == 200


CORS_ORIGIN = "https://editor.example.com"


@pytest.fixture
def cors(settings):
    settings.CORS_ALLOWED_ORIGINS = [CORS_ORIGIN]


def test_preflight_allows_token_and_content_type_headers(world, anon, cors):
    response = anon.client.options(
        f"/v2/accounts/{world.id('C1')}/notifications/voicemail_to_email",
        HTTP_ORIGIN=CORS_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-auth-token, content-type",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == CORS_ORIGIN
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "x-auth-token" in allowed and "content-type" in allowed
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_browser_editor_reads_a_body_cross_origin(world, cors):
    response = world.api("R_admin").get(
        f"/v2/accounts/{world.id('R')}/notifications/voicemail_to_email",
        headers={"Origin": CORS_ORIGIN, "Accept": "text/html"},
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == CORS_ORIGIN
    assert "content-disposition" in response["Access-Control-Expose-Headers"].lower()


def test_unlisted_origins_get_no_cors_headers(world, cors):
    response = world.api("R_admin").get(
        f"/v2/accounts/{world.id('R')}", headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in response
