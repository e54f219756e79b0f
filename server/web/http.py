"""Shared HTTP helpers: JSON errors, reading bodies, who is signed in."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from aiohttp import web
from aiohttp.typedefs import Handler

from server.auth.cookie import COOKIE_NAME
from server.store.models import Agent
from server.web.keys import STORES

log = logging.getLogger("tandem.http")


class ApiError(Exception):
    """An HTTP error answered as ``{"error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def fail(status: int, code: str, message: str) -> NoReturn:
    raise ApiError(status, code, message)


@web.middleware
async def api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn ApiError into its JSON answer."""
    try:
        return await handler(request)
    except ApiError as error:
        return web.json_response(
            {"error": {"code": error.code, "message": error.message}}, status=error.status
        )


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        fail(400, "bad_request", "The body must be JSON")
    if not isinstance(data, dict):
        fail(400, "bad_request", "The body must be a JSON object")
    return data


def session_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :]
    return request.cookies.get(COOKIE_NAME)


async def current_agent(request: web.Request) -> Agent:
    agent = await request.app[STORES].sessions.agent_for(session_token(request))
    if agent is None:
        fail(401, "unauthorized", "Sign in first")
    return agent


async def current_admin(request: web.Request) -> Agent:
    agent = await current_agent(request)
    if not agent.is_admin:
        fail(403, "forbidden", "Admins only")
    return agent
