"""Origins over HTTP: the widget's cross-origin calls, and cross-site calls with the cookie."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from server.auth.cookie import COOKIE_NAME
from server.origins import OriginPolicy
from server.web.http import fail


def origin_middleware(policy: OriginPolicy) -> Middleware:
    """Answer the widget's cross-origin HTTP calls for allowed origins only."""

    @web.middleware
    async def check_origin(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/api/widget/"):
            return await handler(request)
        origin = request.headers.get("Origin")
        if not policy.allows(origin, request.host, policy.proxies.scheme(request)):
            fail(403, "origin_not_allowed", "This site may not use the widget")
        response = web.Response(status=204) if request.method == "OPTIONS" else await handler(request)
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response

    return check_origin


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def cross_site_middleware(policy: OriginPolicy) -> Middleware:
    """Refuse a state-changing call that a cookie would authenticate unless it comes from our own
    pages: defence in depth beside the cookie's SameSite=Lax (a same-site sibling page, an old
    browser). Calls with a bearer token carry no ambient credentials and need no check; sign-in
    is checked too, so no other site signs a browser in as someone else."""

    @web.middleware
    async def check_cross_site(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method in SAFE_METHODS or not request.path.startswith("/api/"):
            return await handler(request)
        bearer = request.headers.get("Authorization", "").startswith("Bearer ")
        if (COOKIE_NAME in request.cookies and not bearer) or request.path == "/api/login":
            origin = request.headers.get("Origin")
            if origin is not None:
                same = policy.is_own(origin, request.host, policy.proxies.scheme(request))
            else:  # browsers send Origin on these; Sec-Fetch-Site where an old one does not
                same = request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
            if not same:
                fail(403, "origin_not_allowed", "Only Tandem's own pages may do this with a session cookie")
        return await handler(request)

    return check_cross_site
