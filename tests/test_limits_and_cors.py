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


# --- the real client address and the login limit (issue 9, finding 4) -------------------

WRONG = {"data": {"credentials": "0" * 32, "account_name": "C1"}}


def login(anon, body=WRONG, **meta):
    return anon.client.put("/v2/user_auth", body, content_type="application/json", **meta)


@pytest.fixture
def login_limit(monkeypatch):
    from config.throttling import LoginRateThrottle

    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {"login": "3/minute"})
    monkeypatch.setattr(AuthRateThrottle, "THROTTLE_RATES", {"auth": "1000/minute"})


def test_forged_x_forwarded_for_does_not_escape_the_login_limit(world, anon, login_limit):
    statuses = [login(anon, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(world, anon, login_limit, settings):
    import ipaddress

    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.0/8")]
    proxied = [
        login(anon, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 127.0.0.2").status_code for i in range(5)
    ]
    assert proxied == [401] * 5  # five different clients behind our proxy


def test_client_behind_a_trusted_proxy_is_limited_on_its_own_address(
    world, anon, login_limit, settings
):
    import ipaddress

    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    statuses = [
        login(anon, HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 203.0.113.7").status_code for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]  # the hop our proxy saw, not what the client wrote


def test_login_flood_from_one_address_does_not_lock_the_account_elsewhere(world, anon, login_limit):
    for _ in range(4):
        login(anon, REMOTE_ADDR="203.0.113.66")
    assert login(anon, REMOTE_ADDR="203.0.113.66").status_code == 429
    assert login(anon, REMOTE_ADDR="192.0.2.10").status_code == 401


def test_login_flood_on_one_account_leaves_other_accounts_usable(world, anon, login_limit):
    for _ in range(4):
        login(anon)
    other = {"data": {"credentials": "0" * 32, "account_name": "C2"}}
    assert login(anon, other).status_code == 401


@pytest.mark.parametrize("path", ["/v2/api_auth", "/v2/user_auth"])
def test_every_429_carries_retry_after(world, anon, monkeypatch, path):
    monkeypatch.setattr(AuthRateThrottle, "THROTTLE_RATES", {"auth": "1/minute"})
    anon.put(path, WRONG)
    response = anon.put(path, WRONG)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
