"""What a request says about itself when a proxy the operator trusts stands in front of us.

``X-Forwarded-Proto`` and ``X-Forwarded-For`` are plain headers any client can send: they are read
only from a peer in ``TANDEM_TRUSTED_PROXIES`` (docs/deploy.md). From anyone else the scheme is
the connection's own and the client is the peer. A leaf below the chat and the web layer: sockets
(origin check, per-address limits) and HTTP (cookies, headers, origin checks) ask the same.
"""

from __future__ import annotations

import ipaddress
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(raw: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR ranges; ValueError names the one that is neither."""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or range such as 10.0.0.0/8") from None
    return tuple(networks)


class Proxies:
    """The proxies the operator declared; what a request's scheme and client are through them."""

    def __init__(self, networks: tuple[Network, ...] = ()) -> None:
        self.networks = networks

    def trusts(self, address: str | None) -> bool:
        if not address or not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def scheme(self, request: Any) -> str:
        """``https`` or ``http``: the connection's, or what a trusted proxy says it received."""
        if request is None:
            return "http"
        if request.secure:
            return "https"
        if self.trusts(request.remote):
            # The proxy nearest the client wrote the first value (nginx: $scheme, overwriting).
            forwarded = str(request.headers.get("X-Forwarded-Proto", "")).split(",")[0].strip().lower()
            if forwarded in ("http", "https"):
                return forwarded
        return "http"

    def client_ip(self, request: Any) -> str | None:
        """The client's address: the peer, or through trusted proxies the nearest address in
        ``X-Forwarded-For`` that is not one of them (what each proxy appended, read from the right)."""
        if request is None:
            return None
        address: str | None = request.remote
        if not self.trusts(address):
            return address
        for hop in reversed(request.headers.get("X-Forwarded-For", "").split(",")):
            hop = hop.strip()
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                break  # a client's made-up value: stop at the last address a proxy vouched for
            address = hop
            if not self.trusts(hop):
                break
        return address
