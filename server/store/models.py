"""Plain records read from the database, independent of how they are stored."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final, Literal, Self, cast, get_args

# A conversation waits in the queue, is held by one agent, or is over (docs/protocol.md).
ConversationStatus = Literal["queued", "assigned", "closed"]
QUEUED: Final = "queued"
ASSIGNED: Final = "assigned"
CLOSED: Final = "closed"
CONVERSATION_STATUSES: tuple[ConversationStatus, ...] = get_args(ConversationStatus)


class _FromRow:
    @classmethod
    def from_row(cls, row: Any) -> Self:
        """Build from a SQLAlchemy row (extra columns are ignored)."""
        mapping = row._mapping
        return cls(**{f.name: mapping[f.name] for f in fields(cls)})  # type: ignore[arg-type]

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> Self:
        """Build from a driver's row read below SQLAlchemy (common/db/fast.py), which leaves
        SQLite's booleans as 0 and 1."""
        values = {name: mapping[name] for name in _names(cast(type, cls))}
        for name in _booleans(cast(type, cls)):
            if values[name] is not None:
                values[name] = bool(values[name])
        return cls(**values)


@functools.cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@functools.cache
def _booleans(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.type == "bool")


@dataclass(frozen=True)
class Agent(_FromRow):
    id: int
    email: str
    name: str
    role: str
    capacity: int
    status: str
    disabled: bool
    created_at: float

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Visitor(_FromRow):
    id: int
    name: str | None
    email: str | None
    user_agent: str | None
    ip: str | None
    timezone: str | None
    page_url: str | None
    page_title: str | None
    referrer: str | None
    created_at: float
    last_seen_at: float


@dataclass(frozen=True)
class Conversation(_FromRow):
    id: int
    visitor_id: int
    agent_id: int | None
    status: ConversationStatus
    priority: int
    last_seq: int
    created_at: float
    queued_at: float | None
    assigned_at: float | None
    closed_at: float | None
    first_response_at: float | None

    def __post_init__(self) -> None:
        if self.status not in CONVERSATION_STATUSES:  # a row written by something other than us
            raise ValueError(f"conversation c_{self.id} has an unknown status {self.status!r}")

    @property
    def is_open(self) -> bool:
        return self.status != CLOSED


@dataclass(frozen=True)
class Message(_FromRow):
    id: int
    conversation_id: int
    seq: int
    client_id: str | None
    type: str
    private: bool
    author_type: str
    author_id: int | None
    author_name: str | None
    text: str
    event: str | None
    created_at: float


@dataclass(frozen=True)
class Author:
    """Who writes a message: a visitor, an agent, or the system."""

    type: str
    id: int | None = None
    name: str | None = None


SYSTEM = Author("system")
