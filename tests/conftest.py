"""A readable world and authenticated HTTP clients.

master (superduper) → reseller R → customers C1, C2 → C1's sub-account G;
a second reseller R2 with customer D is the outsider. Each account has an admin user
(and R and C1 a plain user); every principal gets a real token.
"""

import json
from dataclasses import dataclass, field

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from accounts import services
from accounts.models import Account, AuthToken, User

# No timing assertions: property tests must not fail because the machine is busy.
hypothesis_settings.register_profile("no-deadline", deadline=None)
hypothesis_settings.load_profile("no-deadline")


class Api:
    """A Kazoo client over Django's test client: JSON envelopes in, parsed JSON out."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        merged = {"HTTP_X_AUTH_TOKEN": self.token} if self.token else {}
        for key, value in (headers or {}).items():
            merged["HTTP_" + key.upper().replace("-", "_")] = value
        return merged

    def request(self, method, path, data=None, *, content_type="application/json", **kw):
        headers = self._headers(kw.pop("headers", None))
        body = data
        if data is not None and not isinstance(data, (str, bytes)):
            body = json.dumps(data)
        call = getattr(self.client, method.lower())
        if body is None:
            return call(path, **headers, **kw)
        # Django's client drops Content-Type for an empty body; real clients do not.
        headers.setdefault("CONTENT_TYPE", content_type)
        return call(path, body, content_type=content_type, **headers, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def put(self, path, data=None, **kw):
        return self.request("PUT", path, data, **kw)

    def post(self, path, data=None, **kw):
        return self.request("POST", path, data, **kw)

    def delete(self, path, data=None, **kw):
        return self.request("DELETE", path, data, **kw)


@dataclass
class World:
    accounts: dict[str, Account] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, principal: str | None) -> Api:
        return Api(self.tokens[principal] if principal else None)

    def id(self, name: str) -> str:
        return self.accounts[name].id


def make_account(name: str, parent: Account | None, *, reseller=False, master=False) -> Account:
    account = services.create_account(
        parent, {"name": name, "realm": f"{name.lower()}.example.net"}, is_master=master
    )
    if reseller:
        account.is_reseller = True
        account.save()
    return account


def make_user(account: Account, username: str, priv_level: str, email: str | None = None):
    return services.save_user(
        account,
        {
            "username": username,
            "password": f"{username}-secret",
            "first_name": username.capitalize(),
            "last_name": account.name,
            "email": email if email is not None else f"{username}@{account.realm}",
            "priv_level": priv_level,
        },
    )


def build_world() -> World:
    world = World()
    a = world.accounts
    a["master"] = make_account("Master", None, master=True)
    a["R"] = make_account("R", a["master"], reseller=True)
    a["C1"] = make_account("C1", a["R"])
    a["C2"] = make_account("C2", a["R"])
    a["G"] = make_account("G", a["C1"])
    a["R2"] = make_account("R2", a["master"], reseller=True)
    a["D"] = make_account("D", a["R2"])
    for name in ("master", "R", "C1", "C2", "G", "R2", "D"):
        world.users[f"{name}_admin"] = make_user(a[name], f"{name.lower()}admin", "admin")
    world.users["R_user"] = make_user(a["R"], "ruser", "user")
    world.users["C1_user"] = make_user(a["C1"], "c1user", "user")
    for key, user in world.users.items():
        world.tokens[key] = AuthToken.issue(user.account, user, AuthToken.CREDENTIALS)[1]
    world.tokens["master_key"] = AuthToken.issue(a["master"], None, AuthToken.API_KEY)[1]
    world.tokens["R_key"] = AuthToken.issue(a["R"], None, AuthToken.API_KEY)[1]
    return world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def anon() -> Api:
    return Api()


@pytest.fixture
def mail_sink(settings):
    """A real SMTP server on a free port; delivery is pointed at it."""
    from smtplog.sink import MailSink

    with MailSink() as sink:
        settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
        yield sink


@pytest.fixture
def live_world(transactional_db) -> World:
    """The world in committed transactions, so on-commit delivery actually runs."""
    return build_world()


@pytest.fixture(autouse=True)
def _closed_breakers():
    """Each test starts with every transport's circuit breaker closed."""
    from deliveries import breaker

    breaker.reset_all()
    yield
    breaker.reset_all()
