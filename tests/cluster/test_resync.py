"""A message whose live event was lost between two servers reaches the client after a ``resync``
(docs/protocol.md, "Several processes and resync"), with the self-resuming test client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from server.chat.signals import RESYNC
from tests.chat.test_restart import transcript
from tests.cluster.lossy import losing
from tests.conftest import PASSWORD, Running
from tests.peers import login
from tests.resuming import ResumingClient


class Chat:
    """A visitor on server A chatting with Grace, an agent on server B, both resuming clients."""

    def __init__(self, a: Running, b: Running, token: str) -> None:
        self.a, self.b, self.token = a, b, token
        self.agent = ResumingClient(b.url, "/agent", token=token)
        self.visitor = ResumingClient(a.url, "/visitor")
        self.conv = ""

    async def start(self) -> None:
        await self.agent.connect()
        assert (await self.agent.sio.call("status.set", {"status": "online"}, namespace="/agent"))["ok"]
        await self.visitor.connect()
        started = await self.visitor.sio.call("conversation.start", {"name": "Ada"}, namespace="/visitor")
        assert started["ok"], started
        conv = self.conv = started["conversation"]["id"]
        # Both ways across the two servers before anything is lost.
        await self.agent.wait_for(lambda: self.agent.last_seq(conv) == 1)
        await self.visitor.wait_for(lambda: self.visitor.last_seq(conv) == 1)
        await self.say(self.visitor, "where is my card?")
        await self.agent.wait_for(lambda: self.agent.last_seq(conv) == 2)
        await self.say(self.agent, "on its way")
        await self.visitor.wait_for(lambda: self.visitor.last_seq(conv) == 3)

    async def say(self, client: ResumingClient, text: str, *, private: bool = False) -> dict[str, Any]:
        """Send and wait for the acknowledgement; returns the stored message."""
        conversation = self.conv if client is self.agent else None
        ack = await client.acked(await client.send(text, conversation, private=private))
        assert ack["ok"], ack
        return dict(ack["message"])

    async def stored(self, *, include_private: bool = True) -> list[dict[str, Any]]:
        messages = await transcript(self.b.url, self.token, self.conv)
        return [m for m in messages if include_private or not m["private"]]

    async def close(self) -> None:
        for client in (self.agent, self.visitor):
            await client.close()
            assert client.errors == [], client.errors


@pytest.fixture
async def chat(two_servers: tuple[Running, Running]) -> AsyncIterator[Chat]:
    a, b = two_servers
    await b.add_agent("Grace")
    _, token = await login(b.url, "grace@example.com", PASSWORD)
    chat = Chat(a, b, token)
    try:
        await chat.start()
        yield chat
    finally:
        await chat.close()


async def test_a_resync_brings_the_agent_a_message_it_missed(chat: Chat) -> None:
    agent, visitor = chat.agent, chat.visitor
    with losing(chat.b, "message", "/agent") as lost:
        held_back = await chat.say(visitor, "is this one lost?")
        assert await lost.wait(1) == [held_back]
    # B dropped it before emitting anything; the fence shows nothing else brought it meanwhile.
    await agent.fence()
    assert (agent.last_seq(chat.conv), sorted(agent.held[chat.conv])) == (3, [1, 2, 3])

    await chat.a.chat.signals.send(RESYNC, {})
    await agent.wait_for(lambda: agent.resyncs == 1)
    await visitor.wait_for(lambda: visitor.resyncs == 1)
    stored = await chat.stored()
    assert [m["seq"] for m in stored] == [1, 2, 3, 4]
    assert agent.history(chat.conv) == stored
    assert stored[-1] == held_back
    assert visitor.history(chat.conv) == stored

    # Again, and again: nothing held is dropped or doubled.
    await chat.b.chat.signals.send(RESYNC, {})
    await chat.b.chat.signals.send(RESYNC, {})
    await agent.wait_for(lambda: agent.resyncs == 3)
    await visitor.wait_for(lambda: visitor.resyncs == 3)
    assert agent.history(chat.conv) == stored
    assert visitor.history(chat.conv) == stored
    assert agent.last_seq(chat.conv) == 4


async def test_a_resync_brings_the_visitor_a_message_it_missed(chat: Chat) -> None:
    agent, visitor = chat.agent, chat.visitor
    with losing(chat.a, "message", "/visitor") as lost:
        note = await chat.say(agent, "checking the courier", private=True)
        held_back = await chat.say(agent, "it arrives tomorrow")
        assert await lost.wait(1) == [held_back]  # the note never goes to visitors at all
    await visitor.fence()
    assert (visitor.last_seq(chat.conv), sorted(visitor.held[chat.conv])) == (3, [1, 2, 3])

    await chat.b.chat.signals.send(RESYNC, {})
    await visitor.wait_for(lambda: visitor.resyncs == 1)
    assert [m["seq"] for m in await chat.stored()] == [1, 2, 3, 4, 5]
    assert visitor.history(chat.conv) == await chat.stored(include_private=False)
    assert visitor.history(chat.conv)[-1] == held_back
    assert visitor.last_seq(chat.conv) == 5
    assert agent.history(chat.conv)[-2:] == [note, held_back]


async def test_a_resync_gives_agents_a_fresh_session(two_servers: tuple[Running, Running]) -> None:
    """Not only messages get lost: an agent who missed being assigned a chat gets it with the
    fresh ``session`` that follows ``resync``."""
    a, b = two_servers
    agent = await b.agent("Grace")
    visitor = await a.visitor()
    with losing(b, "conversation.assigned", "/agent") as lost:
        started = await visitor.emit("conversation.start", {"name": "Ada"})
        conversation_id = started["conversation"]["id"]
        (missed,) = await lost.wait(1)
        assert missed["conversation"]["id"] == conversation_id
    await agent.nothing("conversation.assigned")
    await a.chat.signals.send(RESYNC, {})
    assert await agent.recv("resync") == {}
    session = await agent.recv("session")
    assert [c["id"] for c in session["conversations"]] == [conversation_id]


@pytest.mark.timeout(60)
async def test_a_process_that_dies_makes_every_client_resync(two_servers: tuple[Running, Running]) -> None:
    """A process that dies between storing a message and announcing it leaves clients of the
    others without a gap to notice; once its roll-call entry expires they are told to resync."""
    a, b = two_servers
    visitor = await b.visitor()
    # Server A "dies": everything it runs in the background (its roll call included) stops.
    await a.chat.background.close()
    assert await visitor.recv("resync", timeout=20) == {}
