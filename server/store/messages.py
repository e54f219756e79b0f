"""The message log: gap-free sequence numbers and idempotent appends."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db.schema import conversations, messages
from server.store.models import CLOSED, Author, Conversation, Message


class ConversationClosed(Exception):
    """The conversation no longer takes messages."""


@dataclass(frozen=True)
class Appended:
    """The stored message, and whether this call stored it (False: a retry found it); when it did,
    the conversation as that transaction left it."""

    message: Message
    created: bool
    conversation: Conversation | None = None


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


def _allocate_statement(agent_public: bool) -> sa.Update:
    """Next sequence number of an open conversation, returning the updated conversation row; no
    row when the conversation is closed or missing. An agent's public message also records the
    conversation's first response, once."""
    values: dict[str, Any] = {"last_seq": conversations.c.last_seq + 1}
    if agent_public:
        values["first_response_at"] = sa.func.coalesce(conversations.c.first_response_at, sa.bindparam("now"))
    return (
        sa.update(conversations)
        .where(conversations.c.id == sa.bindparam("conversation_id"))
        .where(conversations.c.status != CLOSED)
        .values(**values)
        .returning(*conversations.c)
    )


# Every message runs these: built once, since building a statement costs more CPU than SQLite
# spends running it (docs/performance.md); SQLAlchemy caches the compiled form.
_ALLOCATE = _allocate_statement(agent_public=False)
_ALLOCATE_FIRST_RESPONSE = _allocate_statement(agent_public=True)
_INSERT = sa.insert(messages)
_BY_CLIENT_ID = (
    sa.select(messages)
    .where(messages.c.conversation_id == sa.bindparam("conversation_id"))
    .where(messages.c.client_id == sa.bindparam("client_id"))
)


async def _allocate(
    conn: AsyncConnection, conversation_id: int, author: Author, private: bool, now: float
) -> sa.Row[Any] | None:
    if author.type == "agent" and not private:
        params = {"conversation_id": conversation_id, "now": now}
        return (await conn.execute(_ALLOCATE_FIRST_RESPONSE, params)).first()
    return (await conn.execute(_ALLOCATE, {"conversation_id": conversation_id})).first()


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


async def _by_client_id(conn: AsyncConnection, conversation_id: int, client_id: str) -> Message | None:
    row = (
        await conn.execute(_BY_CLIENT_ID, {"conversation_id": conversation_id, "client_id": client_id})
    ).first()
    return Message.from_row(row) if row else None


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
        """Store a typed message once per ``client_id``; a retry returns the stored one.

        One transaction, two statements on the way that matters (a new message): the UPDATE that
        allocates the sequence number also checks the conversation is open, records an agent's
        first response and returns the conversation as it now is; then the INSERT. A retry is
        found by the unique ``(conversation_id, client_id)`` index instead of a read before every
        send: its INSERT fails, the transaction (and its increment) rolls back, and the stored
        message is read and returned.
        """
        now = time.time()
        try:
            async with self._engine.begin() as conn:
                row = await _allocate(conn, conversation_id, author, private, now)
                if row is None:  # closed (or gone): a retry of a message stored before still gets it
                    stored = await _by_client_id(conn, conversation_id, client_id)
                    if stored is None:
                        raise ConversationClosed
                    return Appended(stored, created=False)
                conversation = Conversation.from_row(row)
                message = await _insert(
                    conn,
                    conversation_id,
                    conversation.last_seq,
                    author,
                    text,
                    type="note" if private else "text",
                    private=private,
                    client_id=client_id,
                    created_at=now,
                )
        except IntegrityError:
            # This client_id is stored already: a retry, or two sends of it racing (the other one
            # stored it; this one's sequence number increment was rolled back with the transaction).
            found = await self.by_client_id(conversation_id, client_id)
            if found is None:
                raise
            return Appended(found, created=False)
        return Appended(message, created=True, conversation=conversation)

    async def by_client_id(self, conversation_id: int, client_id: str) -> Message | None:
        async with self._engine.connect() as conn:
            return await _by_client_id(conn, conversation_id, client_id)

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
