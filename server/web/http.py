"""Shared HTTP helpers: JSON errors for everything, reading bodies, who is signed in and may act."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any, NoReturn

from aiohttp import web
from aiohttp.typedefs import Handler

from common.text import text_problem
from server.auth.cookie import COOKIE_NAME
from server.chat.access import Action, require
from server.chat.errors import ChatError
from server.store.models import Agent, Conversation
from server.web.keys import STORES

log = logging.getLogger("tandem.http")

REQUEST_ID = web.RequestKey("request_id", str)
# A JSON body is a flat object of settings or credentials: deeper nesting is no request of ours.
MAX_JSON_DEPTH = 16
# The HTTP status of each protocol error code (docs/protocol.md, Error codes).
STATUS_OF = {
    "bad_request": 400,
    "too_long": 400,
    "unauthorized": 401,
    "invalid_credentials": 401,
    "forbidden": 403,
    "origin_not_allowed": 403,
    "wrong_password": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "not_closed": 409,
    "too_large": 413,
    "rate_limited": 429,
    "internal": 500,
    "assist_unavailable": 503,
}
# The code of an HTTP error aiohttp raises by itself (no route, wrong method, body too large).
CODE_OF = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 429: "rate_limited"}


class ApiError(Exception):
    """An HTTP error answered as ``{"error": {"code", "message", "request_id"}}``."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def fail(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> NoReturn:
    raise ApiError(status, code, message, headers)


def error_response(
    request: web.Request, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = {"error": {"code": code, "message": message, "request_id": request.get(REQUEST_ID)}}
    return web.json_response(body, status=status, headers=headers)


@web.middleware
async def api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as JSON in the documented shape, each request with an id that its log lines
    (and a 500's answer) carry, so an operator finds the stack trace a user reports."""
    request[REQUEST_ID] = request_id = secrets.token_hex(8)
    try:
        response = await handler(request)
    except ApiError as error:
        return error_response(request, error.status, error.code, error.message, error.headers)
    except ChatError as error:
        return error_response(request, STATUS_OF.get(error.code, 400), error.code, error.message)
    except web.HTTPException as error:
        if error.status < 400:
            raise  # a redirect is an answer, not an error
        allow = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
        code = CODE_OF.get(error.status, "bad_request" if error.status < 500 else "internal")
        return error_response(request, error.status, code, error.text or error.reason, allow)
    except Exception:
        log.exception("%s %s failed (request %s)", request.method, request.path, request_id)
        return error_response(request, 500, "internal", f"Something went wrong on the server ({request_id})")
    if response.status >= 400 and response.content_type != "application/json" and not response.prepared:
        # An answer written by a library (the Socket.IO transport's "Bad Request"): ours is JSON.
        code = CODE_OF.get(response.status, "bad_request" if response.status < 500 else "internal")
        return error_response(request, response.status, code, response.reason or "")
    return response


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; every string in it is text we accept (see server/chat/checks)."""
    try:
        data = json.loads(await request.text())
    except (ValueError, RecursionError):  # RecursionError: nested past the parser's stack
        fail(400, "bad_request", "The body must be JSON")
    if not isinstance(data, dict):
        fail(400, "bad_request", "The body must be a JSON object")
    problem = json_problem(data)
    if problem is not None:
        fail(400, "bad_request", f"The body {problem}")
    return data


def json_problem(value: Any) -> str | None:
    """What is wrong with a decoded JSON value, if anything: nesting past MAX_JSON_DEPTH, or a
    string (or key) that is not text we accept. Iterative: the depth is what it checks."""
    todo: list[tuple[Any, int]] = [(value, 0)]
    while todo:
        item, depth = todo.pop()
        if depth > MAX_JSON_DEPTH:
            return f"is nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(item, str) and (problem := text_problem(item)) is not None:
            return problem
        if isinstance(item, dict):
            todo.extend((k, depth + 1) for k in item)
            todo.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            todo.extend((v, depth + 1) for v in item)
    return None


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


async def authorised(request: web.Request, action: Action, conv: Conversation | None = None) -> Agent:
    """The signed-in agent, once the access rule (server/chat/access.py) lets them do ``action``."""
    agent = await current_agent(request)
    require(agent, action, conv)
    return agent
