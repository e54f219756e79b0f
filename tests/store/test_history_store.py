"""The history store's contract, the same assertions on SQLite (FTS5) and PostgreSQL (tsvector):
list, filters, access scope, keyset pages, full-text search, labels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from common.db.engine import open_engine
from common.db.fast import open_fast
from common.db.migrate import upgrade
from common.settings import database_url
from server.chat.access import may, read_scope
from server.db.schema import conversations
from server.settings import SigninLimits
from server.store.bundle import Stores
from server.store.history import Filters, Scope
from server.store.labels import MAX_LABELS, TooManyLabels
from server.store.models import Agent, Author
from server.store.search import search_words

DAY = 86400.0
T0 = 1_790_000_000.0  # 2026-09-21, the first conversation's start in this world


@dataclass
class World:
    stores: Stores
    grace: Agent
    alan: Agent
    ids: dict[str, int]  # conversation ids by name


@pytest.fixture
async def world(any_database: dict[str, str], tmp_path: Path) -> AsyncIterator[World]:
    """Six conversations, started a day apart in this order:
    ``card`` (Grace, closed), ``refund`` (Alan, closed), ``email`` (Grace, open), ``wait`` (queued),
    ``gone`` (closed while waiting, nobody answered), ``note`` (Grace, open, a private note)."""
    engine = open_engine(database_url(any_database, tmp_path))
    await upgrade(engine)
    fast = await open_fast(engine)
    stores = Stores.open(engine, fast, 3600, SigninLimits(5, 20, 900))
    grace = await stores.agents.add("grace@example.com", "Grace", "correct horse", capacity=10)
    alan = await stores.agents.add("alan@example.com", "Alan", "correct horse", capacity=10)
    script: list[tuple[str, Agent | None, list[tuple[str, str]], bool]] = [
        ("card", grace, [("v", "Where is my card?"), ("a", "Your cards arrive in 3 days.")], True),
        ("refund", alan, [("v", "I want a refund for the card"), ("a", "Refund sent.")], True),
        ("email", grace, [("v", "Write to ada@example.com please"), ("a", "Done, Grace here")], False),
        ("wait", None, [("v", "Is anyone there? My CARD is blocked")], False),
        ("gone", None, [("v", "Never mind, café closed")], True),
        ("note", grace, [("v", "Hello"), ("n", "Card fraud suspected, check the refund")], False),
    ]
    ids = {}
    for n, (name, agent, lines, closed) in enumerate(script):
        visitor = await stores.visitors.create("127.0.0.1", None)
        conv = await stores.conversations.create(visitor.id, "127.0.0.1")
        ids[name] = conv.id
        async with engine.begin() as conn:
            await conn.execute(
                sa.update(conversations).where(conversations.c.id == conv.id).values(created_at=T0 + n * DAY)
            )
        if agent is not None:
            assert await stores.conversations.assign(conv.id, agent) is not None
        for i, (who, text) in enumerate(lines):
            author = (
                Author("visitor", visitor.id, "Ada") if who == "v" else Author("agent", grace.id, "Grace")
            )
            await stores.messages.append(conv.id, author, text, client_id=f"{name}-{i}", private=who == "n")
        if closed:
            assert await stores.conversations.close(conv.id, Author("agent", grace.id, "Grace")) is not None
    yield World(stores, grace, alan, ids)
    await fast.close()
    await engine.dispose()


def names(world: World, conversation_ids: list[int]) -> list[str]:
    by_id = {v: k for k, v in world.ids.items()}
    return [by_id[i] for i in conversation_ids]


async def listed(world: World, scope: Scope | None = None, **filters: Any) -> list[str]:
    page = await world.stores.history.conversations(scope or Scope(), Filters(**filters), limit=100)
    assert page.next is None
    return names(world, [c.id for c in page.items])


async def test_the_list_is_newest_first_and_filters_exactly(world: World) -> None:
    everything = ["note", "gone", "wait", "email", "refund", "card"]
    assert await listed(world) == everything
    assert await listed(world, status="queued") == ["wait"]
    assert await listed(world, status="closed") == ["gone", "refund", "card"]
    assert await listed(world, status="open") == ["note", "wait", "email"]
    assert await listed(world, status="assigned") == ["note", "email"]
    assert await listed(world, agent_id=world.alan.id) == ["refund"]
    assert await listed(world, unassigned=True) == ["gone", "wait"]
    assert await listed(world, agent_id=world.grace.id, status="closed") == ["card"]
    assert await listed(world, started_from=T0 + DAY, started_to=T0 + 3 * DAY) == ["email", "refund"]


async def test_an_agent_lists_only_what_they_may_read(world: World) -> None:
    """Their own conversations (open or closed) and the queue; an admin's scope is everything."""
    assert await listed(world, Scope(world.alan.id)) == ["wait", "refund"]
    assert await listed(world, Scope(world.grace.id)) == ["note", "wait", "email", "card"]
    assert await listed(world, Scope(world.grace.id), status="closed") == ["card"]
    assert await listed(world, Scope(world.alan.id), unassigned=True) == ["wait"]


