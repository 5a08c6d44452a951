"""Which gateway a send takes: A, its ancestors up to its reseller, then the system (§2)."""

from gateways.selection import select_gateway
from tests.gateways_helpers import FAKE_SMS, create, gateways_path


def gw(world, owner, **fields):
    principal = "master_key" if owner is None else f"{owner}_admin"
    account_id = None if owner is None else world.id(owner)
    return create(world.api(principal), account_id, {**FAKE_SMS, **fields})["id"]


def selected(world, account, channel="sms", pin=None):
    found = select_gateway(world.accounts[account], channel, pin)
    return found.id if found else None


def test_no_gateway_anywhere_selects_nothing(world):
    assert selected(world, "C1") is None


def test_own_gateway_wins_over_an_ancestors(world):
    gw(world, "R")
    own = gw(world, "C1")
    assert selected(world, "C1") == own


def test_ancestors_gateway_is_inherited(world):
    inherited = gw(world, "R")
    assert selected(world, "G") == inherited


def test_ancestors_gateway_with_inherit_false_is_skipped_for_the_next_level(world):
    gw(world, "R", inherit=False)
    system = gw(world, None)
    assert selected(world, "C1") == system
    assert selected(world, "R") != system  # its own gateway, inherit or not


def test_default_wins_within_a_level_else_the_oldest(world):
    oldest = gw(world, "R", name="first")
    gw(world, "R", name="second")
    assert selected(world, "C1") == oldest
    chosen = gw(world, "R", name="third", default=True)
    assert selected(world, "C1") == chosen


def test_channel_must_match(world):
    gw(world, "R", channel="email")
    assert selected(world, "C1", "sms") is None


def test_disabled_and_deleted_gateways_are_not_selected(world):
    gw(world, "C1", enabled=False)
    deleted = gw(world, "C1", name="gone")
    world.api("C1_admin").delete(f"{gateways_path(world.id('C1'))}/{deleted}")
    assert selected(world, "C1") is None


def test_chain_stops_at_the_reseller(world):
    gw(world, "master")
    assert selected(world, "C1") is None
    assert selected(world, "R") is not None  # R's chain is R, then the master


def test_pin_to_a_visible_gateway_on_any_level(world):
    gw(world, "C1")
    pinned = gw(world, "R", name="pinned")
    assert selected(world, "C1", pin=pinned) == pinned


def test_pin_to_another_resellers_gateway_is_unavailable(world):
    foreign = gw(world, "R2")
    assert selected(world, "C1", pin=foreign) is None


def test_pin_to_a_sibling_customers_gateway_is_unavailable(world):
    sibling = gw(world, "C2")
    assert selected(world, "C1", pin=sibling) is None


def test_pin_to_a_gateway_of_another_channel_is_unavailable(world):
    email = gw(world, "C1", channel="email")
    assert selected(world, "C1", "sms", pin=email) is None


def test_pin_to_a_non_inheritable_ancestor_gateway_is_unavailable(world):
    hidden = gw(world, "R", inherit=False)
    assert selected(world, "C1", pin=hidden) is None
