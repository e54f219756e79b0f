"""Full-text matching of message text, in each database's own terms.

Both split text into words at anything but letters and digits, fold case and keep accents, and
match a query word as a whole word or, from three letters on, the start of one ("car" finds
"cards"; "ca" only "ca": a shorter start matches too much to be worth its cost); a message
matches when it holds every query word. SQLite uses its FTS5 table (kept by triggers), PostgreSQL a GIN
index over a stored tsvector column; the migration (0004) makes both. System events are not indexed.
"""

from __future__ import annotations

import re
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.schema import conversations, messages
from server.store.models import Message

# The most words a search takes; more add nothing a person means and cost a join each.
MAX_WORDS = 8
# The shortest query word that also matches as the start of a longer word.
MIN_PREFIX = 3
_WORD = re.compile(r"[^\W_]+")


def search_words(text: str) -> list[str]:
    """The words of a search as the indexes see them: letters and digits, lower case."""
    return [w.lower() for w in _WORD.findall(text)][:MAX_WORDS]


class Matcher(Protocol):
    async def messages(
        self,
        conn: AsyncConnection,
        words: list[str],
        where: list[sa.ColumnElement[bool]],
        before: int | None,
        limit: int,
    ) -> list[Message]:
        """Up to ``limit`` matching messages with ids below ``before``, newest first, whose
        conversation passes ``where``."""
        ...


def _base(where: list[sa.ColumnElement[bool]], before: int | None) -> sa.Select[tuple[object, ...]]:
    query = (
        sa.select(messages)
        .select_from(messages.join(conversations, conversations.c.id == messages.c.conversation_id))
        .where(*where)
    )
    if before is not None:
        query = query.where(messages.c.id < before)
    return query


class SqliteMatcher:
    """FTS5: the index hands its matches over newest first, so a page reads about a page of them
    however common the words (when the filters pass most conversations)."""

    _fts = sa.table("messages_fts", sa.column("rowid"))

    async def messages(
        self,
        conn: AsyncConnection,
        words: list[str],
        where: list[sa.ColumnElement[bool]],
        before: int | None,
        limit: int,
    ) -> list[Message]:
        # Each word quoted (FTS5 syntax inside it is then plain text) and a prefix; juxtaposed: AND.
        expression = " ".join(f'"{w}"*' if len(w) >= MIN_PREFIX else f'"{w}"' for w in words)
        fts = self._fts
        query = (
            _base(where, before)
            .join(fts, fts.c.rowid == messages.c.id)
            .where(sa.text("messages_fts MATCH :expression").bindparams(expression=expression))
            .order_by(fts.c.rowid.desc())
            .limit(limit)
        )
        return [Message.from_row(r) for r in await conn.execute(query)]


# The generated column of migration 0004 (NULL for system events, which so never match).
_PG_MATCH = "messages.search_vector @@ to_tsquery('simple', :tsquery)"


class PostgresMatcher:
    """A stored tsvector column with a GIN index. The planner picks per search, from the column's
    word statistics: the index for rare words, or walking messages newest first for common ones
    (a page is found in the first few hundred); so each search is planned with its own words,
    never with a generic plan."""

    async def messages(
        self,
        conn: AsyncConnection,
        words: list[str],
        where: list[sa.ColumnElement[bool]],
        before: int | None,
        limit: int,
    ) -> list[Message]:
        # Words are letters and digits only (search_words), so no tsquery syntax gets in.
        tsquery = " & ".join(f"{w}:*" if len(w) >= MIN_PREFIX else w for w in words)
        query = (
            _base(where, before)
            .where(sa.text(_PG_MATCH).bindparams(tsquery=tsquery))
            .order_by(messages.c.id.desc())
            .limit(limit)
        )
        async with conn.begin():
            await conn.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
            return [Message.from_row(r) for r in await conn.execute(query)]


def matcher_for(dialect: str) -> Matcher:
    return SqliteMatcher() if dialect == "sqlite" else PostgresMatcher()
