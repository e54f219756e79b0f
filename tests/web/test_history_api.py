"""The history HTTP API on a real server: the list with its filters, search, labels, the access
rule, and clear errors for bad queries."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.chat.test_access import client_id, start_chat
from tests.conftest import Running
from tests.peers import Peer, agent_of


async def get(server: Running, reader: Peer, path: str, **params: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {reader.token}"}
        async with http.get(server.url + path, params=params, headers=headers) as r:
            return r.status, await r.json()


async def call(server: Running, agent: Peer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {agent.token}"}
        async with http.request(method, server.url + path, json=body, headers=headers) as r:
            return r.status, await r.json()


async def ids(server: Running, reader: Peer, **params: str) -> list[str]:
    status, body = await get(server, reader, "/api/conversations", **params)
    assert status == 200, body
    return [c["id"] for c in body["conversations"]]


async def say(agent: Peer, conv: str, text: str, *, private: bool = False) -> None:
    ack = await agent.emit(
        "message.send", {"conversation_id": conv, "client_id": client_id(), "text": text, "private": private}
    )
    assert ack["ok"], ack


async def test_the_list_filters_and_pages(server: Running) -> None:
    grace = await server.agent("Grace", capacity=2)
    alan = await server.agent("Alan", capacity=1, online=False)
    boss = await server.agent("Boss", role="admin", online=False)
    _, first = await start_chat(server, grace, "Ada")
    _, second = await start_chat(server, grace, "Bea")
    assert (await grace.emit("conversation.close", {"conversation_id": first}))["ok"]
    waiting = await server.visitor()
    queued = (await waiting.emit("conversation.start", {"name": "Cy"}))["conversation"]["id"]
    # Grace has room again after the close: wait until routing gave her the third chat.
    await grace.recv_until("conversation.assigned", lambda d: d["conversation"]["id"] == queued)
    assert (await grace.emit("conversation.close", {"conversation_id": second}))["ok"]
    assert (await grace.emit("status.set", {"status": "away"}))["ok"]  # the next one waits
    still = await server.visitor()
    fourth = (await still.emit("conversation.start", {"name": "Di"}))["conversation"]["id"]

    status, body = await get(server, boss, "/api/conversations", limit="2")
    assert status == 200, body
    assert [c["id"] for c in body["conversations"]] == [fourth, queued]
    assert body["next"] is not None
    page = body["conversations"][1]
    assert (page["status"], page["agent"]["name"], page["visitor"]["name"], page["labels"]) == (
        "assigned",
        "Grace",
        "Cy",
        [],
    )
    assert await ids(server, boss, limit="2", before=body["next"]) == [second, first]
    assert await ids(server, boss, status="closed") == [second, first]
    assert await ids(server, boss, status="open") == [fourth, queued]
    assert await ids(server, boss, status="queued") == [fourth]
    assert await ids(server, boss, agent="none") == [fourth]
    assert await ids(server, grace, agent="me") == [queued, second, first]
    assert await ids(server, boss, agent=grace.info["id"] if grace.info else "") == [queued, second, first]
    # Alan holds nothing: he sees the queue only; the access rule keeps Grace's chats from him.
    assert await ids(server, alan) == [fourth]
    assert await ids(server, alan, status="closed") == []
    assert await ids(server, boss, **{"from": "2000-01-01", "to": "2000-01-31"}) == []
    assert await ids(server, boss, **{"from": "2000-01-01T00:00:00Z"}) == [fourth, queued, second, first]


async def test_search_finds_words_in_text_and_notes_for_those_who_may_read(server: Running) -> None:
    grace = await server.agent("Grace")
    alan = await server.agent("Alan", online=False)
    boss = await server.agent("Boss", role="admin", online=False)
    visitor, conv = await start_chat(server, grace, "Ada")
    ask = await visitor.emit("message.send", {"client_id": client_id(), "text": "My parcel never arrived"})
    assert ask["ok"]
    await say(grace, conv, "Parcels take 3 days")
    await say(grace, conv, "parcel fraud? check", private=True)

    status, body = await get(server, boss, "/api/conversations/search", q="PARCEL")
    assert status == 200, body
    assert body["words"] == ["parcel"]
    assert [(r["message"]["text"], r["message"]["private"]) for r in body["results"]] == [
        ("parcel fraud? check", True),
        ("Parcels take 3 days", False),
        ("My parcel never arrived", False),
    ]
    assert {r["conversation"]["id"] for r in body["results"]} == {conv}
    assert body["results"][0]["conversation"]["visitor"]["name"] == "Ada"
    assert body["next"] is None
    _, mine = await get(server, grace, "/api/conversations/search", q="parcel never")
    assert [r["message"]["text"] for r in mine["results"]] == ["My parcel never arrived"]
    # Alan may not read Grace's chat: nothing of it, notes least of all.
    _, theirs = await get(server, alan, "/api/conversations/search", q="parcel")
    assert theirs == {"results": [], "words": ["parcel"], "next": None}
    _, paged = await get(server, boss, "/api/conversations/search", q="parcel", limit="2")
    assert paged["next"] is not None
    _, rest = await get(
        server, boss, "/api/conversations/search", q="parcel", limit="2", before=paged["next"]
    )
    assert [r["message"]["text"] for r in rest["results"]] == ["My parcel never arrived"]
    assert rest["next"] is None


async def test_labels_are_added_removed_listed_and_filter(server: Running) -> None:
    grace = await server.agent("Grace")
    alan = await server.agent("Alan", online=False)
    _, conv = await start_chat(server, grace, "Ada")
    path = f"/api/conversations/{conv}/labels"
    assert await call(server, grace, "POST", path, {"label": "  Billing   Issue "}) == (
        200,
        {"labels": ["billing issue"]},
    )
    assert await call(server, grace, "POST", path, {"label": "vip"}) == (
        200,
        {"labels": ["billing issue", "vip"]},
    )
    assert await call(server, grace, "POST", path, {"label": "vip"}) == (
        200,
        {"labels": ["billing issue", "vip"]},
    )
    assert await get(server, grace, "/api/labels") == (
        200,
        {"labels": [{"label": "billing issue", "conversations": 1}, {"label": "vip", "conversations": 1}]},
    )
    assert await ids(server, grace, label="VIP") == [conv]
    _, listed = await get(server, grace, "/api/conversations")
    assert listed["conversations"][0]["labels"] == ["billing issue", "vip"]
    assert await call(server, grace, "DELETE", f"{path}/billing%20issue") == (200, {"labels": ["vip"]})
    status, body = await call(server, alan, "POST", path, {"label": "mine-now"})
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = await call(server, grace, "POST", path, {"label": "x" * 41})
    assert (status, body["error"]["message"]) == (400, "A label is 1 to 40 characters long")
    status, body = await call(server, grace, "POST", "/api/conversations/c_999/labels", {"label": "a"})
    assert (status, body["error"]["code"]) == (404, "not_found")


async def test_bad_queries_get_a_clear_error(server: Running) -> None:
    grace = await server.agent("Grace", online=False)
    cases = [
        ({"status": "lost"}, "'status' must be one of queued, assigned, closed, open"),
        ({"agent": "grace"}, "'agent' must be me, none or an agent's id"),
        ({"limit": "0"}, "'limit' must be a whole number from 1 to 100"),
        ({"before": "-1"}, "'before' must be a whole number from 1 to 2147483647"),
        ({"from": "yesterday"}, "'from' must be a date (2026-11-23) or a time with its zone"),
        ({"from": "2026-11-23T10:00:00"}, "'from' must say its time zone (end it with Z for UTC)"),
        ({"from": "2026-11-24", "to": "2026-11-23"}, "'to' must come after 'from'"),
    ]
    for params, message in cases:
        status, body = await get(server, grace, "/api/conversations", **params)
        assert (status, body["error"]["code"], body["error"]["message"]) == (400, "bad_request", message)
    status, body = await get(server, grace, "/api/conversations/search", q=" ?! ")
    assert (status, body["error"]["message"]) == (400, "Type a word to search for")
    async with aiohttp.ClientSession() as http:
        async with http.get(server.url + "/api/conversations") as r:
            assert r.status == 401


async def test_reopen_over_http_and_the_team_for_the_filter(server: Running) -> None:
    grace = await server.agent("Grace")
    alan = await server.agent("Alan", online=False)
    visitor, conv = await start_chat(server, grace, "Ada")
    status, body = await call(server, grace, "POST", f"/api/conversations/{conv}/reopen")
    assert (status, body["error"]["code"], body["error"]["message"]) == (
        409,
        "not_closed",
        "The conversation is open",
    )
    assert (await grace.emit("conversation.close", {"conversation_id": conv}))["ok"]
    status, body = await call(server, alan, "POST", f"/api/conversations/{conv}/reopen")
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = await call(server, grace, "POST", f"/api/conversations/{conv}/reopen")
    assert status == 200, body
    assert (body["conversation"]["status"], body["conversation"]["agent"]["name"]) == ("assigned", "Grace")
    assigned = await grace.recv_until("conversation.assigned", lambda d: d["reason"] == "reopened")
    assert assigned["conversation"]["id"] == conv
    await visitor.recv_until("message", lambda m: m["text"] == "Grace reopened the chat")
    status, body = await get(server, alan, "/api/team")
    assert status == 200, body
    assert [a["name"] for a in body["agents"]] == [
        "Demo Admin",
        "Grace",
        "Alan",
    ]  # the demo admin is made on start
    assert body["agents"][1] == {"id": agent_of(grace)["id"], "name": "Grace"}
