"""Shared bits of the gateway tests: paths and minimal valid documents."""

FAKE_SMS = {"name": "Fake SMS", "kind": "vendor", "settings": {"vendor": "fake"}}


def gateways_path(account_id: str | None = None) -> str:
    return f"/v2/accounts/{account_id}/gateways" if account_id else "/v2/gateways"


def webhook_gateway(url: str, token: str | None = None, **extra) -> dict:
    config = {"url": url, **({"token": token} if token else {})}
    return {
        "name": extra.pop("name", "Hook"),
        "kind": "vendor",
        "channel": extra.pop("channel", "sms"),
        "settings": {"vendor": "webhook", "config": config},
        **extra,
    }


def smtp_gateway(host: str, port: int, **settings) -> dict:
    return {
        "name": "Relay",
        "kind": "smtp",
        "settings": {"host": host, "port": port, **settings},
    }


def create(api, account_id: str | None, document: dict) -> dict:
    response = api.put(gateways_path(account_id), {"data": document})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def errors(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["data"]
