"""The conversation history: every conversation an agent may read, filtered and paged, and the
full-text search over what was written in them.

Pages are keyset pages (``before`` an id, newest first), so a page costs the same at any depth
and nothing shifts between pages while new chats arrive. The list is in the order conversations
started (ids); search hits are messages, newest first (message ids). Both orders are the primary
keys': no column on the message path is written for the sake of the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.schema import conversation_labels, conversations
from server.store.models import ASSIGNED, QUEUED, Conversation, Message
from server.store.search import Matcher, matcher_for

StatusFilter = Literal["queued", "assigned", "closed", "open"]


@dataclass(frozen=True)
class Scope:
    """The conversations one agent may read (the access rule, server/chat/access.py, says whose):
    every one, or those held (or last held) by ``agent_id`` and every queued one."""

    agent_id: int | None = None

    @property
    def everything(self) -> bool:
        return self.agent_id is None


@dataclass(frozen=True)
class Filters:
    status: StatusFilter | None = None
    agent_id: int | None = None  # held (or last held) by this agent
    unassigned: bool = False  # no agent ever answered, or waiting now
    label: str | None = None
    started_from: float | None = None  # UNIX seconds, inclusive
    started_to: float | None = None  # UNIX seconds, exclusive


@dataclass(frozen=True)
class Hit:
    """A message that matched a search, and its conversation."""

    message: Message
    conversation: Conversation


@dataclass(frozen=True)
class ConversationPage:
    items: list[Conversation]
    next: int | None  # pass as ``before`` for the next page; None: this was the last


@dataclass(frozen=True)
class HitPage:
    items: list[Hit]
    next: int | None


def conversation_where(scope: Scope, filters: Filters) -> list[sa.ColumnElement[bool]]:
    """SQL conditions on ``conversations`` for a scope and filters."""
    c = conversations.c
    where: list[sa.ColumnElement[bool]] = []
    if not scope.everything:
        where.append(sa.or_(c.agent_id == scope.agent_id, c.status == QUEUED))
    if filters.status == "open":
        where.append(c.status.in_([QUEUED, ASSIGNED]))
    elif filters.status is not None:
        where.append(c.status == filters.status)
    if filters.agent_id is not None:
        where.append(c.agent_id == filters.agent_id)
    if filters.unassigned:
        where.append(c.agent_id.is_(None))
    if filters.label is not None:
        labelled = sa.select(conversation_labels.c.conversation_id).where(
            conversation_labels.c.label == filters.label
        )
        where.append(c.id.in_(labelled))
    if filters.started_from is not None:
        where.append(c.created_at >= filters.started_from)
    if filters.started_to is not None:
        where.append(c.created_at < filters.started_to)
    return where


class HistoryStore:
    """Lists and searches conversations; reads only."""

    def __init__(self, engine: AsyncEngine, matcher: Matcher | None = None) -> None:
        self._engine = engine
        self._matcher = matcher or matcher_for(engine.dialect.name)

    async def conversations(
        self, scope: Scope, filters: Filters, *, before: int | None = None, limit: int = 25
    ) -> ConversationPage:
        query = sa.select(conversations).where(*conversation_where(scope, filters))
        if before is not None:
            query = query.where(conversations.c.id < before)
        query = query.order_by(conversations.c.id.desc()).limit(limit + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        items = [Conversation.from_row(r) for r in rows[:limit]]
        return ConversationPage(items, items[-1].id if len(rows) > limit else None)

    async def search(
        self,
        words: Sequence[str],
        scope: Scope,
        filters: Filters,
        *,
        before: int | None = None,
        limit: int = 25,
    ) -> HitPage:
        """Messages (text and notes, not system events) holding every word of ``words`` (each
        also as the start of a longer word), newest first, in the conversations of ``scope`` that
        pass ``filters``. The one search of both databases: the matching is the database's own
        full-text index (server/store/search.py), the rest is the same SQL."""
        if not words:
            return HitPage([], None)
        where = conversation_where(scope, filters)
        async with self._engine.connect() as conn:
            found = await self._matcher.messages(conn, list(words), where, before, limit + 1)
            ids = sorted({m.conversation_id for m in found})
            query = sa.select(conversations).where(conversations.c.id.in_(ids))
            convs = {r.id: Conversation.from_row(r) for r in await conn.execute(query)} if ids else {}
        items = [Hit(m, convs[m.conversation_id]) for m in found[:limit]]
        return HitPage(items, items[-1].message.id if len(found) > limit else None)
