"""customer_update: who receives a reseller's broadcast, what they get, and what it reports."""

import base64

import pytest

from smtplog.models import SmtpLog
from tests.conftest import make_user


def path(world, account="R"):
    return f"/v2/accounts/{world.id(account)}/notifications/customer_update/message"


def broadcast(world, data, principal="R_admin", account="R"):
    return world.api(principal).post(path(world, account), {"data": data})


def received_by(sink, expected):
    messages = sink.wait_for(expected)
    return sorted(address for m in messages for address in m.rcpt_tos)


def email(world, user):
    return world.users[user].email


def test_default_reaches_admins_of_direct_children_only(live_world, mail_sink):
    world = live_world
    response = broadcast(world, {"subject": "Maintenance tonight"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["accounts"] == 2 and data["recipients"] == 2 and data["skipped"] == 0
    assert received_by(mail_sink, 2) == sorted([email(world, "C1_admin"), email(world, "C2_admin")])


def test_all_users_reaches_plain_users_too(live_world, mail_sink):
    world = live_world
    data = broadcast(world, {"user_type": "all_users"}).json()["data"]
    assert data["recipients"] == 3
    expected = [email(world, u) for u in ("C1_admin", "C1_user", "C2_admin")]
    assert received_by(mail_sink, 3) == sorted(expected)


def test_include_descendants_reaches_grandchildren(live_world, mail_sink):
    world = live_world
    data = broadcast(world, {"include_descendants": True}).json()["data"]
    assert data["accounts"] == 3
    expected = [email(world, u) for u in ("C1_admin", "C2_admin", "G_admin")]
    assert received_by(mail_sink, 3) == sorted(expected)


def test_recipient_id_targets_one_descendant_at_any_depth(live_world, mail_sink):
    world = live_world
    data = broadcast(world, {"recipient_id": world.id("G")}).json()["data"]
    assert data == {**data, "accounts": 1, "recipients": 1}
    assert received_by(mail_sink, 1) == [email(world, "G_admin")]


@pytest.mark.parametrize("target", ["D", "R2", "R", "bogus"])
def test_recipient_outside_the_tree_is_400_not_found(live_world, target):
    world = live_world
    recipient = world.id(target) if target in world.accounts else target
    response = broadcast(world, {"recipient_id": recipient})
    assert response.status_code == 400
    assert response.json()["data"]["recipient_id"]["not_found"]["cause"] == recipient


def test_user_type_with_a_user_id_reaches_that_user_only(live_world, mail_sink):
    world = live_world
    user = world.users["C1_user"]
    data = broadcast(world, {"user_type": user.id}).json()["data"]
    assert data["recipients"] == 1
    assert received_by(mail_sink, 1) == [user.email]


def test_user_type_naming_a_user_outside_the_targets_is_400(live_world):
    world = live_world
    response = broadcast(world, {"user_type": world.users["D_admin"].id})
    assert response.status_code == 400
    assert "not_found" in response.json()["data"]["user_type"]


def test_users_without_email_are_skipped_and_counted(live_world, mail_sink):
    world = live_world
    make_user(world.accounts["C2"], "noemail", "admin", email="")
    data = broadcast(world, {}).json()["data"]
    assert data["recipients"] == 2 and data["skipped"] == 1
    mail_sink.wait_for(2)
    assert SmtpLog.objects.filter(template_id="customer_update").count() == 2


def test_each_user_gets_exactly_one_personalised_email(live_world, mail_sink):
    world = live_world
    html = base64.b64encode(b"<p>Dear {{user.first_name}} of {{customer.name}}</p>").decode()
    broadcast(
        world,
        {
            "subject": "News for {{user.first_name}} from {{account.name}}",
            "html": html,
            "plain": "Hi {{user.first_name}} ({{customer.realm}})",
            "from": "news@r.example",
        },
    )
    messages = mail_sink.wait_for(2)
    by_rcpt = {m.rcpt_tos[0]: m.message for m in messages}
    c1 = by_rcpt[email(world, "C1_admin")]
    assert c1["Subject"] == "News for C1admin from R"
    assert c1["From"] == "news@r.example"
    assert "Dear C1admin of C1" in c1.get_body(("html",)).get_content()
    assert "Hi C1admin (c1.example.net)" in c1.get_body(("plain",)).get_content()
    assert all(len(m.rcpt_tos) == 1 for m in messages)


def test_logs_land_in_the_senders_log_and_match_the_counts(live_world, mail_sink):
    world = live_world
    data = broadcast(world, {"user_type": "all_users"}).json()["data"]
    mail_sink.wait_for(3)
    rows = SmtpLog.objects.filter(broadcast_id=data["broadcast_id"])
    assert rows.count() == data["recipients"]
    assert {row.account_id for row in rows} == {world.id("R")}
    assert {row.template_id for row in rows} == {"customer_update"}
    status = world.api("R_admin").get(path(world) + "/" + data["broadcast_id"]).json()["data"]
    assert status["status"]["sent"] == 3
    assert status["fanout_complete"] is True


def test_seed_style_text_plain_json_body_is_accepted(live_world, mail_sink):
    world = live_world
    response = world.api("R_admin").post(
        path(world), '{"data": {"subject": "Plain body"}}', content_type="text/plain"
    )
    assert response.status_code == 200
    mail_sink.wait_for(2)


def test_default_template_is_the_senders_effective_customer_update(live_world, mail_sink):
    world = live_world
    world.api("R_admin").put(
        f"/v2/accounts/{world.id('R')}/notifications",
        {
            "data": {
                "id": "customer_update",
                "from": "r@r.example",
                "subject": "R says hi",
                "to": {"type": "original"},
            }
        },
    )
    broadcast(world, {})
    messages = mail_sink.wait_for(2)
    assert {m.message["Subject"] for m in messages} == {"R says hi"}
    assert {m.message["From"] for m in messages} == {"r@r.example"}


@pytest.mark.parametrize("principal", ["R_user", "C1_user", "R2_admin", "D_admin", "C1_admin"])
def test_broadcast_is_refused_to_users_who_may_not_act_on_the_sender(live_world, principal):
    assert broadcast(live_world, {}, principal=principal).status_code == 403


def test_anonymous_broadcast_is_401(live_world, anon):
    assert anon.post(path(live_world), {"data": {}}).status_code == 401


def test_master_may_broadcast_for_a_reseller(live_world, mail_sink):
    assert broadcast(live_world, {}, principal="master_admin").status_code == 200
    mail_sink.wait_for(2)


def test_invalid_fields_are_field_level_errors(live_world):
    response = broadcast(live_world, {"from": "nope", "subject": "", "plain": "{{#x}}"})
    assert response.status_code == 400
    data = response.json()["data"]
    assert "wrong_format" in data["from"] and "minLength" in data["subject"]


def test_unknown_broadcast_id_is_404(live_world):
    response = live_world.api("R_admin").get(path(live_world) + "/" + "0" * 32)
    assert response.status_code == 404


def test_system_path_broadcast_is_superduper_only_and_sends_from_the_master(live_world, mail_sink):
    path_ = "/v2/notifications/customer_update/message"
    assert live_world.api("R_admin").post(path_, {"data": {}}).status_code == 403
    data = live_world.api("master_admin").post(path_, {"data": {}}).json()["data"]
    assert data["accounts"] == 2  # the master's direct children: R and R2
    mail_sink.wait_for(data["recipients"])
    assert set(
        SmtpLog.objects.filter(broadcast_id=data["broadcast_id"]).values_list(
            "account_id", flat=True
        )
    ) == {live_world.id("master")}
