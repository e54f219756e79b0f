"""The message log: gap-free sequence numbers and idempotent appends."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from common.db.fast import Fast
from server.db.schema import conversations, messages
from server.store.appends import BY_CLIENT_ID, Append, Appended, GroupCommit
from server.store.models import Author, Message

__all__ = ["Appended", "ConversationClosed", "MessageStore", "append_in"]


class ConversationClosed(Exception):
    """The conversation no longer takes messages."""


async def append_in(
    conn: AsyncConnection,
    conversation_id: int,
    author: Author,
    text: str,
    *,
    type: str = "text",
    private: bool = False,
    event: str | None = None,
    client_id: str | None = None,
) -> Message:
    """Store one message inside the caller's transaction.

    The sequence number comes from the conversation row in the same transaction: the UPDATE locks
    the row (PostgreSQL) or the database (SQLite), so numbers are gap-free and in commit order.
    """
    seq = (
        await conn.execute(
            sa.update(conversations)
            .where(conversations.c.id == conversation_id)
            .values(last_seq=conversations.c.last_seq + 1)
            .returning(conversations.c.last_seq)
        )
    ).scalar_one()
    return await _insert(
        conn, conversation_id, seq, author, text, type=type, private=private, event=event, client_id=client_id
    )


_INSERT = sa.insert(messages)


async def _insert(
    conn: AsyncConnection,
    conversation_id: int,
    seq: int,
    author: Author,
    text: str,
    *,
    type: str,
    private: bool,
    event: str | None = None,
    client_id: str | None,
    created_at: float | None = None,
) -> Message:
    values: dict[str, Any] = {
        "conversation_id": conversation_id,
        "seq": seq,
        "client_id": client_id,
        "type": type,
        "private": private,
        "author_type": author.type,
        "author_id": author.id,
        "author_name": author.name,
        "text": text,
        "event": event,
        "created_at": time.time() if created_at is None else created_at,
    }
    row_id = (await conn.execute(_INSERT, values)).inserted_primary_key
    if row_id is None:  # an INSERT of one row always has one; say so if a driver ever breaks that
        raise RuntimeError("the database returned no id for a new message")
    return Message(id=row_id[0], **values)


class MessageStore:
    """Reads and idempotent writes of conversation messages."""

    def __init__(self, engine: AsyncEngine, fast: Fast) -> None:
        self._engine = engine
        self._fast = fast
        self._commits = GroupCommit(fast)

    async def append(
        self,
        conversation_id: int,
        author: Author,
        text: str,
        *,
        client_id: str,
        private: bool = False,
    ) -> Appended:
        """Store a typed message once per ``client_id``; a retry returns the stored one. Answers
        once the message is committed, together with others of the same moment
        (server/store/appends.py)."""
        appended = await self._commits.append(Append(conversation_id, author, text, client_id, private))
        if appended is None:
            raise ConversationClosed
        return appended

    async def by_client_id(self, conversation_id: int, client_id: str) -> Message | None:
        row = await self._fast.one(BY_CLIENT_ID, {"conversation_id": conversation_id, "client_id": client_id})
        return Message.from_mapping(row) if row else None

    async def since(
        self, conversation_id: int, last_seq: int, *, include_private: bool, limit: int
    ) -> list[Message]:
        """Messages with ``seq > last_seq`` in order, at most ``limit``."""
        query = (
            sa.select(messages)
            .where(messages.c.conversation_id == conversation_id)
            .where(messages.c.seq > last_seq)
            .order_by(messages.c.seq)
            .limit(limit)
        )
        if not include_private:
            query = query.where(messages.c.private.is_(False))
        async with self._engine.connect() as conn:
            return [Message.from_row(r) for r in await conn.execute(query)]

    async def recent_texts(self, conversation_id: int, author_type: str, limit: int) -> list[Message]:
        """The last ``limit`` text messages by ``author_type``, oldest first."""
        query = (
            sa.select(messages)
            .where(messages.c.conversation_id == conversation_id)
            .where(messages.c.author_type == author_type)
            .where(messages.c.type == "text")
            .order_by(messages.c.seq.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = [Message.from_row(r) for r in await conn.execute(query)]
        return rows[::-1]

    async def last_text(self, conversation_ids: list[int]) -> dict[int, Message]:
        """The latest non-private text message of each conversation, for list previews."""
        if not conversation_ids:
            return {}
        latest = (
            sa.select(sa.func.max(messages.c.seq).label("seq"), messages.c.conversation_id)
            .where(messages.c.conversation_id.in_(conversation_ids))
            .where(messages.c.type == "text")
            .group_by(messages.c.conversation_id)
            .subquery()
        )
        query = sa.select(messages).join(
            latest,
            sa.and_(
                messages.c.conversation_id == latest.c.conversation_id,
                messages.c.seq == latest.c.seq,
            ),
        )
        async with self._engine.connect() as conn:
            rows = [Message.from_row(r) for r in await conn.execute(query)]
        return {m.conversation_id: m for m in rows}
