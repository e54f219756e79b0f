"""How records look on the wire (docs/protocol.md, Objects)."""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime
from typing import Any

from server.store.models import QUEUED, Agent, Conversation, Message, Visitor
from server.store.settings import Canned


def iso(ts: float | None) -> str | None:
    """``ts`` in UTC to the millisecond, as ``datetime.fromtimestamp(ts, UTC).isoformat(timespec=
    "milliseconds")`` gives it (the same rounding), with the date and time of each second built
    once: every message view calls this, and formatting a datetime cost more than the view."""
    if ts is None:
        return None
    fraction, whole = math.modf(ts)
    micros = round(fraction * 1e6)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    elif micros < 0:
        whole, micros = whole - 1, micros + 1_000_000
    return f"{_utc_second(int(whole))}.{micros // 1000:03d}Z"


@functools.lru_cache(maxsize=64)
def _utc_second(whole: int) -> str:
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def cid(conversation_id: int) -> str:
    return f"c_{conversation_id}"


def message_view(m: Message) -> dict[str, Any]:
    author_id = None
    if m.author_id is not None:
        author_id = f"{'v' if m.author_type == 'visitor' else 'a'}_{m.author_id}"
    return {
        "id": f"m_{m.id}",
        "conversation_id": cid(m.conversation_id),
        "seq": m.seq,
        "client_id": m.client_id,
        "type": m.type,
        "private": m.private,
        "author": {"type": m.author_type, "id": author_id, "name": m.author_name},
        "text": m.text,
        "event": m.event,
        "created_at": iso(m.created_at),
    }


def visitor_conversation_view(
    c: Conversation, agent_name: str | None, queue_position: int | None
) -> dict[str, Any]:
    return {
        "id": cid(c.id),
        "status": c.status,
        "agent": {"name": agent_name} if agent_name else None,
        "queue_position": queue_position if c.status == QUEUED else None,
        "last_seq": c.last_seq,
    }


def agent_conversation_view(
    c: Conversation, visitor: Visitor | None, agent: Agent | None, last: Message | None
) -> dict[str, Any]:
    return {
        "id": cid(c.id),
        "status": c.status,
        "agent": {"id": f"a_{agent.id}", "name": agent.name} if agent else None,
        "visitor": {
            "id": f"v_{c.visitor_id}",
            "name": visitor.name if visitor else None,
            "email": visitor.email if visitor else None,
        },
        "created_at": iso(c.created_at),
        "queued_at": iso(c.queued_at),
        "assigned_at": iso(c.assigned_at),
        "closed_at": iso(c.closed_at),
        "last_seq": c.last_seq,
        "last_message": {"text": last.text, "created_at": iso(last.created_at)} if last else None,
    }


def agent_view(a: Agent, *, load: int, connected: bool) -> dict[str, Any]:
    return {
        "id": f"a_{a.id}",
        "name": a.name,
        "email": a.email,
        "role": a.role,
        "status": a.status,
        "capacity": a.capacity,
        "load": load,
        "connected": connected,
    }


def visitor_details_view(v: Visitor, history: list[Conversation]) -> dict[str, Any]:
    return {
        "id": f"v_{v.id}",
        "name": v.name,
        "email": v.email,
        "page": {"url": v.page_url, "title": v.page_title, "referrer": v.referrer},
        "user_agent": v.user_agent,
        "timezone": v.timezone,
        "ip": v.ip,
        "conversations": [
            {
                "id": cid(c.id),
                "status": c.status,
                "created_at": iso(c.created_at),
                "closed_at": iso(c.closed_at),
            }
            for c in history
        ],
    }


def canned_view(canned: Canned) -> dict[str, Any]:
    return {"id": str(canned.id), "shortcut": canned.shortcut, "text": canned.text}
