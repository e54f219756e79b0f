"""The admin REST API: agents, widget settings, canned responses."""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from typing import Any

from aiohttp import web

from server.chat.checks import EMAIL_RE, check_id, id_number
from server.chat.errors import ChatError
from server.chat.signals import CANNED_CHANGED, SETTINGS_CHANGED
from server.chat.views import canned_view
from server.origins import parse_origin
from server.store.agents import ROLES, DuplicateEmail
from server.store.models import Agent
from server.store.settings import PRECHAT_MODES, DuplicateShortcut
from server.web.http import authorised, fail, json_body
from server.web.keys import CHAT, STORES

routes = web.RouteTableDef()

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
SHORTCUT_RE = re.compile(r"^[a-z0-9_-]{1,40}$")
MAX_CAPACITY = 50


async def _admin_view(request: web.Request, agent: Agent) -> dict[str, Any]:
    view = await request.app[CHAT].team.view(agent)
    view["disabled"] = agent.disabled
    return view


def check_capacity(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_CAPACITY:
        fail(400, "bad_request", f"Capacity must be a whole number from 1 to {MAX_CAPACITY}.")
    return value


def check_role(value: Any) -> str:
    if value not in ROLES:
        fail(400, "bad_request", f"The role must be one of: {', '.join(ROLES)}.")
    return str(value)


def check_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        fail(400, "bad_request", "Please enter a name of 1 to 100 characters.")
    return value.strip()


@routes.get("/api/admin/agents")
async def list_agents(request: web.Request) -> web.Response:
    await authorised(request, "team.manage")
    agents = await request.app[STORES].agents.all()
    return web.json_response({"agents": [await _admin_view(request, a) for a in agents]})


@routes.post("/api/admin/agents")
async def add_agent(request: web.Request) -> web.Response:
    await authorised(request, "team.manage")
    data = await json_body(request)
    email = data.get("email")
    if not isinstance(email, str) or not EMAIL_RE.match(email):
        fail(400, "bad_request", "Please enter a valid email address, such as name@example.com.")
    password = data.get("password")
    if not isinstance(password, str) or len(password) < 8:
        fail(400, "bad_request", "The password must be at least 8 characters long.")
    chat = request.app[CHAT]
    try:
        agent = await chat.team.do_add(
            email,
            check_name(data.get("name")),
            password,
            role=check_role(data.get("role", "agent")),
            capacity=check_capacity(data.get("capacity", chat.settings.default_capacity)),
        )
    except DuplicateEmail:
        fail(409, "conflict", f"An agent with the email {email} exists already.")
    return web.json_response({"agent": await _admin_view(request, agent)}, status=201)


@routes.patch("/api/admin/agents/{id}")
async def update_agent(request: web.Request) -> web.Response:
    admin = await authorised(request, "team.manage")
    data = await json_body(request)
    changes: dict[str, Any] = {}
    if "name" in data:
        changes["name"] = check_name(data["name"])
    if "role" in data:
        changes["role"] = check_role(data["role"])
    if "capacity" in data:
        changes["capacity"] = check_capacity(data["capacity"])
    if "disabled" in data:
        if not isinstance(data["disabled"], bool):
            fail(400, "bad_request", "'disabled' must be true or false")
        changes["disabled"] = data["disabled"]
    try:
        agent_id = check_id(request.match_info["id"], "a")
    except ChatError:
        fail(404, "not_found", "No such agent")
    if agent_id == admin.id and (changes.get("disabled") or changes.get("role") == "agent"):
        fail(400, "bad_request", "You cannot disable yourself or remove your own admin role")
    agent = await request.app[CHAT].team.do_update(agent_id, changes)
    if agent is None:
        fail(404, "not_found", "No such agent")
    return web.json_response({"agent": await _admin_view(request, agent)})


@routes.get("/api/admin/settings")
async def get_settings(request: web.Request) -> web.Response:
    await authorised(request, "settings.manage")
    return web.json_response(asdict(await request.app[STORES].settings.widget()))


@routes.put("/api/admin/settings")
async def put_settings(request: web.Request) -> web.Response:
    await authorised(request, "settings.manage")
    data = await json_body(request)
    stores = request.app[STORES]
    current = await stores.settings.widget()
    changes: dict[str, Any] = {}
    if "greeting" in data:
        if not isinstance(data["greeting"], str) or len(data["greeting"]) > 500:
            fail(400, "bad_request", "The greeting can be at most 500 characters long.")
        changes["greeting"] = data["greeting"]
    if "color" in data:
        if not isinstance(data["color"], str) or not COLOR_RE.match(data["color"]):
            fail(400, "bad_request", "The colour must be a hex colour such as #2563eb.")
        changes["color"] = data["color"]
    if "prechat" in data:
        changes["prechat"] = _check_prechat(data["prechat"], current.prechat)
    if "allowed_origins" in data:
        changes["allowed_origins"] = _check_origins(data["allowed_origins"])
    if "leave_message_email" in data:
        if data["leave_message_email"] not in PRECHAT_MODES:
            fail(400, "bad_request", f"'leave_message_email' must be one of {', '.join(PRECHAT_MODES)}")
        changes["leave_message_email"] = data["leave_message_email"]
    saved = await stores.settings.save_widget(replace(current, **changes))
    await request.app[CHAT].signals.send(SETTINGS_CHANGED, {})  # every process reloads its origins
    return web.json_response(asdict(saved))


def _check_prechat(value: Any, current: dict[str, str]) -> dict[str, str]:
    if not isinstance(value, dict):
        fail(400, "bad_request", "'prechat' must be an object")
    merged = dict(current)
    for field, mode in value.items():
        if field not in ("name", "email") or mode not in PRECHAT_MODES:
            fail(
                400, "bad_request", f"'prechat' takes name and email, each one of {', '.join(PRECHAT_MODES)}"
            )
        merged[field] = mode
    return merged


def _check_origins(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(o, str) for o in value):
        fail(400, "bad_request", "'allowed_origins' must be a list of origins")
    origins = [o.strip().rstrip("/") for o in value if o.strip()]
    for origin in origins:
        if origin != "*" and parse_origin(origin) is None:
            fail(
                400,
                "bad_request",
                f"“{origin}” is not a website origin. Write it as https://shop.example: the scheme and "
                "the host (and a port if there is one), without a path.",
            )
    return origins


@routes.get("/api/admin/canned")
async def list_canned(request: web.Request) -> web.Response:
    await authorised(request, "canned.manage")
    items = await request.app[STORES].settings.canned()
    return web.json_response({"canned": [canned_view(c) for c in items]})


def _check_canned(data: dict[str, Any], partial: bool) -> dict[str, str]:
    values: dict[str, str] = {}
    if "shortcut" in data or not partial:
        shortcut = data.get("shortcut")
        if not isinstance(shortcut, str) or not SHORTCUT_RE.match(shortcut.lstrip("/")):
            fail(
                400,
                "bad_request",
                "A shortcut is 1 to 40 lowercase letters, digits, hyphens or underscores, "
                "such as refund-policy.",
            )
        values["shortcut"] = shortcut.lstrip("/")
    if "text" in data or not partial:
        text = data.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > 4000:
            fail(400, "bad_request", "Please enter the response text (at most 4,000 characters).")
        values["text"] = text
    return values


@routes.post("/api/admin/canned")
async def add_canned(request: web.Request) -> web.Response:
    await authorised(request, "canned.manage")
    values = _check_canned(await json_body(request), partial=False)
    try:
        item = await request.app[STORES].settings.add_canned(values["shortcut"], values["text"])
    except DuplicateShortcut:
        fail(409, "conflict", f"The shortcut /{values['shortcut']} is taken already.")
    await request.app[CHAT].signals.send(CANNED_CHANGED, {})  # open consoles offer it at once
    return web.json_response({"canned": canned_view(item)}, status=201)


def _canned_id(request: web.Request) -> int:
    number = id_number(request.match_info["id"])
    if number is None:
        fail(404, "not_found", "No such canned response")
    return number


@routes.patch("/api/admin/canned/{id}")
async def update_canned(request: web.Request) -> web.Response:
    await authorised(request, "canned.manage")
    values = _check_canned(await json_body(request), partial=True)
    try:
        item = await request.app[STORES].settings.update_canned(_canned_id(request), **values)
    except DuplicateShortcut:
        fail(409, "conflict", "That shortcut is taken already.")
    if item is None:
        fail(404, "not_found", "No such canned response")
    await request.app[CHAT].signals.send(CANNED_CHANGED, {})
    return web.json_response({"canned": canned_view(item)})


@routes.delete("/api/admin/canned/{id}")
async def delete_canned(request: web.Request) -> web.Response:
    await authorised(request, "canned.manage")
    if not await request.app[STORES].settings.delete_canned(_canned_id(request)):
        fail(404, "not_found", "No such canned response")
    await request.app[CHAT].signals.send(CANNED_CHANGED, {})
    return web.json_response({"ok": True})
