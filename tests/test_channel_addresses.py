"""validate_address: the one per-channel address check shared by users, templates and sends."""

import pytest

from notifications.addresses import InvalidAddress, validate_address


@pytest.mark.parametrize(
    ("channel", "address"),
    [
        ("sms", "+14155552671"),
        ("sms", "+447911123456"),
        ("email", "ops@example.com"),
        ("internal", "0123456789abcdef0123456789abcdef"),
        ("jabber", "ops@xmpp.example.net"),
        ("slack_dm", "x"),
    ],
)
def test_valid_addresses_come_back_unchanged(channel, address):
    assert validate_address(channel, address) == address


@pytest.mark.parametrize(
    ("channel", "address"),
    [
        ("sms", "14155552671"),
        ("sms", "+04155552671"),
        ("sms", "+1415555267100000"),
        ("sms", "+15550001111"),
        ("sms", "+1 415 555 2671"),
        ("email", "not-an-email"),
        ("email", "a@b@c.io"),
        ("internal", "someone"),
        ("jabber", ""),
        ("jabber", "x" * 255),
        ("jabber", 42),
        ("Jabber", "x"),
    ],
)
def test_invalid_addresses_raise_with_a_reason(channel, address):
    with pytest.raises(InvalidAddress) as caught:
        validate_address(channel, address)
    assert str(caught.value)
    assert caught.value.channel == channel
