"""OAuth2 client credentials: token request, cache, refresh on 401 (SPEC-channels §4 OAuth2)."""

import json
import threading
import time
from urllib.parse import parse_qsl

import pytest

from gateways.ringotel import OAuthClient, OAuthError, TokenCache, build_request, token_request
from gateways.ringotel.oauth import parse_token

PROPS = {"Client ID": "cid", "Client Secret": "csecret"}


def definition(**oauth_changes):
    oauth = {
        "client_id": "$Client ID$",
        "client_secret": "$Client Secret$",
        "flow_type": {"default": "0"},
        "authorization_endpoint": "https://login.acme.test/authorize",
        "token_endpoint": "https://login.acme.test/token",
        "token_parameters": {"content_type": "application/x-www-form-urlencoded;charset=utf-8"},
        "request_auth": "Bearer",
    }
    oauth.update(oauth_changes)
    return {
        "properties": ["Client ID", "Client Secret"],
        "OAuth2": oauth,
        "API": {"SendMessage": {"request_url": "https://api.acme.test/send"}},
    }


class FakeTokenEndpoint:
    """Records calls; answers tokens tok-1, tok-2, … with the given lifetime."""

    def __init__(self, expires_in=3600, status=200, body=None):
        self.calls = []
        self.expires_in = expires_in
        self.status = status
        self.body = body
        self.lock = threading.Lock()

    def __call__(self, url, headers, body):
        with self.lock:
            self.calls.append((url, dict(headers), body))
            number = len(self.calls)
        if self.body is not None:
            return self.status, {}, self.body
        answer = {"access_token": f"tok-{number}", "token_type": "Bearer"}
        answer["expires_in"] = self.expires_in
        return self.status, {"Content-Type": "application/json"}, json.dumps(answer).encode()


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def client(post, cache=None, props=PROPS, defn=None, gateway="g1"):
    return OAuthClient(gateway, defn or definition(), props, post, cache or TokenCache(Clock()))


def test_token_request_is_form_encoded_by_default():
    defn = definition(token_parameters={})
    request = token_request(defn, PROPS)
    assert (request.method, request.url) == ("POST", "https://login.acme.test/token")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(request.body.decode())) == {
        "grant_type": "client_credentials",
        "client_id": "cid",
        "client_secret": "csecret",
    }


def test_token_request_keeps_declared_content_type():
    request = token_request(definition(), PROPS)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded;charset=utf-8"
    assert dict(parse_qsl(request.body.decode()))["grant_type"] == "client_credentials"


def test_token_request_json_when_declared():
    defn = definition(token_parameters={"content_type": "application/json"})
    body = json.loads(token_request(defn, PROPS).body)
    assert body == {
        "grant_type": "client_credentials",
        "client_id": "cid",
        "client_secret": "csecret",
    }


def test_refresh_token_property_is_sent():
    request = token_request(definition(), {**PROPS, "Refresh Token": "r1"})
    assert dict(parse_qsl(request.body.decode()))["refresh_token"] == "r1"


def test_empty_refresh_token_property_is_not_sent():
    request = token_request(definition(), {**PROPS, "Refresh Token": ""})
    assert "refresh_token" not in dict(parse_qsl(request.body.decode()))


def test_token_request_without_oauth_section_raises():
    with pytest.raises(OAuthError):
        token_request({"API": {}}, PROPS)


def test_parse_token_expiry_is_expires_in_minus_30s():
    token = parse_token(200, b'{"access_token":"t","expires_in":120}', now=1000.0)
    assert (token.access_token, token.expires_at) == ("t", 1090.0)


def test_parse_token_refused():
    with pytest.raises(OAuthError) as raised:
        parse_token(401, b'{"error":"invalid_client"}', now=0)
    assert raised.value.http_status == 401
    assert raised.value.permanent
    assert "invalid_client" in str(raised.value)


def test_parse_token_without_access_token():
    for body in (b"", b"not json", b"[]", b'{"access_token":""}', b'{"access_token":5}'):
        with pytest.raises(OAuthError):
            parse_token(200, body, now=0)


def test_parse_token_5xx_is_not_permanent():
    with pytest.raises(OAuthError) as raised:
        parse_token(503, b"busy", now=0)
    assert not raised.value.permanent


def test_header_is_bearer_by_default():
    post = FakeTokenEndpoint()
    assert client(post, defn=definition(request_auth=None)).header() == "Bearer tok-1"


