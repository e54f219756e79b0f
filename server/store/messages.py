"""The message log: gap-free sequence numbers and idempotent appends."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db.schema import conversations, messages
from server.store.models import Author, Message


class ConversationClosed(Exception):
    """The conversation no longer takes messages."""


@dataclass(frozen=True)
class Appended:
    """The stored message, and whether this call stored it (False: a retry found it)."""

    message: Message
    created: bool


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
    values = {
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
        "created_at": time.time(),
    }
    row_id = (await conn.execute(sa.insert(messages).values(**values))).inserted_primary_key
    assert row_id is not None
    return Message(id=row_id[0], **values)


class MessageStore:
    """Reads and idempotent writes of conversation messages."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def append(
        self,
        conversation_id: int,
        author: Author,
        text: str,
        *,
        client_id: str,
        private: bool = False,
    ) -> Appended:
        """Store a typed message once per ``client_id``; a retry returns the stored one."""
        existing = await self.by_client_id(conversation_id, client_id)
        if existing is not None:
            return Appended(existing, created=False)
        try:
            async with self._engine.begin() as conn:
                status = (
                    await conn.execute(
                        sa.select(conversations.c.status).where(conversations.c.id == conversation_id)
                    )
                ).scalar_one()
                if status == "closed":
                    raise ConversationClosed
                message = await append_in(
                    conn,
                    conversation_id,
                    author,
                    text,
                    type="note" if private else "text",
                    private=private,
                    client_id=client_id,
                )
                if author.type == "agent" and not private:
                    await conn.execute(
                        sa.update(conversations)
                        .where(conversations.c.id == conversation_id)
                        .where(conversations.c.first_response_at.is_(None))
                        .values(first_response_at=message.created_at)
                    )
        except IntegrityError:
            # Two sends of the same client_id raced: the other one stored it (and its sequence
            # number increment was rolled back with this transaction).
            found = await self.by_client_id(conversation_id, client_id)
            if found is None:
                raise
            return Appended(found, created=False)
        return Appended(message, created=True)

    async def by_client_id(self, conversation_id: int, client_id: str) -> Message | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(messages)
                    .where(messages.c.conversation_id == conversation_id)
                    .where(messages.c.client_id == client_id)
                )
            ).first()
        return Message.from_row(row) if row else None

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
