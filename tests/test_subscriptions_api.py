"""A user's subscriptions (SPEC-channels §10): the API, its permissions, and the checks."""

import pytest

from preferences import services
from preferences.models import Subscription


def path(world, user: str) -> str:
    target = world.users[user]
    return f"/v2/accounts/{target.account_id}/users/{target.id}/subscriptions"


def rule(template_id="*", channel="*", subscribed=False) -> dict:
    return {"template_id": template_id, "channel": channel, "subscribed": subscribed}


def replace(world, principal: str, user: str, rules: list):
    return world.api(principal).post(path(world, user), {"data": rules})


def test_a_new_user_has_no_rules(world):
    response = world.api("C1_admin").get(path(world, "C1_user"))
    assert response.status_code == 200
    assert response.json()["data"] == []


def test_post_replaces_the_set_and_answers_200_with_it(world):
    replace(world, "C1_admin", "C1_user", [rule("voicemail_to_email", "sms")])
    rules = [rule(), rule("low_balance", "email", True)]
    response = replace(world, "C1_admin", "C1_user", rules)
    assert response.status_code == 200, response.content
    assert response.json()["data"] == rules  # "*" sorts first
    assert world.api("C1_admin").get(path(world, "C1_user")).json()["data"] == rules


def test_post_of_an_empty_array_clears_the_set(world):
    replace(world, "C1_admin", "C1_user", [rule()])
    response = replace(world, "C1_admin", "C1_user", [])
    assert response.json()["data"] == []
    assert not Subscription.objects.exists()


def test_an_unknown_template_id_is_n_template_id_not_found(world):
    response = replace(world, "C1_admin", "C1_user", [rule(), rule("no_such_template")])
    assert response.status_code == 400
    assert list(response.json()["data"]) == ["1.template_id"]
    assert "not_found" in response.json()["data"]["1.template_id"]


def test_an_unknown_channel_is_n_channel_not_found(world):
    response = replace(world, "C1_admin", "C1_user", [rule(channel="pigeon")])
    assert response.status_code == 400
    assert "not_found" in response.json()["data"]["0.channel"]


def test_a_channel_of_a_visible_gateway_is_known(world):
    from gateways import services as gateways

    gateways.create(
        world.accounts["R"],
        {"name": "Jabber", "kind": "vendor", "channel": "jabber", "settings": {"vendor": "fake"}},
    )
    response = replace(world, "C1_admin", "C1_user", [rule(channel="jabber")])
    assert response.status_code == 200, response.content


def test_an_account_defined_template_of_the_chain_is_known(world):
    """An override whose system template was deleted (SPEC §4.5) is still the chain's."""
    from notifications.models import NotificationTemplate

    NotificationTemplate.objects.create(
        account=world.accounts["R"], template_id="reseller_news", document={}
    )
    response = replace(world, "C1_admin", "C1_user", [rule("reseller_news")])
    assert response.status_code == 200, response.content


def test_a_template_of_another_tree_is_unknown(world):
    from notifications.models import NotificationTemplate

    NotificationTemplate.objects.create(
        account=world.accounts["R2"], template_id="r2_only", document={}
    )
    response = replace(world, "C1_admin", "C1_user", [rule("r2_only")])
    assert "not_found" in response.json()["data"]["0.template_id"]


def test_a_repeated_rule_is_n_unique(world):
    response = replace(world, "C1_admin", "C1_user", [rule(), rule(subscribed=True)])
    assert response.status_code == 400
    assert "unique" in response.json()["data"]["1"]


def test_a_missing_field_is_n_field_required(world):
    response = replace(world, "C1_admin", "C1_user", [{"template_id": "*", "channel": "*"}])
    assert response.status_code == 400
    assert "required" in response.json()["data"]["0.subscribed"]


def test_a_non_boolean_subscribed_is_n_subscribed_type(world):
    response = replace(world, "C1_admin", "C1_user", [rule(subscribed="no")])
    assert "type" in response.json()["data"]["0.subscribed"]


def test_data_that_is_not_an_array_is_data_type(world):
    response = world.api("C1_admin").post(path(world, "C1_user"), {"data": {"a": 1}})
    assert response.status_code == 400
    assert "type" in response.json()["data"]["data"]


def test_a_body_without_data_is_data_required(world):
    response = world.api("C1_admin").post(path(world, "C1_user"), {})
    assert response.status_code == 400
    assert "required" in response.json()["data"]["data"]


