"""A made-up history for the search benchmark: conversations, messages and labels, bulk-loaded.

Words follow a Zipf law over a vocabulary of made-up words (plus a few shop words), so a search
meets common words (in a large share of messages), middling and rare ones, as in real chats. The
schema is Tandem's own (its migrations); rows go in by ``executemany`` on SQLite and ``COPY`` on
PostgreSQL, with the search index built once after the load, as a migration's backfill does.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

SHOP_WORDS = ["parcel", "refund", "card", "order", "delivery", "address", "invoice", "password", "account"]
LABELS = ["billing", "delivery", "refund", "vip", "bug", "feedback", "returns", "login", "fraud", "press"]
AGENTS = 20
DAY = 86400.0
CHUNK = 50_000
Row = tuple[Any, ...]


@dataclass(frozen=True)
class World:
    conversations: int
    messages: int
    vocabulary: list[str]  # most common first
    start: float  # the first conversation's start (UNIX seconds)
    span_days: int


def vocabulary(size: int, rng: random.Random) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ne",
        "ru",
        "sa",
        "ti",
        "vo",
        "ze",
        "pa",
        "dro",
        "gle",
        "bin",
        "tor",
        "wen",
        "qui",
    ]
    words: set[str] = set()
    while len(words) < size - len(SHOP_WORDS):
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    ordered = sorted(words)
    rng.shuffle(ordered)
    # Shop words spread over the ranks: common, middling and rare ones.
    for rank, word in zip([3, 40, 150, 400, 900, 1500, 2500, 3500, 4500], SHOP_WORDS, strict=True):
        ordered.insert(rank, word)
    return ordered


def plan(conversations: int, messages: int, seed: int = 7) -> World:
    rng = random.Random(seed)
    span = 365
    return World(conversations, messages, vocabulary(5000, rng), time.time() - span * DAY, span)


def _texts(world: World, count: int, rng: random.Random) -> Iterator[str]:
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(world.vocabulary))))
    words = iter(rng.choices(world.vocabulary, cum_weights=weights, k=count * 10))
    for _ in range(count):
        yield " ".join(itertools.islice(words, rng.randint(4, 16)))


def rows(world: World, seed: int = 11) -> Iterator[tuple[str, list[Row]]]:
    """(table, rows) chunks in insert order: visitors, conversations, messages, labels."""
    rng = random.Random(seed)
    n = world.conversations
    step = world.span_days * DAY / n
    per = world.messages // n
    conversations: list[Row] = []
    visitors: list[Row] = []
    labels: list[Row] = []
    for cid in range(1, n + 1):
        created = world.start + cid * step
        roll = rng.random()
        status = "queued" if cid > n - 50 else ("assigned" if cid > n - 2000 and roll < 0.5 else "closed")
        agent = None if status == "queued" or roll > 0.97 else rng.randint(1, AGENTS)
        visitors.append((cid, f"Visitor {cid}", created, created))
        closed_at = created + 600 if status == "closed" else None
        conversations.append(
            (cid, cid, agent, status, 0, per, created, created, created + 5, closed_at, created + 30)
        )
        if roll < 0.3:
            for label in rng.sample(LABELS, rng.randint(1, 2)):
                labels.append((cid, label, created))
    yield "visitors", visitors
    yield "conversations", conversations
    texts = _texts(world, world.messages, rng)
    chunk: list[Row] = []
    mid = 0
    for cid in range(1, n + 1):
        created = world.start + cid * step
        for seq in range(1, per + 1):
            mid += 1
            text = next(texts)
            if seq == 1:
                kind, private, author, text = "event", False, "system", "Someone joined the chat"
            elif rng.random() < 0.03:
                kind, private, author = "note", True, "agent"
            else:
                kind, private, author = "text", False, rng.choice(["visitor", "agent"])
            chunk.append((mid, cid, seq, None, kind, private, author, None, None, text, None, created + seq))
            if len(chunk) >= CHUNK:
                yield "messages", chunk
                chunk = []
    if chunk:
        yield "messages", chunk
    yield "conversation_labels", labels


AGENT_ROWS: list[Row] = [
    (i, f"agent{i}@example.com", f"Agent {i}", "x", "agent", 5, "offline", False, 0.0)
    for i in range(1, AGENTS + 1)
]
COLUMNS = {
    "agents": "id, email, name, password_hash, role, capacity, status, disabled, created_at",
    "visitors": "id, name, created_at, last_seen_at",
    "conversations": "id, visitor_id, agent_id, status, priority, last_seq, created_at, queued_at, "
    "assigned_at, closed_at, first_response_at",
    "messages": "id, conversation_id, seq, client_id, type, private, author_type, author_id, author_name, "
    "text, event, created_at",
    "conversation_labels": "conversation_id, label, created_at",
}


def load_sqlite(path: str, world: World) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    # The index is filled once after the load (as the migration's backfill does), not row by row.
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'messages_fts_insert'").fetchone()[0]
    db.execute("DROP TRIGGER messages_fts_insert")
    for table, chunk in [("agents", AGENT_ROWS), *rows(world)]:
        columns = COLUMNS[table]
        marks = ", ".join("?" for _ in columns.split(","))
        db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", chunk)
    db.execute("INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages WHERE type != 'event'")
    db.execute(trigger)
    db.commit()
    db.execute("ANALYZE")
    db.close()


_MAX_ID = "(SELECT max(id) FROM {})"


async def load_postgres(url: str, world: World) -> None:
    import asyncpg

    db = await asyncpg.connect(url)
    try:
        index = await db.fetchval("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_messages_search'")
        await db.execute("DROP INDEX ix_messages_search")
        for table, chunk in [("agents", AGENT_ROWS), *rows(world)]:
            columns = [c.strip() for c in COLUMNS[table].split(",")]
            await db.copy_records_to_table(table, records=chunk, columns=columns)
        await db.execute("SET maintenance_work_mem = '256MB'")
        await db.execute(index)
        for table in ("agents", "visitors", "conversations"):
            await db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        await db.execute(
            "SELECT setval(pg_get_serial_sequence('messages', 'id'), (SELECT max(id) FROM messages))"
        )
        await db.execute("VACUUM ANALYZE")
    finally:
        await db.close()
