"""Who a request comes from: X-Forwarded-For only from trusted proxies, read from the right."""

import pytest

from commonsgraph.config import Settings
from commonsgraph.errors import ConfigError
from commonsgraph.web.clients import TrustedProxies, client_of

PROXIES = TrustedProxies(["10.0.0.1", "192.168.0.0/16", "fd00::/8"])


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        (["203.0.113.7"], "203.0.113.7"),
        # a client that writes its own header is answered by the hop the proxy appended
        (["1.1.1.1, 203.0.113.7"], "203.0.113.7"),
        (["1.1.1.1", "203.0.113.7"], "203.0.113.7"),  # one header per proxy
        # proxies in a chain are skipped, from the right
        (["203.0.113.7, 192.168.4.4, 10.0.0.1"], "203.0.113.7"),
        (["203.0.113.7:5123"], "203.0.113.7"),
        (["[2001:db8::7]:443"], "2001:db8::7"),
        (["192.168.1.1, 10.0.0.1"], "192.168.1.1"),  # all trusted: the left-most
        ([""], "10.0.0.1"),  # nothing forwarded: the proxy itself
        (["unknown"], "unknown"),
    ],
)
def test_the_client_is_the_rightmost_untrusted_hop(forwarded_for: list[str], client: str) -> None:
    assert PROXIES.client("10.0.0.1", forwarded_for) == client


def test_trust_is_by_address_and_network() -> None:
    assert PROXIES.trusts("10.0.0.1")
    assert PROXIES.trusts("192.168.200.3")
    assert PROXIES.trusts("fd12::1")
    assert not PROXIES.trusts("10.0.0.2")
    assert not PROXIES.trusts("not an address")


@pytest.mark.parametrize(
    ("peer", "client"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # a host holds a whole /64
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        (None, "unknown"),
    ],
)
def test_clients_are_counted_by_address_and_ipv6_by_its_64(peer: str | None, client: str) -> None:
    scope = {"type": "http", "client": None if peer is None else (peer, 1234)}
    assert client_of(scope) == client


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    settings = Settings.from_env({"COMMONSGRAPH_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8 ::1"})
    assert settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    with pytest.raises(ConfigError, match="COMMONSGRAPH_TRUSTED_PROXIES takes IP addresses"):
        Settings.from_env({"COMMONSGRAPH_TRUSTED_PROXIES": "proxy.example.org"})
