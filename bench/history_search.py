"""The history search on 100,000 conversations and 1,000,000 messages: p50/p95/p99 on SQLite and
PostgreSQL, through the store method the API calls (``HistoryStore.search``; the list too).

A script, not a test: ``python -m bench.history_search`` (``--conversations``, ``--messages`` for a
smaller world, ``--databases sqlite`` for one). The data is made up (bench/history_data.py) and
bulk-loaded into a fresh database migrated by Tandem's migrations; the queries are a mix of what
agents search for: common, middling and rare words, two words, a word's start, an agent's own
chats, filters (closed, a label, the last 30 days), the second page, and the plain list. Each
query is timed alone (one at a time), after a warm-up. Target: p95 <= 100 ms on both databases.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.history_data import AGENTS, DAY, LABELS, World, load_postgres, load_sqlite, plan
from common.db.engine import open_engine
from common.db.migrate import upgrade
from server.store.history import Filters, HistoryStore, Scope
from server.store.search import search_words

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
TARGET_MS = 100.0
Query = Callable[[HistoryStore], Awaitable[object]]


def queries(world: World, rng: random.Random, rounds: int) -> list[tuple[str, Query]]:
    """(kind, query) pairs, ``rounds`` of each kind, shuffled."""
    vocab = world.vocabulary
    recent = world.start + (world.span_days - 30) * DAY

    def search(words: list[str], scope: Scope | None = None, **filters: Any) -> Query:
        return lambda store: store.search(words, scope or Scope(), Filters(**filters))

    async def second_page(store: HistoryStore, word: str) -> object:
        first = await store.search([word], Scope(), Filters())
        return await store.search([word], Scope(), Filters(), before=first.next)

    kinds: dict[str, Callable[[], Query]] = {
        "common word": lambda: search([rng.choice(vocab[:20])]),
        "middling word": lambda: search([rng.choice(vocab[100:600])]),
        "rare word": lambda: search([rng.choice(vocab[2000:4900])]),
        "two words": lambda: search([rng.choice(vocab[:50]), rng.choice(vocab[100:600])]),
        "start of a word": lambda: search(search_words(rng.choice(vocab[100:600])[:3])),
        "an agent's own chats": lambda: search([rng.choice(vocab[:600])], Scope(rng.randint(1, AGENTS))),
        "closed, with a label": lambda: search(
            [rng.choice(vocab[:600])], status="closed", label=rng.choice(LABELS)
        ),
        "last 30 days": lambda: search([rng.choice(vocab[:600])], started_from=recent),
        "second page": lambda: (lambda w: lambda store: second_page(store, w))(rng.choice(vocab[:600])),
        "list: all": lambda: lambda store: store.conversations(Scope(), Filters()),
        "list: an agent's closed": lambda: (
            lambda store: store.conversations(
                Scope(), Filters(status="closed", agent_id=rng.randint(1, AGENTS))
            )
        ),
        "list: a label": lambda: (
            lambda store: store.conversations(Scope(), Filters(label=rng.choice(LABELS)))
        ),
    }
    mix = [(kind, make()) for kind, make in kinds.items() for _ in range(rounds)]
    rng.shuffle(mix)
    return mix


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50_ms": round(cut[49], 2),
        "p95_ms": round(cut[94], 2),
        "p99_ms": round(cut[98], 2),
        "max_ms": round(ordered[-1], 2),
    }


async def measure(url: str, world: World, rounds: int) -> dict[str, Any]:
    engine = open_engine(url)
    store = HistoryStore(engine)
    rng = random.Random(3)
    try:
        for _, query in queries(world, rng, 3):  # warm-up: caches and connections
            await query(store)
        by_kind: dict[str, list[float]] = {}
        for kind, query in queries(world, rng, rounds):
            started = time.perf_counter()
            await query(store)
            by_kind.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    searches = [t for kind, ts in by_kind.items() if not kind.startswith("list") for t in ts]
    lists = [t for kind, ts in by_kind.items() if kind.startswith("list") for t in ts]
    return {
        "search": summary(searches),
        "list": summary(lists),
        "kinds": {kind: summary(ts) for kind, ts in sorted(by_kind.items())},
    }


@contextlib.asynccontextmanager
async def sqlite_world(world: World) -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="tandem-history-") as folder:
        path = Path(folder) / "history.db"
        url = f"sqlite+aiosqlite:///{path}"
        engine = open_engine(url)
        await upgrade(engine)
        await engine.dispose()
        await asyncio.to_thread(load_sqlite, str(path), world)
        yield url


@contextlib.asynccontextmanager
async def postgres_world(world: World) -> AsyncIterator[str]:
    import asyncpg

    admin = await asyncpg.connect(PG_ADMIN)
    name = f"tandem_history_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    plain = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    try:
        url = plain.replace("postgresql://", "postgresql+asyncpg://")
        engine = open_engine(url)
        await upgrade(engine)
        await engine.dispose()
        await load_postgres(plain, world)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def run(conversations: int, messages: int, databases: list[str], rounds: int) -> dict[str, Any]:
    world = plan(conversations, messages)
    results: dict[str, Any] = {
        "conversations": conversations,
        "messages": messages,
        "target_p95_ms": TARGET_MS,
    }
    for database in databases:
        opened = sqlite_world(world) if database == "sqlite" else postgres_world(world)
        started = time.perf_counter()
        async with opened as url:
            loaded = time.perf_counter() - started
            results[database] = {"load_seconds": round(loaded, 1), **await measure(url, world, rounds)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=40, help="queries of each kind")
    args = parser.parse_args()
    results = asyncio.run(run(args.conversations, args.messages, args.databases.split(","), args.rounds))
    print(json.dumps(results, indent=2))
    for database in args.databases.split(","):
        p95 = results[database]["search"]["p95_ms"]
        verdict = "meets" if p95 <= TARGET_MS else "misses"
        print(f"{database}: search p95 {p95} ms ({verdict} the {TARGET_MS:.0f} ms target)")


if __name__ == "__main__":
    main()
