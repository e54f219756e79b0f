"""The HTTP API agents and the widget use: sign-in, transcripts, canned responses, settings."""

from __future__ import annotations

from aiohttp import web

from server.auth.cookie import COOKIE_NAME
from server.chat.access import require
from server.chat.checks import check_id
from server.chat.views import agent_conversation_view, canned_view, message_view, visitor_details_view
from server.store.models import Agent
from server.web.headers import is_https
from server.web.http import authorised, current_agent, fail, json_body, session_token
from server.web.keys import CHAT, ORIGINS, SETTINGS, STORES

routes = web.RouteTableDef()


@routes.post("/api/login")
async def login(request: web.Request) -> web.Response:
    data = await json_body(request)
    email, password = data.get("email"), data.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        fail(400, "bad_request", "'email' and 'password' are required")
    stores = request.app[STORES]
    address = request.app[ORIGINS].proxies.client_ip(request)
    # Counted before the password is checked: parallel guesses cannot outrun the count.
    check_throttle(await stores.signins.attempt(email, address))
    agent = await stores.agents.authenticate(email, password)
    if agent is None:
        request.app.logger.info("failed sign-in")
        fail(401, "invalid_credentials", "Wrong email or password")
    await stores.signins.succeeded(email, address)
    request.app.logger.info("agent a_%s signed in", agent.id)
    return await signed_in(request, agent)


def check_throttle(wait_seconds: int) -> None:
    """A 429 with ``Retry-After`` while sign-ins are throttled (server/store/signins.py)."""
    if wait_seconds > 0:
        minutes = -(-wait_seconds // 60)
        when = f"{wait_seconds} seconds" if wait_seconds < 60 else f"{minutes} minute{'s' * (minutes > 1)}"
        fail(
            429,
            "rate_limited",
            f"Too many sign-in attempts. Wait {when}, then try again.",
            {"Retry-After": str(wait_seconds)},
        )


async def signed_in(request: web.Request, agent: Agent, status: int = 200) -> web.Response:
    """A new session for ``agent``: the agent, its token, and the session cookie."""
    token = await request.app[STORES].sessions.create(agent.id)
    response = web.json_response(
        {"agent": await request.app[CHAT].team.view(agent), "token": token}, status=status
    )
    response.set_cookie(
        COOKIE_NAME,
        token,
        httponly=True,
        samesite="Lax",
        max_age=request.app[SETTINGS].session_days * 86400,
        path="/",
        secure=is_https(request),  # never sent over plain HTTP once the site is served over HTTPS
    )
    return response


@routes.post("/api/logout")
async def logout(request: web.Request) -> web.Response:
    token = session_token(request)
    if token:
        await request.app[CHAT].team.do_sign_out(token)
    response = web.json_response({"ok": True})
    response.del_cookie(COOKIE_NAME, path="/")
    return response


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    agent = await current_agent(request)
    return web.json_response({"agent": await request.app[CHAT].team.view(agent)})


@routes.get("/api/conversations/{id}/transcript")
async def transcript(request: web.Request) -> web.Response:
    reader = await current_agent(request)  # 401 before anything is said about the conversation
    stores = request.app[STORES]
    conv = await stores.conversations.get(check_id(request.match_info["id"], "c"))
    if conv is None:
        fail(404, "not_found", "No such conversation")
    require(reader, "conversation.read", conv)
    visitor = await stores.visitors.get(conv.visitor_id)
    agent = await stores.agents.get(conv.agent_id) if conv.agent_id else None
    messages = await stores.messages.since(conv.id, 0, include_private=True, limit=100_000)
    texts = [m for m in messages if m.type == "text"]
    return web.json_response(
        {
            "conversation": agent_conversation_view(conv, visitor, agent, texts[-1] if texts else None),
            "visitor": visitor_details_view(visitor, await stores.conversations.for_visitor(visitor.id))
            if visitor
            else None,
            "messages": [message_view(m) for m in messages],
            "labels": (await stores.labels.of([conv.id])).get(conv.id, []),
        }
    )


@routes.get("/api/canned")
async def canned(request: web.Request) -> web.Response:
    await authorised(request, "canned.read")
    items = await request.app[STORES].settings.canned()
    return web.json_response({"canned": [canned_view(c) for c in items]})


@routes.get("/api/widget/settings")
async def widget_settings(request: web.Request) -> web.Response:
    public = (await request.app[STORES].settings.widget()).public()
    public["agents_online"] = await request.app[CHAT].router.agents_online()
    return web.json_response(public)
