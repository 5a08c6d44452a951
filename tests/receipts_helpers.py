"""Shared bits of the receipt tests: sending a real row through a gateway, posting receipts."""

from __future__ import annotations

from gateways.models import Gateway
from notifications.channel_rows import new_channel_row
from smtplog.models import SmtpLog
from tests.conftest import Api

PHONE = "+14155550100"


def hook_path(gateway: dict | Gateway) -> str:
    """The webhook path of a gateway document (or model)."""
    if isinstance(gateway, Gateway):
        return f"/v2/webhooks/{gateway.pk}/{gateway.hook_token}"
    return "/v2/webhooks/" + gateway["webhook_url"].split("/v2/webhooks/", 1)[1]


def new_row(gateway_id: str, account, text: str = "hello", to: str = PHONE, **extra) -> SmtpLog:
    gateway = Gateway.objects.get(pk=gateway_id)
    return new_channel_row(
        account,
        "receipt_test",
        channel=gateway.channel,
        to=to,
        subject="",
        body={"text/x-sms": text},
        macros={},
        gateway=gateway,
        **extra,
    )


def receipt(provider_id: str, status: str = "delivered", **fields) -> dict:
    return {"type": "status", "id": provider_id, "status": status, **fields}


def post(gateway: dict | Gateway, body, api: Api | None = None, **kw) -> list[dict]:
    """Post a webhook and answer its per-event results (asserting the 200)."""
    response = (api or Api()).post(hook_path(gateway), body, **kw)
    assert response.status_code == 200, response.content
    return response.json()["data"]["results"]
