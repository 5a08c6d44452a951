"""Addresses the API accepts are addresses delivery can send to (issue 9, finding 8).

Validation and delivery share one rule (``smtplog.addresses.is_deliverable``): what the
API refuses is answered with a field-level 400, what it accepts is delivered.
"""

import pytest

from smtplog.models import SmtpLog
from tests.test_delivery import VM, send_path

UNDELIVERABLE = [
    '"a,x@evil.test"@c2.test',
    '"a b"@c2.test',
    "a@[127.0.0.1]",
    "a@[IPv6:::1]",
    "ü@c2.test",
    "Name <a@c2.test>",
]


def template(**fields):
    return {
        "id": VM,
        "from": "noc@reseller.example",
        "subject": "Hi",
        "to": {"type": "specified", "email_addresses": ["a@x.example"]},
        **fields,
    }


@pytest.mark.parametrize("address", UNDELIVERABLE)
def test_undeliverable_from_is_a_field_level_400(world, address):
    path = f"/v2/accounts/{world.id('C1')}/notifications"
    response = world.api("C1_admin").put(path, {"data": template(**{"from": address})})
    assert response.status_code == 400
    assert "wrong_format" in response.json()["data"]["from"]


@pytest.mark.parametrize("address", UNDELIVERABLE)
def test_undeliverable_recipient_is_a_field_level_400(world, address):
    path = f"/v2/accounts/{world.id('C1')}/notifications/{VM}"
    body = template(to={"type": "specified", "email_addresses": [address]})
    response = world.api("C1_admin").post(path, {"data": body})
    assert response.status_code == 400
    assert "wrong_format" in response.json()["data"]["to.email_addresses.0"]


@pytest.mark.parametrize("address", UNDELIVERABLE)
def test_undeliverable_send_address_is_a_field_level_400(world, address):
    response = world.api("C1_admin").post(
        send_path(world), {"data": {"to": {"email_addresses": [address]}}}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("address", UNDELIVERABLE)
def test_undeliverable_customer_update_from_is_400(world, address):
    path = f"/v2/accounts/{world.id('R')}/notifications/customer_update/message"
    response = world.api("R_admin").post(path, {"data": {"from": address}})
    assert response.status_code == 400
    assert "wrong_format" in response.json()["data"]["from"]


def test_international_domain_in_from_is_delivered(live_world, mail_sink):
    world = live_world
    path = f"/v2/accounts/{world.id('C1')}/notifications"
    created = world.api("C1_admin").put(path, {"data": template(**{"from": "noc@bücher.example"})})
    assert created.status_code == 201
    response = world.api("C1_admin").post(send_path(world), {"data": {}})
    assert response.status_code == 202
    (received,) = mail_sink.wait_for(1)
    assert received.message["From"] == "noc@xn--bcher-kva.example"
    assert received.message["Message-ID"].endswith("@xn--bcher-kva.example>")
    row = SmtpLog.objects.get(pk=response.json()["data"]["log_ids"][0])
    assert row.status == "sent"