def test_header_uses_request_auth_scheme():
    assert client(FakeTokenEndpoint(), defn=definition(request_auth="OAuth")).header() == (
        "OAuth tok-1"
    )


def test_token_is_cached():
    post = FakeTokenEndpoint()
    oauth = client(post)
    assert oauth.header() == oauth.header() == "Bearer tok-1"
    assert len(post.calls) == 1


def test_cache_is_shared_by_gateway_and_client_id():
    post, cache = FakeTokenEndpoint(), TokenCache(Clock())
    client(post, cache).header()
    assert client(post, cache).header() == "Bearer tok-1"
    assert client(post, cache, gateway="g2").header() == "Bearer tok-2"
    other = {**PROPS, "Client ID": "other"}
    assert client(post, cache, props=other).header() == "Bearer tok-3"


def test_token_expires_30s_before_expires_in():
    clock = Clock()
    post = FakeTokenEndpoint(expires_in=100)
    oauth = client(post, TokenCache(clock))
    oauth.header()
    clock.now += 69
    assert oauth.header() == "Bearer tok-1"
    clock.now += 1
    assert oauth.header() == "Bearer tok-2"


def test_invalidate_fetches_a_new_token_once():
    post = FakeTokenEndpoint()
    oauth = client(post)
    assert oauth.header() == "Bearer tok-1"
    oauth.invalidate()
    assert oauth.header() == "Bearer tok-2"
    assert oauth.header() == "Bearer tok-2"
    assert len(post.calls) == 2


def test_invalidate_of_a_stale_token_keeps_a_fresher_one():
    post, cache = FakeTokenEndpoint(), TokenCache(Clock())
    first, second = client(post, cache), client(post, cache)
    first.header()
    second.header()
    first.invalidate()
    assert first.header() == "Bearer tok-2"
    second.invalidate()  # its 401 was on tok-1; tok-2 stays
    assert second.header() == "Bearer tok-2"
    assert len(post.calls) == 2


def test_refused_token_raises_and_caches_nothing():
    post = FakeTokenEndpoint(status=401, body=b'{"error":"invalid_client"}')
    oauth = client(post)
    with pytest.raises(OAuthError):
        oauth.header()
    with pytest.raises(OAuthError):
        oauth.header()
    assert len(post.calls) == 2


def test_token_request_uses_the_substituted_endpoint_and_secret():
    post = FakeTokenEndpoint()
    client(post).header()
    url, _headers, body = post.calls[0]
    assert url == "https://login.acme.test/token"
    assert dict(parse_qsl(body.decode()))["client_secret"] == "csecret"


def test_concurrent_senders_fetch_one_token():
    def slow_post(url, headers, body):
        time.sleep(0.05)
        return endpoint(url, headers, body)

    endpoint, cache = FakeTokenEndpoint(), TokenCache()
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(client(slow_post, cache).header()))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["Bearer tok-1"] * 8
    assert len(endpoint.calls) == 1


def test_refresh_once_and_repeat_flow_with_build_request():
    """The wrapper's 401 path: invalidate, rebuild with a new header, repeat once."""
    post = FakeTokenEndpoint()
    oauth = client(post)
    variables = {"to": "+1", "delivery_id": "d1"}
    first = build_request(definition(), "SendMessage", variables, PROPS, oauth.header())
    oauth.invalidate()  # the API answered 401
    second = build_request(definition(), "SendMessage", variables, PROPS, oauth.header())
    assert first.headers["Authorization"] == "Bearer tok-1"
    assert second.headers["Authorization"] == "Bearer tok-2"
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] == "d1"


def test_parse_token_lifetime_is_clamped():
    assert parse_token(200, b'{"access_token":"t","expires_in":"soon"}', now=0).expires_at == 3570
    assert parse_token(200, b'{"access_token":"t","expires_in":1e300}', now=0).expires_at == 86370
    assert parse_token(200, b'{"access_token":"t","expires_in":-5}', now=0).expires_at == -30


def test_short_lived_token_is_still_used_once():
    post = FakeTokenEndpoint(expires_in=10)
    oauth = client(post)
    assert oauth.header() == "Bearer tok-1"
    assert oauth.header() == "Bearer tok-2"


def test_forget_gateway_drops_its_tokens_only():
    post, cache = FakeTokenEndpoint(), TokenCache(Clock())
    client(post, cache).header()
    client(post, cache, gateway="g2").header()
    cache.forget_gateway("g1")
    assert client(post, cache).header() == "Bearer tok-3"
    assert client(post, cache, gateway="g2").header() == "Bearer tok-2"
