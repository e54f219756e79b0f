"""Client input the database cannot hold, or that is not what the protocol says, is ``bad_request``
(or ``not_found`` for an id of another form), never ``internal``: lone surrogates and refused
characters in every string field, integers past a BIGINT, ids with non-ASCII digits, client ids
that are no UUID. The server logs no error for any of it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import aiohttp
import pytest

from tests.chat.test_limits import code, conv_int, open_chat, payload, texts
from tests.conftest import Running, StartServer

BAD_TEXT = ("\ud800", "a\udfffb", "nul\x00here", "bell\x07", "\ufffe")


@pytest.fixture
async def chat_server(any_database: dict[str, str], start_server: StartServer) -> Running:
    return await start_server(**any_database)


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def test_every_string_field_refuses_what_is_no_text(
    chat_server: Running, caplog: pytest.LogCaptureFixture
) -> None:
    server = chat_server
    agent, visitor, conv = await open_chat(server)
    other = await server.agent("Alan")
    assert other.info is not None
    for bad in BAD_TEXT:
        visitor_events: list[tuple[str, Any]] = [
            ("conversation.start", {"name": bad}),
            ("conversation.start", {"timezone": bad}),
            ("conversation.start", {"page": {"url": "https://x.example/", "title": bad}}),
            ("conversation.start", {"page": {"referrer": bad}}),
            ("message.send", payload(bad)),
            ("message.send", {**payload("hello"), "client_id": bad}),
            ("page.view", {"url": bad, "title": "t"}),
            ("page.view", {"url": "https://x.example/", "title": bad}),
        ]
        for event, data in visitor_events:
            assert code(await visitor.emit(event, data)) == "bad_request", (event, data)
        agent_events: list[tuple[str, Any]] = [
            ("message.send", payload(bad, conv)),
            ("message.send", {**payload("hi", conv), "private": True, "client_id": bad}),
            ("message.send", {**payload("hi", conv), "assist": {"article_id": bad}}),
            ("message.send", {**payload("hi", conv), "assist": {"article_id": "a", "draft": bad}}),
            ("conversation.transfer", {"conversation_id": conv, "agent_id": other.info["id"], "note": bad}),
            ("status.set", {"status": bad}),
            ("assist.search", {"query": bad}),
            ("assist.feedback", {"conversation_id": conv, "article_id": bad, "action": "inserted"}),
        ]
        for event, data in agent_events:
            assert code(await agent.emit(event, data)) == "bad_request", (event, data)
    assert await texts(server, conv) == []
    transfer_note = await agent.emit("conversation.transfer", {"conversation_id": conv, "agent_id": "a_0"})
    assert code(transfer_note) == "not_found"
    no_errors_logged(caplog)


async def test_integers_ids_and_client_ids_in_their_exact_form(
    chat_server: Running, caplog: pytest.LogCaptureFixture
) -> None:
    server = chat_server
    agent, visitor, conv = await open_chat(server)
    for me, target in ((visitor, None), (agent, conv)):
        for last_seq in (2**31, 2**63, 10**30):
            ack = await me.emit("sync", {"conversation_id": target, "last_seq": last_seq})
            assert code(ack) == "bad_request", (me.namespace, last_seq)
        ack = await me.emit("sync", {"conversation_id": target, "last_seq": 2**31 - 1})
        assert ack["ok"], ack
        assert ack["messages"] == [], ack
        for client_id in ("not-a-uuid", "1", str(uuid.uuid4()) + "0", "x" * 36):
            ack = await me.emit("message.send", {**payload("hi", target), "client_id": client_id})
            assert code(ack) == "bad_request", (me.namespace, client_id)
    n = conv_int(conv)
    # Digits that are digits to str.isdigit() but not ASCII, a sign, leading zeros, past an INTEGER.
    for other_form in (f"c_{n}²", "c_²", f"c_{chr(0x660 + n)}", f"c_0{n}", f"c_+{n}", f"c_{2**31}"):
        for event in ("sync", "visitor.get", "conversation.close"):
            ack = await agent.emit(event, {"conversation_id": other_form, "last_seq": 0})
            assert code(ack) == "not_found", (event, other_form, ack)
    for not_a_string in (n, [conv], {"id": conv}):
        ack = await agent.emit("sync", {"conversation_id": not_a_string, "last_seq": 0})
        assert code(ack) == "bad_request", (not_a_string, ack)
    assert (await agent.emit("sync", {"conversation_id": conv, "last_seq": 0}))["ok"], "the real id works"
    assert agent.token is not None
    async with aiohttp.ClientSession() as http:
        for other_form in ("c_²", f"c_{chr(0x660 + n)}", "c_" + "9" * 30, "c_%ED%A0%80"):
            url = f"{server.url}/api/conversations/{other_form}/transcript"
            async with http.get(url, headers={"Authorization": f"Bearer {agent.token}"}) as r:
                assert r.status == 404, (other_form, await r.text())
                assert (await r.json())["error"]["code"] == "not_found"
    no_errors_logged(caplog)


async def test_a_nul_is_never_stored(chat_server: Running) -> None:
    """Not in a message, nor in the visitor's details an agent reads."""
    server = chat_server
    agent, visitor, conv = await open_chat(server)
    assert code(await visitor.emit("message.send", payload("a\x00b"))) == "bad_request"
    assert code(await visitor.emit("page.view", {"url": "https://x.example/\x00"})) == "bad_request"
    assert await texts(server, conv) == []
    details = await agent.emit("visitor.get", {"conversation_id": conv})
    assert "\x00" not in repr(details)


async def test_events_named_connect_or_disconnect_are_unknown_events(chat_server: Running) -> None:
    """A client may send an event by a name python-socketio reserves: it is no handshake."""
    server = chat_server
    agent, visitor, conv = await open_chat(server)
    other = await server.agent("Alan", online=False)
    for me, data in ((agent, {"token": other.token}), (visitor, {"HTTP_ORIGIN": "http://evil.example"})):
        for event in ("connect", "disconnect"):
            assert code(await me.emit(event, data)) == "bad_request", (me.namespace, event)
    assert agent.info is not None
    assert other.info is not None
    team = await agent.emit("status.set", {"status": "online"})
    assert team["ok"], team
    assert team["agent"]["id"] == agent.info["id"], "still the same agent"
    assert team["agent"]["connected"] is True
    connected = {int(a.info["id"].removeprefix("a_")) for a in (agent, other) if a.info}
    assert await server.chat.presence.connected() == connected, "no one was marked gone"
    sent = await visitor.emit("message.send", payload("still here"))
    assert sent["ok"], sent
    assert (await agent.recv_until("message", lambda m: m["text"] == "still here"))["conversation_id"] == conv


async def test_a_payload_python_socketio_cannot_decode_is_a_bad_request(
    chat_server: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """An integer of over 100 digits, or nesting past the JSON parser's stack: answered, not lost
    with a stack trace in the log; the connection goes on."""
    agent, visitor, conv = await open_chat(chat_server)
    for me, target in ((visitor, None), (agent, conv)):
        ack = await me.emit("sync", {"conversation_id": target, "last_seq": 10**200})
        assert code(ack) == "bad_request", me.namespace
        # Too deep for this client to encode: the packet as text, asking for no acknowledgement.
        deep = "[" * 50_000 + "]" * 50_000
        await me.sio.eio.send(f'2{me.namespace},["sync",{{"last_seq":{deep}}}]')
        await me.fence()
        assert (await me.emit("sync", {"conversation_id": target, "last_seq": 0}))["ok"]
    no_errors_logged(caplog)
