"""Which web origins may open sockets and call the widget's HTTP endpoints.

Below both the chat (sockets check it on connect) and the web layer (its middleware).
"""

from __future__ import annotations


class OriginPolicy:
    """The server's own origin, the configured ones, and those the admin added."""

    def __init__(self, own: list[str], configured: tuple[str, ...]) -> None:
        self._fixed = {o.rstrip("/") for o in own} | {o.rstrip("/") for o in configured}
        self._admin: set[str] = set()

    def set_admin_origins(self, origins: list[str]) -> None:
        self._admin = {o.rstrip("/") for o in origins}

    def allows(self, origin: str | None, host: str | None = None) -> bool:
        """May a page from ``origin`` talk to us? ``host`` is the Host the request was sent to."""
        # No Origin header: not a browser (a mobile app, a bot), which CORS does not concern.
        if origin is None:
            return True
        # Same origin: our own pages (demo, console, admin), whatever name we are reached by.
        if host and origin.split("://", 1)[-1] == host:
            return True
        allowed = self._fixed | self._admin
        return "*" in allowed or origin.rstrip("/") in allowed
