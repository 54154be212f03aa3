"""Who a request comes from: decided here, once, for the scheduler (and the access log).

The client is the peer of the connection, unless the peer is one of the operator's trusted
proxies (`COMMONSGRAPH_TRUSTED_PROXIES`, addresses or networks). Then it is the right-most
address of `X-Forwarded-For` that is not a trusted proxy: each proxy appends the address it
received the request from, so the addresses left of the first untrusted one were written by the
client and prove nothing. Without trusted proxies the header is ignored (anyone can send it). The
`Forwarded` header (RFC 7239) is never read: a proxy that sets `X-Forwarded-For` passes a
client's own `Forwarded` along untouched, so reading both would let a client choose its address.

`ProxiedClients` rewrites the ASGI scope's `client` (and `scheme`, from `X-Forwarded-Proto`) of
requests from trusted proxies, in front of everything else; `client_of` reads it. An IPv6
client counts as its /64 network: one host, or one subscriber, holds a whole /64.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """The reverse proxies whose `X-Forwarded-For` is believed."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(entry, strict=False) for entry in entries
        )
        self.trusts = functools.lru_cache(maxsize=1024)(self._trusts)

    def _trusts(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    def client(self, peer: str, forwarded_for: Iterable[str]) -> str:
        """The client of a request that `peer`, a trusted proxy, forwards: the right-most hop
        that is not a trusted proxy (all trusted: the left-most)."""
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
        hops = [hop for hop in hops if hop]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return _host(hop)
        return _host(hops[0]) if hops else peer


def _host(hop: str) -> str:
    """The address of an X-Forwarded-For hop, without a port ('1.2.3.4:5', '[::1]:5');
    something that is no address is kept as it is (a proxy wrote it), within reason."""
    address = _address(hop)
    return str(address) if address is not None else hop[:64]


def _address(hop: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = hop
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class ProxiedClients:
    """ASGI middleware: requests from a trusted proxy get the client (and the scheme) it
    forwards for."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if scope["type"] == "http" and peer and self.proxies.trusts(peer[0]):
            forwarded_for = []
            scheme = None
            for name, value in scope["headers"]:
                if name == b"x-forwarded-for":
                    forwarded_for.append(value.decode("latin-1"))
                elif name == b"x-forwarded-proto":
                    scheme = value.decode("latin-1").strip().lower()
            scope = dict(scope)
            if forwarded_for:
                scope["client"] = (self.proxies.client(peer[0], forwarded_for), 0)
            if scheme in ("http", "https"):
                scope["scheme"] = scheme
        await self.app(scope, receive, send)


def client_of(scope: Scope) -> str:
    """The client a request comes from, as the scheduler counts it."""
    client = scope.get("client")
    if not client:
        return "unknown"
    host: str = client[0]
    return _grouped(host) if ":" in host else host


@functools.lru_cache(maxsize=4096)
def _grouped(host: str) -> str:
    """An IPv6 address as its /64 (an IPv4-mapped one as the IPv4 address)."""
    try:
        address = ipaddress.IPv6Address(host)
    except ValueError:
        return host
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, 64), strict=False))
