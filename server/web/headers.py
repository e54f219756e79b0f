"""Security headers on every answer, and the HTTPS that cookies and HSTS depend on.

The pages load only their own scripts and styles (no inline script or style: the widget's
styles are a constructed stylesheet, which CSP does not govern), talk only to their own origin,
and the console and admin may not be framed (the widget is a script other sites embed, not a
frame, so embedding it needs nothing from these headers).
"""

from __future__ import annotations

from aiohttp import web

from server.web.keys import ORIGINS

_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)
# Our own pages that handle sessions: no one else's page may put them in a frame (clickjacking).
_FRAMED_NOWHERE = "; frame-ancestors 'none'"
# JSON and errors: nothing in them is ever to be run, styled or framed.
_DATA_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000"


def is_https(request: web.Request) -> bool:
    """Whether the browser reached us over HTTPS (directly, or through a trusted proxy)."""
    return request.app[ORIGINS].proxies.scheme(request) == "https"


def _csp(path: str) -> tuple[str | None, bool]:
    """The policy for ``path``, and whether it may be framed by no one."""
    if path in ("/console", "/admin") or path.startswith(("/console/", "/invite/")):
        return _PAGE_CSP + _FRAMED_NOWHERE, True
    if path == "/":
        return _PAGE_CSP, False  # the demo shop: a page like any site embedding the widget
    if path.startswith(("/static/", "/widget.js", "/socket.io/")):
        return None, False  # scripts, styles and the socket: no document to govern
    return _DATA_CSP, True


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: runs for every answer, errors and files included."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    policy, unframed = _csp(request.path)
    if policy is not None:
        headers.setdefault("Content-Security-Policy", policy)
    if unframed:
        headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
    if request.path == "/widget.js":
        # Sites that isolate themselves (Cross-Origin-Embedder-Policy) may still load it.
        headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
    if is_https(request):
        headers.setdefault("Strict-Transport-Security", HSTS)