async def test_keyset_pages_cover_everything_once(world: World) -> None:
    history = world.stores.history
    first = await history.conversations(Scope(), Filters(), limit=4)
    assert names(world, [c.id for c in first.items]) == ["note", "gone", "wait", "email"]
    assert first.next == world.ids["email"]
    # A conversation started meanwhile does not shift the next page.
    visitor = await world.stores.visitors.create("127.0.0.1", None)
    await world.stores.conversations.create(visitor.id, "127.0.0.1")
    second = await history.conversations(Scope(), Filters(), before=first.next, limit=4)
    assert names(world, [c.id for c in second.items]) == ["refund", "card"]
    assert second.next is None


async def test_labels_are_added_once_removed_and_filter_the_list(world: World) -> None:
    labels = world.stores.labels
    assert await labels.add(world.ids["card"], "billing") == ["billing"]
    assert await labels.add(world.ids["card"], "vip") == ["billing", "vip"]
    assert await labels.add(world.ids["card"], "billing") == ["billing", "vip"]
    assert await labels.add(world.ids["refund"], "billing") == ["billing"]
    assert await listed(world, label="billing") == ["refund", "card"]
    assert await labels.remove(world.ids["card"], "billing") == ["vip"]
    assert await labels.remove(world.ids["card"], "billing") == ["vip"]
    assert await listed(world, label="billing") == ["refund"]
    assert await labels.in_use() == [("billing", 1), ("vip", 1)]
    assert await labels.of([world.ids["card"], world.ids["wait"]]) == {world.ids["card"]: ["vip"]}


async def test_a_conversation_takes_a_limited_number_of_labels(world: World) -> None:
    conv = world.ids["wait"]
    for n in range(MAX_LABELS):
        await world.stores.labels.add(conv, f"l{n}")
    with pytest.raises(TooManyLabels):
        await world.stores.labels.add(conv, "one-more")
    assert len(await world.stores.labels.add(conv, "l0")) == MAX_LABELS  # already on: fine


async def hits(world: World, text: str, scope: Scope | None = None, **filters: Any) -> list[tuple[str, str]]:
    page = await world.stores.history.search(
        search_words(text), scope or Scope(), Filters(**filters), limit=100
    )
    assert page.next is None
    by_id = {v: k for k, v in world.ids.items()}
    return [(by_id[h.conversation.id], h.message.text) for h in page.items]


async def test_search_finds_every_word_as_a_word_or_its_start_newest_first(world: World) -> None:
    assert await hits(world, "card") == [
        ("note", "Card fraud suspected, check the refund"),
        ("wait", "Is anyone there? My CARD is blocked"),
        ("refund", "I want a refund for the card"),
        ("card", "Your cards arrive in 3 days."),
        ("card", "Where is my card?"),
    ]
    assert await hits(world, "REFUND card") == [
        ("note", "Card fraud suspected, check the refund"),
        ("refund", "I want a refund for the card"),
    ]
    assert await hits(world, "refu") == [
        ("note", "Card fraud suspected, check the refund"),
        ("refund", "Refund sent."),
        ("refund", "I want a refund for the card"),
    ]
    assert await hits(world, "arr 3") == [("card", "Your cards arrive in 3 days.")]
    # From three letters on a word also matches as a start; a shorter one only as itself.
    assert await hits(world, "ca") == []
    assert await hits(world, "caf") == [("gone", "Never mind, café closed")]
    assert await hits(world, "my") == [  # not "mind"
        ("wait", "Is anyone there? My CARD is blocked"),
        ("card", "Where is my card?"),
    ]
    assert await hits(world, "nothing-here-xyzzy") == []


