"""Accounts: an agent changes their password, an admin resets one, invitations by link."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from server.chat.checks import EMAIL_RE, check_id
from server.chat.errors import ChatError
from server.chat.views import iso
from server.store.agents import DuplicateEmail
from server.web.admin import check_capacity, check_name, check_role
from server.web.api import check_throttle, signed_in
from server.web.headers import is_https
from server.web.http import authorised, current_agent, fail, json_body, session_token
from server.web.keys import CHAT, ORIGINS, SETTINGS, STORES

routes = web.RouteTableDef()

MIN_PASSWORD, MAX_PASSWORD = 8, 200
# 16 URL-safe characters: 96 bits, and short enough to read out or type.
GENERATED_PASSWORD_BYTES = 12


def check_password(value: Any, field: str) -> str:
    if not isinstance(value, str) or not MIN_PASSWORD <= len(value) <= MAX_PASSWORD:
        fail(400, "bad_request", f"'{field}' must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return value


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


@routes.post("/api/me/password")
async def change_own_password(request: web.Request) -> web.Response:
    agent = await current_agent(request)
    data = await json_body(request)
    current = data.get("current_password")
    if not isinstance(current, str):
        fail(400, "bad_request", "'current_password' is required")
    new = check_password(data.get("new_password"), "new_password")
    stores = request.app[STORES]
    address = request.app[ORIGINS].proxies.client_ip(request)
    # The current password is a password to guess, with a stolen session: throttled the same.
    check_throttle(await stores.signins.attempt(agent.email, address))
    if not await stores.agents.check_password(agent.id, current):
        fail(403, "wrong_password", "Your current password is not right.")
    await stores.signins.succeeded(agent.email, address)
    await request.app[CHAT].team.do_set_password(agent.id, new, keep=session_token(request))
    return web.json_response({"ok": True})


@routes.post("/api/admin/agents/{id}/password")
async def reset_password(request: web.Request) -> web.Response:
    await authorised(request, "team.manage")
    data = await json_body(request)
    given = data.get("password")
    password = generate_password() if given is None else check_password(given, "password")
    try:
        agent_id = check_id(request.match_info["id"], "a")
    except ChatError:
        fail(404, "not_found", "No such agent")
    if await request.app[CHAT].team.do_set_password(agent_id, password) is None:
        fail(404, "not_found", "No such agent")
    # A password the server made up is shown once, here; one the admin chose is not echoed.
    return web.json_response({"password": password} if given is None else {"ok": True})


@routes.post("/api/admin/invites")
async def create_invite(request: web.Request) -> web.Response:
    admin = await authorised(request, "team.manage")
    data = await json_body(request)
    email = data.get("email")
    if not isinstance(email, str) or not EMAIL_RE.match(email):
        fail(400, "bad_request", "'email' must be an email address")
    stores, settings = request.app[STORES], request.app[SETTINGS]
    if await stores.agents.by_email(email) is not None:
        fail(409, "conflict", f"An agent with email {email.strip().lower()} exists already")
    token, invite = await stores.invites.create(
        email,
        role=check_role(data.get("role", "agent")),
        capacity=check_capacity(data.get("capacity", settings.default_capacity)),
        created_by=admin.id,
        lifetime_seconds=settings.invite_hours * 3600,
    )
    scheme = "https" if is_https(request) else "http"
    body = {
        "url": f"{scheme}://{request.host}/invite/{token}",
        "email": invite.email,
        "role": invite.role,
        "capacity": invite.capacity,
        "expires_at": iso(invite.expires_at),
    }
    return web.json_response({"invite": body}, status=201)


GONE = "This invitation has expired or was already used. Ask your admin for a new one."


@routes.get("/api/invites/{token}")
async def show_invite(request: web.Request) -> web.Response:
    invite = await request.app[STORES].invites.get(request.match_info["token"])
    if invite is None:
        fail(404, "not_found", GONE)
    return web.json_response({"invite": {"email": invite.email, "expires_at": iso(invite.expires_at)}})


@routes.post("/api/invites/{token}")
async def accept_invite(request: web.Request) -> web.Response:
    data = await json_body(request)
    name = check_name(data.get("name"))
    password = check_password(data.get("password"), "password")
    chat = request.app[CHAT]
    try:
        agent = await chat.stores.invites.accept(request.match_info["token"], name, password)
    except DuplicateEmail as error:
        fail(409, "conflict", f"An agent with email {error} exists already")
    if agent is None:
        fail(404, "not_found", GONE)
    request.app.logger.info("agent a_%s joined by invitation", agent.id)
    await chat.broadcaster.agents_changed()
    return await signed_in(request, agent, status=201)
