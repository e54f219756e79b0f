"""The history HTTP API: every conversation an agent may read, search over their messages, and
labels (docs/protocol.md, History)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.chat.access import read_scope, require
from server.chat.checks import check_id
from server.chat.views import message_view
from server.store.labels import MAX_LABELS, TooManyLabels
from server.store.models import Agent, Conversation
from server.web.history_params import clean_label, history_query, search_text
from server.web.http import authorised, current_agent, fail, json_body
from server.web.keys import CHAT, STORES

routes = web.RouteTableDef()


async def conversation_views(request: web.Request, convs: list[Conversation]) -> list[dict[str, Any]]:
    """Agent views of conversations, each with its labels."""
    views = await request.app[CHAT].broadcaster.agent_views(convs)
    labels = await request.app[STORES].labels.of([c.id for c in convs])
    return [{**view, "labels": labels.get(c.id, [])} for view, c in zip(views, convs, strict=True)]


def _cursor(next_id: int | None) -> str | None:
    return None if next_id is None else str(next_id)


@routes.get("/api/conversations")
async def list_conversations(request: web.Request) -> web.Response:
    agent = await authorised(request, "conversation.list")
    asked = history_query(request.query, agent)
    page = await request.app[STORES].history.conversations(
        read_scope(agent), asked.filters, before=asked.before, limit=asked.limit
    )
    return web.json_response(
        {"conversations": await conversation_views(request, page.items), "next": _cursor(page.next)}
    )


@routes.get("/api/conversations/search")
async def search_conversations(request: web.Request) -> web.Response:
    agent = await authorised(request, "conversation.list")
    words = search_text(request.query)
    asked = history_query(request.query, agent)
    page = await request.app[STORES].history.search(
        words, read_scope(agent), asked.filters, before=asked.before, limit=asked.limit
    )
    convs = list({h.conversation.id: h.conversation for h in page.items}.values())
    views = {c.id: v for c, v in zip(convs, await conversation_views(request, convs), strict=True)}
    results = [
        {"message": message_view(h.message), "conversation": views[h.conversation.id]} for h in page.items
    ]
    return web.json_response({"results": results, "words": words, "next": _cursor(page.next)})


@routes.get("/api/labels")
async def labels_in_use(request: web.Request) -> web.Response:
    await authorised(request, "conversation.list")
    used = await request.app[STORES].labels.in_use()
    return web.json_response({"labels": [{"label": label, "conversations": n} for label, n in used]})


async def _labelled(request: web.Request) -> tuple[Agent, Conversation]:
    agent = await current_agent(request)  # 401 before anything is said about the conversation
    conv = await request.app[STORES].conversations.get(check_id(request.match_info["id"], "c"))
    if conv is None:
        fail(404, "not_found", "No such conversation")
    require(agent, "conversation.label", conv)
    return agent, conv


@routes.post("/api/conversations/{id}/labels")
async def add_label(request: web.Request) -> web.Response:
    _, conv = await _labelled(request)
    raw = (await json_body(request)).get("label")
    if not isinstance(raw, str):
        fail(400, "bad_request", "'label' is required")
    try:
        labels = await request.app[STORES].labels.add(conv.id, clean_label(raw))
    except TooManyLabels:
        fail(400, "bad_request", f"A conversation can have at most {MAX_LABELS} labels")
    return web.json_response({"labels": labels})


@routes.delete("/api/conversations/{id}/labels/{label}")
async def remove_label(request: web.Request) -> web.Response:
    _, conv = await _labelled(request)
    labels = await request.app[STORES].labels.remove(conv.id, clean_label(request.match_info["label"]))
    return web.json_response({"labels": labels})


@routes.post("/api/conversations/{id}/reopen")
async def reopen(request: web.Request) -> web.Response:
    """The same as the ``conversation.reopen`` event, for pages without a socket (the history)."""
    agent = await current_agent(request)
    conv = await request.app[STORES].conversations.get(check_id(request.match_info["id"], "c"))
    if conv is None:
        fail(404, "not_found", "No such conversation")
    require(agent, "conversation.reopen", conv)
    chat = request.app[CHAT]
    reopened = await chat.router.reopen(agent, conv)
    return web.json_response({"conversation": (await conversation_views(request, [reopened]))[0]})


@routes.get("/api/team")
async def team(request: web.Request) -> web.Response:
    """Who is on the team, for the history's agent filter (the console's ``session`` has more)."""
    await authorised(request, "conversation.list")
    agents = await request.app[STORES].agents.all()
    return web.json_response({"agents": [{"id": f"a_{a.id}", "name": a.name} for a in agents]})
