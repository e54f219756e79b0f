"""Group commit: the chat messages that arrive in one loop turn are stored in one transaction.

Each sender is answered only once the transaction holding its message has committed, so an
acknowledgement still means "stored" (docs/reliability.md); what a batch shares is the connection,
the BEGIN and the COMMIT, which cost more than the two statements a message runs. The statements
run below SQLAlchemy's execution layer (common/db/fast.py).

A message is two statements: the UPDATE that takes the conversation's next sequence number (and
checks that it is open, and records an agent's first response), then an INSERT that does nothing
when the ``(conversation_id, client_id)`` pair is stored already. That keeps a retry from failing
the transaction its batch shares: the sequence number it took is given back, and the stored
message is returned instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from common.db.fast import Fast, Transaction
from server.db.schema import conversations, messages
from server.store.models import CLOSED, Author, Conversation, Message


@dataclass(frozen=True)
class Appended:
    """The stored message, and whether this call stored it (False: a retry found it); when it did,
    the conversation as that transaction left it."""

    message: Message
    created: bool
    conversation: Conversation | None = None


@dataclass(frozen=True)
class Append:
    """One message to store."""

    conversation_id: int
    author: Author
    text: str
    client_id: str
    private: bool


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


_ALLOCATE = _allocate_statement(agent_public=False)
_ALLOCATE_FIRST_RESPONSE = _allocate_statement(agent_public=True)
_GIVE_BACK = (
    sa.update(conversations)
    .where(conversations.c.id == sa.bindparam("conversation_id"))
    .values(last_seq=conversations.c.last_seq - 1)
)
BY_CLIENT_ID = (
    sa.select(messages)
    .where(messages.c.conversation_id == sa.bindparam("conversation_id"))
    .where(messages.c.client_id == sa.bindparam("client_id"))
)
_COLUMNS = [c.key for c in messages.c if c.key != "id"]
# The same SQL on both databases, built with each dialect's own INSERT … ON CONFLICT construct.
_INSERT = {
    name: insert(messages)
    .values({c: sa.bindparam(c) for c in _COLUMNS})
    .on_conflict_do_nothing(index_elements=["conversation_id", "client_id"])
    .returning(messages.c.id)
    for name, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}


async def append_one(tx: Transaction, dialect: str, item: Append, now: float) -> Appended | None:
    """Store ``item`` in ``tx``; None when its conversation is closed (or gone) and it was not
    stored before (a retry of a stored message still gets it)."""
    keys = {"conversation_id": item.conversation_id, "client_id": item.client_id, "now": now}
    agent_public = item.author.type == "agent" and not item.private
    row = await tx.one(_ALLOCATE_FIRST_RESPONSE if agent_public else _ALLOCATE, keys)
    if row is None:
        stored = await tx.one(BY_CLIENT_ID, keys)
        return None if stored is None else Appended(Message.from_mapping(stored), created=False)
    conversation = Conversation.from_mapping(row)
    values: dict[str, Any] = {
        "conversation_id": item.conversation_id,
        "seq": conversation.last_seq,
        "client_id": item.client_id,
        "type": "note" if item.private else "text",
        "private": item.private,
        "author_type": item.author.type,
        "author_id": item.author.id,
        "author_name": item.author.name,
        "text": item.text,
        "event": None,
        "created_at": now,
    }
    inserted = await tx.one(_INSERT[dialect], values)
    if inserted is None:  # stored already: a retry, or two sends of it racing
        await tx.one(_GIVE_BACK, keys)
        stored = await tx.one(BY_CLIENT_ID, keys)
        if stored is None:  # only the unique pair makes the INSERT do nothing
            raise RuntimeError(f"message {item.client_id!r} neither stored nor found")
        return Appended(Message.from_mapping(stored), created=False)
    return Appended(Message(id=inserted["id"], **values), created=True, conversation=conversation)


Waiting = tuple[Append, "asyncio.Future[Appended | None]"]


class GroupCommit:
    """Collects appends and stores each loop turn's in one transaction, one transaction at a time."""

    def __init__(self, fast: Fast, *, clock: Callable[[], float] = time.time) -> None:
        self._fast = fast
        self._clock = clock
        self._pending: list[Waiting] = []
        self._flushing: asyncio.Task[None] | None = None

    async def append(self, item: Append) -> Appended | None:
        future: asyncio.Future[Appended | None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush(), name="group-commit")
        return await future

    async def _flush(self) -> None:
        batch: list[Waiting] = []
        try:
            await asyncio.sleep(0)  # the sends read in this loop turn join the batch
            while self._pending:
                batch, self._pending = self._pending, []
                await self._store(batch)
        except BaseException as error:  # cancelled at shutdown: nobody may wait forever
            for _, future in [*batch, *self._pending]:
                if not future.done():
                    future.set_exception(error if isinstance(error, Exception) else RuntimeError("stopped"))
            raise
        finally:
            self._flushing = None

    async def _store(self, batch: list[Waiting]) -> None:
        # In conversation order: processes storing batches at once lock conversation rows in one order.
        batch.sort(key=lambda waiting: waiting[0].conversation_id)
        now = self._clock()
        try:
            async with self._fast.transaction() as tx:
                results = [await append_one(tx, self._fast.dialect, item, now) for item, _ in batch]
        except Exception as error:
            if len(batch) == 1:
                if not batch[0][1].done():
                    batch[0][1].set_exception(error)
                return
            for waiting in batch:  # one failing append must not fail the others: each alone
                await self._store([waiting])
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
