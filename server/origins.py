"""Which web origins may open sockets and call the widget's HTTP endpoints.

Below both the chat (sockets check it on connect) and the web layer (its middleware). Origins are
compared as what they mean, (scheme, host, port), with default ports filled in: ``http://shop``
and ``https://shop`` are two origins, ``https://shop`` and ``https://shop:443`` one. An ``Origin``
header must be an origin as browsers write it: no path, not even a trailing slash.
"""

from __future__ import annotations

import re

from server.forwarded import Proxies

Origin = tuple[str, str, int]
DEFAULT_PORTS = {"http": 80, "https": 443}
# scheme://host[:port], host a name or an IPv4 address or a bracketed IPv6 address.
_ORIGIN = re.compile(r"(https?)://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?", re.IGNORECASE)
_HOST = re.compile(r"([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?")


def parse_origin(value: str) -> Origin | None:
    """``value`` as (scheme, host, port) when it is exactly an origin, else None."""
    match = _ORIGIN.fullmatch(value)
    if match is None:
        return None
    scheme = match.group(1).lower()
    return _with_port(scheme, match.group(2), match.group(3))


def own_origin(scheme: str, host: str | None) -> Origin | None:
    """The origin of a request that reached us as ``scheme`` with this ``Host`` header."""
    match = _HOST.fullmatch(host or "")
    return _with_port(scheme, match.group(1), match.group(2)) if match else None


def _with_port(scheme: str, host: str, port: str | None) -> Origin | None:
    number = DEFAULT_PORTS[scheme] if port is None else int(port)
    if not 0 < number < 65536:
        return None
    return scheme, host.lower().rstrip("."), number


def _parse_all(origins: list[str] | tuple[str, ...]) -> set[Origin]:
    # Configured entries are checked when read (settings, the admin API); a stray slash is forgiven.
    return {parsed for o in origins if (parsed := parse_origin(o.strip().rstrip("/"))) is not None}


class OriginPolicy:
    """The server's own origin, the configured ones, and those the admin added."""

    def __init__(self, own: list[str], configured: tuple[str, ...], proxies: Proxies | None = None) -> None:
        self.proxies = proxies or Proxies()
        self._any = "*" in configured
        self._fixed = _parse_all(own) | _parse_all(configured)
        self._admin: set[Origin] = set()
        self._admin_any = False

    def set_admin_origins(self, origins: list[str]) -> None:
        self._admin = _parse_all(origins)
        self._admin_any = "*" in origins

    def is_own(self, origin: str, host: str | None, scheme: str) -> bool:
        """Whether ``origin`` is the one the request was sent to (our pages: demo, console, admin)."""
        parsed = parse_origin(origin)
        return parsed is not None and parsed == own_origin(scheme, host)

    def allows(self, origin: str | None, host: str | None = None, scheme: str = "http") -> bool:
        """May a page from ``origin`` talk to us? ``host`` is the Host the request was sent to,
        ``scheme`` how it reached us (server/forwarded.py)."""
        # No Origin header: not a browser (a mobile app, a bot), which CORS does not concern.
        if origin is None:
            return True
        parsed = parse_origin(origin)
        if parsed is None:  # "null" (a sandboxed frame, a file), a path, anything else
            return False
        if parsed == own_origin(scheme, host):
            return True
        return self._any or self._admin_any or parsed in self._fixed or parsed in self._admin
