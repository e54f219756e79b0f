"""Which web origins may open sockets and call the widget's HTTP endpoints."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware


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


def origin_middleware(policy: OriginPolicy) -> Middleware:
    """Answer the widget's cross-origin HTTP calls for allowed origins only."""

    @web.middleware
    async def check_origin(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/api/widget/"):
            return await handler(request)
        origin = request.headers.get("Origin")
        if not policy.allows(origin, request.host):
            return web.json_response(
                {"error": {"code": "origin_not_allowed", "message": "This site may not use the widget"}},
                status=403,
            )
        response = web.Response(status=204) if request.method == "OPTIONS" else await handler(request)
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response

    return check_origin
