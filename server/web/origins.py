"""The widget's cross-origin HTTP calls, answered by the origin policy."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from server.origins import OriginPolicy


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
