"""Conversations and their lifecycle: queued → assigned → closed.

Every state change is a conditional UPDATE (``WHERE status = ...``) committed together with the
system event that records it, so two racing changes cannot both win.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from common.db.fast import Fast
from server.db.schema import agents, conversations
from server.store.messages import append_in
from server.store.models import ASSIGNED, CLOSED, QUEUED, SYSTEM, Agent, Author, Conversation, Message


@dataclass(frozen=True)
class Change:
    """A conversation after a state change, and the system messages recorded with it."""

    conversation: Conversation
    events: list[Message]


# The reads on every message's path, built once: building a statement costs more CPU than
# SQLite spends running it (docs/performance.md); SQLAlchemy caches the compiled form.
_BY_ID = sa.select(conversations).where(conversations.c.id == sa.bindparam("id"))
_OPEN_FOR_VISITOR = (
    sa.select(conversations)
    .where(conversations.c.visitor_id == sa.bindparam("visitor_id"))
    .where(conversations.c.status != CLOSED)
)


class ConversationStore:
    """Creates, reads and moves conversations through their states."""

    def __init__(self, engine: AsyncEngine, fast: Fast) -> None:
        self._engine = engine
        self._fast = fast

    async def create(self, visitor_id: int, ip: str | None) -> Conversation:
        now = time.time()
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.insert(conversations)
                    .values(
                        visitor_id=visitor_id,
                        status=QUEUED,
                        ip=ip,
                        created_at=now,
                        queued_at=now,
                    )
                    .returning(conversations)
                )
            ).one()
        return Conversation.from_row(row)

    async def get(self, conversation_id: int) -> Conversation | None:
        row = await self._fast.one(_BY_ID, {"id": conversation_id})
        return Conversation.from_mapping(row) if row else None

    async def open_for_visitor(self, visitor_id: int) -> Conversation | None:
        row = await self._fast.one(_OPEN_FOR_VISITOR, {"visitor_id": visitor_id})
        return Conversation.from_mapping(row) if row else None

    async def for_visitor(self, visitor_id: int) -> list[Conversation]:
        return await self._many(conversations.c.visitor_id == visitor_id, order=conversations.c.id.desc())

    async def queued(self) -> list[Conversation]:
        """Waiting conversations in the order they will be served."""
        # Arrival order is id order (ids are allocated by the INSERT). Not queued_at: create() reads the
        # clock before it gets a connection, so under concurrent starts queued_at and ids disagree.
        return await self._many(
            conversations.c.status == QUEUED,
            order=(conversations.c.priority.desc(), conversations.c.id),
        )

    async def assigned_to(self, agent_id: int) -> list[Conversation]:
        return await self._many(
            sa.and_(conversations.c.agent_id == agent_id, conversations.c.status == ASSIGNED),
            order=conversations.c.id,
        )

    async def loads(self) -> dict[int, int]:
        """Open conversations per agent."""
        query = (
            sa.select(conversations.c.agent_id, sa.func.count())
            .where(conversations.c.status == ASSIGNED)
            .group_by(conversations.c.agent_id)
        )
        async with self._engine.connect() as conn:
            return {agent_id: n for agent_id, n in await conn.execute(query)}

    async def started_since(
        self, since: float, *, visitor_id: int | None = None, ip: str | None = None
    ) -> int:
        """How many conversations a visitor or an IP address started after ``since``."""
        query = sa.select(sa.func.count()).where(conversations.c.created_at >= since)
        if visitor_id is not None:
            query = query.where(conversations.c.visitor_id == visitor_id)
        if ip is not None:
            query = query.where(conversations.c.ip == ip)
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def assign(
        self, conversation_id: int, agent: Agent, *, capacity: int | None = None, note: str | None = None
    ) -> Change | None:
        """Give a queued conversation to ``agent``; None if it was no longer queued.

        With ``capacity``, raises :class:`OverCapacity` when the agent already holds that many:
        checked under a lock on the agent's row, so processes assigning at once cannot together
        push an agent over (on SQLite the one writer serialises them anyway).
        """
        async with self._engine.begin() as conn:
            if capacity is not None:
                await _check_capacity(conn, agent.id, capacity)
            conv = await self._update(
                conn,
                sa.and_(conversations.c.id == conversation_id, conversations.c.status == QUEUED),
                status=ASSIGNED,
                agent_id=agent.id,
                assigned_at=time.time(),
                priority=0,
            )
            if conv is None:
                return None
            # ``note``: an admin took it over their capacity; kept for agents (and the transcript).
            noted = (
                [
                    await append_in(
                        conn, conv.id, SYSTEM, note, type="event", event="over_capacity", private=True
                    )
                ]
                if note
                else []
            )
            event = await append_in(
                conn, conv.id, SYSTEM, f"{agent.name} joined the chat", type="event", event="assigned"
            )
        return Change(_with_seq(conv, event), [*noted, event])

    async def transfer(self, conversation_id: int, source: Agent, target: Agent, note: str) -> Change | None:
        """Move an assigned conversation from ``source`` to ``target``, recording the note; raises
        :class:`OverCapacity` when the target has no room."""
        async with self._engine.begin() as conn:
            await _check_capacity(conn, target.id, target.capacity)
            conv = await self._update(
                conn,
                sa.and_(
                    conversations.c.id == conversation_id,
                    conversations.c.status == ASSIGNED,
                    conversations.c.agent_id == source.id,
                ),
                agent_id=target.id,
                assigned_at=time.time(),
            )
            if conv is None:
                return None
            text = f"{source.name} transferred the chat to {target.name}"
            private = await append_in(
                conn,
                conv.id,
                Author("agent", source.id, source.name),
                f"{text}: {note}" if note else text,
                type="event",
                event="transferred",
                private=True,
            )
            public = await append_in(
                conn, conv.id, SYSTEM, f"{target.name} joined the chat", type="event", event="assigned"
            )
        return Change(_with_seq(conv, public), [private, public])

    async def requeue_agent(self, agent: Agent) -> list[Change]:
        """Put every open conversation of ``agent`` back at the front of the queue."""
        changes = []
        async with self._engine.begin() as conn:
            rows = await conn.execute(
                sa.update(conversations)
                .where(conversations.c.agent_id == agent.id)
                .where(conversations.c.status == ASSIGNED)
                .values(status=QUEUED, agent_id=None, assigned_at=None, priority=1)
                .returning(conversations)
            )
            convs = [Conversation.from_row(r) for r in rows]
            for conv in sorted(convs, key=lambda c: c.id):
                event = await append_in(
                    conn,
                    conv.id,
                    SYSTEM,
                    # Public: the visitor hears why nobody answers, and that someone will.
                    f"{agent.name} is no longer available; the chat is back in the queue "
                    "for the next available agent",
                    type="event",
                    event="requeued",
                )
                changes.append(Change(_with_seq(conv, event), [event]))
        return changes

    async def close(self, conversation_id: int, by: Author) -> Change | None:
        """Close an open conversation; None if it was already closed."""
        async with self._engine.begin() as conn:
            conv = await self._update(
                conn,
                sa.and_(conversations.c.id == conversation_id, conversations.c.status != CLOSED),
                status=CLOSED,
                closed_at=time.time(),
            )
            if conv is None:
                return None
            who = by.name if by.type == "agent" else "The visitor"
            event = await append_in(
                conn, conv.id, SYSTEM, f"{who} closed the chat", type="event", event="closed"
            )
        return Change(_with_seq(conv, event), [event])

    async def reopen(self, conversation_id: int, agent: Agent, *, capacity: int) -> Change | None:
        """Open a closed conversation again, held by ``agent``; None if it is not closed. Raises
        :class:`VisitorBusy` when its visitor has another open conversation (a visitor has one at a
        time), :class:`OverCapacity` when the agent has no room."""
        async with self._engine.begin() as conn:
            await _check_capacity(conn, agent.id, capacity)
            closed = sa.and_(conversations.c.id == conversation_id, conversations.c.status == CLOSED)
            row = (await conn.execute(sa.select(conversations.c.visitor_id).where(closed))).first()
            if row is None:
                return None
            other = (await conn.execute(_OPEN_FOR_VISITOR, {"visitor_id": row.visitor_id})).first()
            if other is not None:
                raise VisitorBusy(other.id)
            conv = await self._update(
                conn, closed, status=ASSIGNED, agent_id=agent.id, assigned_at=time.time(), closed_at=None
            )
            if conv is None:
                return None
            event = await append_in(
                conn, conv.id, SYSTEM, f"{agent.name} reopened the chat", type="event", event="reopened"
            )
        return Change(_with_seq(conv, event), [event])

    async def _update(
        self, conn: AsyncConnection, where: sa.ColumnElement[bool], **values: object
    ) -> Conversation | None:
        row = (
            await conn.execute(
                sa.update(conversations).where(where).values(**values).returning(conversations)
            )
        ).first()
        return Conversation.from_row(row) if row else None

    async def _many(self, where: sa.ColumnElement[bool], order: object) -> list[Conversation]:
        order_by = order if isinstance(order, tuple) else (order,)
        async with self._engine.connect() as conn:
            rows = await conn.execute(sa.select(conversations).where(where).order_by(*order_by))
        return [Conversation.from_row(r) for r in rows]


def _with_seq(conv: Conversation, last: Message) -> Conversation:
    """The conversation as of the last event appended in the same transaction."""
    from dataclasses import replace

    return replace(conv, last_seq=last.seq)


class VisitorBusy(Exception):
    """The visitor has another open conversation (its id is the argument)."""


class OverCapacity(Exception):
    """The agent holds as many conversations as they may."""


async def _check_capacity(conn: AsyncConnection, agent_id: int, capacity: int) -> None:
    await conn.execute(sa.select(agents.c.id).where(agents.c.id == agent_id).with_for_update())
    held = await conn.execute(
        sa.select(sa.func.count())
        .select_from(conversations)
        .where(conversations.c.agent_id == agent_id, conversations.c.status == ASSIGNED)
    )
    if held.scalar_one() >= capacity:
        raise OverCapacity(agent_id)
