"""What agents do with suggestions, recorded for the admin report and for learning."""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass
from typing import Literal, get_args

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from assist.schema import assist_events

EventKind = Literal["shown", "inserted", "sent", "dismissed", "no_suggestion"]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
# A sent reply that differs from the draft by no more than this counts as sent unchanged
# (a trailing space or a fixed typo is not an edit).
UNCHANGED_AT_MOST = 0.02


def change_ratio(draft: str, sent: str) -> float:
    """How much of ``draft`` the agent changed before sending ``sent``: 0 (nothing) to 1 (all)."""
    return round(1.0 - difflib.SequenceMatcher(None, draft.strip(), sent.strip()).ratio(), 4)


@dataclass(frozen=True)
class AssistReport:
    """The admin's view: how often suggestions help, and what the knowledge base cannot answer."""

    shown: int
    inserted: int
    sent: int
    sent_unchanged: int
    dismissed: int
    top_articles: list[tuple[str, int]]  # (article id, times inserted or sent)
    gaps: list[str]  # recent visitor messages that got no suggestion

    @property
    def insert_rate(self) -> float:
        """Inserted suggestions per suggestion shown."""
        return self.inserted / self.shown if self.shown else 0.0

    @property
    def sent_unchanged_rate(self) -> float:
        """Drafts sent without edits per suggestion shown."""
        return self.sent_unchanged / self.shown if self.shown else 0.0

    @property
    def dismiss_rate(self) -> float:
        """Dismissed suggestions per suggestion shown."""
        return self.dismissed / self.shown if self.shown else 0.0


class EventStore:
    """Suggestion events in the database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(
        self,
        kind: EventKind,
        *,
        conversation_id: int | None = None,
        agent_id: int | None = None,
        article_id: str | None = None,
        message: str | None = None,
        score: float | None = None,
        change: float | None = None,
    ) -> None:
        """Store one event (``change`` is :func:`change_ratio` for ``sent``)."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown assist event kind {kind!r}")
        async with self._engine.begin() as conn:
            await conn.execute(
                assist_events.insert().values(
                    kind=kind,
                    conversation_id=conversation_id,
                    agent_id=agent_id,
                    article_id=article_id,
                    message=message,
                    score=score,
                    change_ratio=change,
                    created_at=time.time(),
                )
            )

    async def report(self, since: float = 0.0, top: int = 10, gaps: int = 50) -> AssistReport:
        """Counts since ``since`` (UNIX seconds), the most used articles and the latest gaps."""
        e = assist_events.c
        recent = e.created_at >= since
        counts = sa.select(e.kind, sa.func.count()).where(recent).group_by(e.kind)
        unchanged = sa.select(sa.func.count()).where(
            recent, e.kind == "sent", e.change_ratio <= UNCHANGED_AT_MOST
        )
        used = (
            sa.select(e.article_id, sa.func.count().label("n"))
            .where(recent, e.kind.in_(("inserted", "sent")), e.article_id.is_not(None))
            .group_by(e.article_id)
            .order_by(sa.desc("n"), e.article_id)
            .limit(top)
        )
        missing = (
            sa.select(e.message)
            .where(recent, e.kind == "no_suggestion", e.message.is_not(None))
            .order_by(e.created_at.desc())
            .limit(gaps)
        )
        async with self._engine.connect() as conn:
            by_kind = {k: int(n) for k, n in await conn.execute(counts)}
            n_unchanged = int((await conn.execute(unchanged)).scalar_one())
            top_articles = [(r.article_id, int(r.n)) for r in await conn.execute(used)]
            gap_messages = [r.message for r in await conn.execute(missing)]
        return AssistReport(
            shown=by_kind.get("shown", 0),
            inserted=by_kind.get("inserted", 0),
            sent=by_kind.get("sent", 0),
            sent_unchanged=n_unchanged,
            dismissed=by_kind.get("dismissed", 0),
            top_articles=top_articles,
            gaps=gap_messages,
        )
