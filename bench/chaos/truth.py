"""The stored truth at the end of a run: every conversation's messages and the agents' capacities.

Read straight from the database with SQL (not through the server's code), so a bug in the server's
stores cannot hide itself. Saved next to the history as JSON, so a run can be checked again later.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

# The system events name the agent they concern only in their text (server/store/conversations.py).
_JOINED = re.compile(r"^(?P<name>.+) joined the chat$")
_WENT = re.compile(
    r"^(?P<name>.+) is no longer available; the chat is back in the queue for the next available agent$"
)


@dataclass(frozen=True)
class StoredMessage:
    seq: int
    client_id: str | None
    type: str
    private: bool
    author: str  # a_1, v_3 or system
    event: str | None
    created_at: float
    # For a system event, the agent it is about: who joined (assigned), who vanished (requeued),
    # who handed the chat on (transferred), who closed it (closed, when an agent did).
    agent: str | None = None

    def summary(self) -> dict[str, Any]:
        """The same shape as :func:`bench.chaos.history.summarize` of a wire message."""
        return {
            "seq": self.seq,
            "client_id": self.client_id,
            "type": self.type,
            "private": self.private,
            "event": self.event,
            "author": self.author,
        }


@dataclass(frozen=True)
class StoredConversation:
    id: str
    visitor: str
    status: str
    agent: str | None
    created_at: float
    messages: tuple[StoredMessage, ...] = ()


@dataclass(frozen=True)
class Truth:
    conversations: dict[str, StoredConversation] = field(default_factory=dict)
    capacities: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @staticmethod
    def from_json(text: str) -> Truth:
        raw = json.loads(text)
        conversations = {
            cid: StoredConversation(
                **{**c, "messages": tuple(StoredMessage(**m) for m in c["messages"])},
            )
            for cid, c in raw["conversations"].items()
        }
        return Truth(conversations, {a: int(n) for a, n in raw["capacities"].items()})

    def save(self, path: Path) -> None:
        path.write_text(self.to_json())

    @staticmethod
    def load(path: Path) -> Truth:
        return Truth.from_json(path.read_text())


def async_url(url: str) -> str:
    """A ``sqlite:///`` or ``postgresql://`` URL with the async driver SQLAlchemy needs."""
    for plain, driver in (("postgresql://", "postgresql+asyncpg://"), ("sqlite:///", "sqlite+aiosqlite:///")):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def _author(author_type: str, author_id: int | None) -> str:
    if author_id is None:
        return "system"
    return f"{'v' if author_type == 'visitor' else 'a'}_{author_id}"


def _concerned_agent(row: Any, by_name: dict[str, str]) -> str | None:
    """The agent an event row is about (see :class:`StoredMessage`)."""
    if row.type != "event":
        return None
    if row.event in ("transferred", "closed"):
        return _author(row.author_type, row.author_id) if row.author_type == "agent" else None
    pattern = {"assigned": _JOINED, "requeued": _WENT}.get(row.event or "")
    match = pattern.match(row.text) if pattern is not None else None
    return by_name.get(match["name"]) if match else None


async def read_truth(url: str) -> Truth:
    """Everything the checker compares the history with, in one read of the database."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            agents = (await conn.execute(sa.text("SELECT id, name, capacity FROM agents"))).all()
            convs = (
                await conn.execute(
                    sa.text("SELECT id, visitor_id, agent_id, status, created_at FROM conversations")
                )
            ).all()
            rows = (
                await conn.execute(
                    sa.text(
                        "SELECT conversation_id, seq, client_id, type, private, author_type, author_id,"
                        " text, event, created_at FROM messages ORDER BY conversation_id, seq, id"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    by_name = {a.name: f"a_{a.id}" for a in agents}
    messages: dict[int, list[StoredMessage]] = {c.id: [] for c in convs}
    for r in rows:
        messages.setdefault(r.conversation_id, []).append(
            StoredMessage(
                seq=int(r.seq),
                client_id=r.client_id,
                type=r.type,
                private=bool(r.private),
                author=_author(r.author_type, r.author_id),
                event=r.event,
                created_at=float(r.created_at),
                agent=_concerned_agent(r, by_name),
            )
        )
    conversations = {
        f"c_{c.id}": StoredConversation(
            id=f"c_{c.id}",
            visitor=f"v_{c.visitor_id}",
            status=c.status,
            agent=f"a_{c.agent_id}" if c.agent_id is not None else None,
            created_at=float(c.created_at),
            messages=tuple(messages.get(c.id, ())),
        )
        for c in convs
    }
    return Truth(conversations, {f"a_{a.id}": int(a.capacity) for a in agents})


async def fingerprint(url: str) -> tuple[int, int]:
    """(messages, conversations) stored: unchanged across a settling sync means nothing moved."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.text("SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM conversations)")
                )
            ).one()
    finally:
        await engine.dispose()
    return int(row[0]), int(row[1])