def test_a_user_of_another_account_is_a_404(world):
    target = world.users["C2_admin"]
    response = world.api("R_admin").get(
        f"/v2/accounts/{world.id('C1')}/users/{target.id}/subscriptions"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("principal", "user", "method", "expected"),
    [
        ("C1_user", "C1_user", "GET", 200),  # its own, even at priv_level user
        ("C1_user", "C1_user", "POST", 200),
        ("C1_user", "C1_admin", "GET", 403),  # another user's: no
        ("C1_user", "C1_admin", "POST", 403),
        ("C1_admin", "C1_user", "GET", 200),
        ("C1_admin", "C1_user", "POST", 200),
        ("R_admin", "C1_user", "POST", 200),  # an ancestor's admin
        ("R_key", "C1_user", "POST", 200),
        ("R_user", "C1_user", "GET", 403),  # an ancestor's plain user
        ("master_admin", "D_admin", "POST", 200),
        ("C2_admin", "C1_user", "GET", 403),  # a sibling's admin
        ("C2_admin", "C1_user", "POST", 403),
        ("C1_admin", "R_admin", "GET", 403),  # a descendant's admin
        ("D_admin", "C1_user", "GET", 403),  # another tenant
        ("D_admin", "C1_user", "POST", 403),
        (None, "C1_user", "GET", 401),
    ],
)
def test_subscription_permissions(world, principal, user, method, expected):
    api = world.api(principal)
    if method == "GET":
        response = api.get(path(world, user))
    else:
        response = api.post(path(world, user), {"data": [rule()]})
    assert response.status_code == expected, response.content


def test_another_tenant_cannot_read_a_users_subscriptions(world):
    replace(world, "C1_admin", "C1_user", [rule("low_balance", "sms")])
    response = world.api("D_admin").get(path(world, "C1_user"))
    assert response.status_code == 403
    assert "low_balance" not in response.content.decode()


# --- The send-path checks ----------------------------------------------------------------


def subscribed(world, rules, template_id="low_balance", channel="sms", **kw) -> bool:
    assert replace(world, "C1_admin", "C1_user", rules).status_code == 200
    return services.is_subscribed(world.users["C1_user"], template_id, channel, **kw)


def test_a_user_is_subscribed_by_default(world):
    assert services.is_subscribed(world.users["C1_user"], "low_balance", "sms")


def test_any_any_false_unsubscribes_from_everything(world):
    assert not subscribed(world, [rule()])


def test_any_channel_beats_any_any(world):
    assert subscribed(world, [rule(), rule(channel="sms", subscribed=True)])


def test_template_any_beats_any_channel(world):
    rules = [rule(channel="sms", subscribed=True), rule("low_balance", "*", False)]
    assert not subscribed(world, rules)


def test_template_channel_beats_template_any(world):
    rules = [rule("low_balance", "*", False), rule("low_balance", "sms", True)]
    assert subscribed(world, rules)


def test_a_rule_for_another_channel_does_not_apply(world):
    assert subscribed(world, [rule("low_balance", "email", False)])


def test_opt_out_allowed_false_ignores_subscriptions(world):
    assert subscribed(world, [rule()], "password_recovery", opt_out_allowed=False)


def test_the_batch_form_decides_many_users_in_one_query(world, django_assert_num_queries):
    replace(world, "C1_admin", "C1_user", [rule("low_balance", "sms", False)])
    replace(world, "C1_admin", "C1_admin", [rule(), rule("low_balance", "*", True)])
    users = [world.users["C1_user"], world.users["C1_admin"], world.users["C2_admin"]]
    with django_assert_num_queries(1):
        ids = services.subscribed_user_ids(users, "low_balance", "sms")
    assert ids == {world.users["C1_admin"].id, world.users["C2_admin"].id}


def test_the_batch_form_takes_user_ids(world):
    replace(world, "C1_admin", "C1_user", [rule()])
    ids = [world.users["C1_user"].id, world.users["C1_admin"].id]
    assert services.subscribed_user_ids(ids, "low_balance", "sms") == {ids[1]}


def test_more_than_1000_rules_is_data_max_items(world):
    rules = [rule(f"t{number}") for number in range(1001)]
    response = replace(world, "C1_admin", "C1_user", rules)
    assert response.status_code == 400
    assert "maxItems" in response.json()["data"]["data"]