async def test_search_splits_words_at_punctuation_and_keeps_accents(world: World) -> None:
    assert await hits(world, "example") == [("email", "Write to ada@example.com please")]
    assert await hits(world, "ada@example.com") == [("email", "Write to ada@example.com please")]
    assert await hits(world, "café") == [("gone", "Never mind, café closed")]
    assert await hits(world, "cafe") == []


async def test_search_leaves_out_system_events_and_keeps_notes(world: World) -> None:
    """'Grace joined the chat' is in every assigned conversation; only Grace's own words match."""
    assert await hits(world, "grace") == [("email", "Done, Grace here")]
    assert await hits(world, "fraud") == [("note", "Card fraud suspected, check the refund")]


async def test_search_keeps_to_the_scope_and_the_filters(world: World) -> None:
    assert await hits(world, "card", Scope(world.alan.id)) == [
        ("wait", "Is anyone there? My CARD is blocked"),
        ("refund", "I want a refund for the card"),
    ]
    assert await hits(world, "card", status="closed") == [
        ("refund", "I want a refund for the card"),
        ("card", "Your cards arrive in 3 days."),
        ("card", "Where is my card?"),
    ]
    await world.stores.labels.add(world.ids["wait"], "blocked")
    assert await hits(world, "card", label="blocked") == [("wait", "Is anyone there? My CARD is blocked")]
    assert await hits(world, "card", started_from=T0 + 3 * DAY) == [
        ("note", "Card fraud suspected, check the refund"),
        ("wait", "Is anyone there? My CARD is blocked"),
    ]


async def test_search_pages_by_message(world: World) -> None:
    history = world.stores.history
    words = search_words("card")
    first = await history.search(words, Scope(), Filters(), limit=2)
    assert [h.message.text for h in first.items] == [
        "Card fraud suspected, check the refund",
        "Is anyone there? My CARD is blocked",
    ]
    assert first.next == first.items[-1].message.id
    second = await history.search(words, Scope(), Filters(), before=first.next, limit=2)
    third = await history.search(words, Scope(), Filters(), before=second.next, limit=2)
    assert [h.message.text for h in second.items + third.items] == [
        "I want a refund for the card",
        "Your cards arrive in 3 days.",
        "Where is my card?",
    ]
    assert third.next is None


def test_search_words_are_letters_and_digits_in_lower_case() -> None:
    assert search_words('Ada\'s "card" OR x* -NEAR(é, 3)') == [
        "ada",
        "s",
        "card",
        "or",
        "x",
        "near",
        "é",
        "3",
    ]
    assert search_words("  _-_ ") == []
    assert len(search_words("a " * 50)) == 8


async def test_the_list_scope_is_the_read_rule(world: World) -> None:
    """``read_scope`` (SQL) lets each agent list exactly the conversations ``may`` lets them read."""
    boss = await world.stores.agents.add("boss@example.com", "Boss", "correct horse", role="admin")
    every = (await world.stores.history.conversations(Scope(), Filters(), limit=100)).items
    for agent in (world.grace, world.alan, boss):
        readable = [c.id for c in every if may(agent, "conversation.read", c)]
        page = await world.stores.history.conversations(read_scope(agent), Filters(), limit=100)
        assert [c.id for c in page.items] == readable, agent.name
    assert (
        len(
            {
                len([c for c in every if may(a, "conversation.read", c)])
                for a in (world.grace, world.alan, boss)
            }
        )
        == 3
    )
