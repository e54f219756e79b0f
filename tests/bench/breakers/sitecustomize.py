"""A deliberately broken Tandem, for showing that the chaos checker notices (tests/bench).

Loaded by a server process started with this folder on PYTHONPATH; ``TANDEM_BREAK`` says what to
break. Never on a real server's path.
"""
# mypy: ignore-errors

from __future__ import annotations

import itertools
import os

BREAK = os.environ.get("TANDEM_BREAK", "")

if BREAK == "drop_emits":
    # After the first five, live messages to agents go nowhere, and nothing tells them to resync:
    # with no later message to show the gap, what they missed stays missed (dropping only some,
    # a later one could reveal each gap to the client, which then syncs: a flaky demonstration).
    import dataclasses

    import server.chat.broadcast as broadcast

    _message = broadcast.Broadcaster.message
    _count = itertools.count()

    async def message(self, conv, message, skip_sid=None):
        if conv.agent_id is not None and next(_count) >= 5:
            conv = dataclasses.replace(conv, agent_id=None)  # the visitor still gets it
        await _message(self, conv, message, skip_sid)

    broadcast.Broadcaster.message = message

elif BREAK == "double_assign":
    # Routing gives a waiting chat to two agents, the second over the first.
    import sqlalchemy as sa

    import server.chat.routing as routing
    import server.store.conversations as conversations
    from server.db.schema import conversations as table

    async def assign(self, conversation_id, agent, *, capacity=None, note=None):
        async with self._engine.begin() as conn:
            conv = await self._update(
                conn,
                sa.and_(table.c.id == conversation_id, table.c.status != conversations.CLOSED),
                status=conversations.ASSIGNED,
                agent_id=agent.id,
                assigned_at=conversations.time.time(),
                priority=0,
            )
            if conv is None:
                return None
            event = await conversations.append_in(
                conn,
                conv.id,
                conversations.SYSTEM,
                f"{agent.name} joined the chat",
                type="event",
                event="assigned",
            )
        return conversations.Change(conversations._with_seq(conv, event), [event])

    conversations.ConversationStore.assign = assign
    _assign = routing.Router._assign

    async def assign_twice(self, conv, agent, reason, *, capacity):
        change = await _assign(self, conv, agent, reason, capacity=capacity)
        others = [a for a in await self._stores.agents.all() if a.id != agent.id and a.status == "online"]
        if change is not None and others:
            await _assign(self, change.conversation, others[0], reason, capacity=others[0].capacity)
        return change

    routing.Router._assign = assign_twice

elif BREAK == "lose_stores":
    # Every fifth visitor message is acknowledged, then deleted from the database.
    import sqlalchemy as sa

    import server.chat.delivery as delivery
    from server.db.schema import messages

    _do_send = delivery.Delivery.do_send
    _count = itertools.count()

    async def do_send(self, conv, author, text, client_id, **kwargs):
        appended = await _do_send(self, conv, author, text, client_id, **kwargs)
        if author.type == "visitor" and appended.created and next(_count) % 5 == 4:
            async with self._stores.messages._engine.begin() as conn:
                await conn.execute(sa.delete(messages).where(messages.c.id == appended.message.id))
        return appended

    delivery.Delivery.do_send = do_send
