"""Suggestions: the right article, its marked passage and draft; nothing for chit-chat."""

from __future__ import annotations

import asyncio

import pytest

from assist.service import Assist
from tests.assist.conftest import CountingEmbedder


async def test_relevant_question_gets_its_article(assist: Assist) -> None:
    [top, *_] = await assist.suggest(["my card still hasn't come, it's been two weeks"])
    assert top.article_id == "card_arrival"
    assert top.url == "https://help.example.com/card-arrival"
    assert top.marks, "the matching sentence is marked"
    marked = [top.passage[m.start : m.end] for m in top.marks]
    assert any("arrived" in s or "card" in s for s in marked)
    assert top.draft
    assert top.url in top.draft
    payload = top.to_json()
    assert payload["marks"] == [[m.start, m.end] for m in top.marks]
    assert set(payload) >= {"article_id", "title", "url", "score", "passage", "marks", "draft"}


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("How can I set a new PIN for my card?", "change_pin"),
        ("I forgot my password and can't log in", "password"),
        ("the shop refunded me last week but I don't see the money", "refunds"),
        ("how do I add money to my account", "top_up"),
        ("do you charge for taking out cash at an ATM?", "atm_fees"),
    ],
)
async def test_each_format_is_searchable(assist: Assist, question: str, article: str) -> None:
    suggestions = await assist.suggest([question])
    assert suggestions
    assert suggestions[0].article_id == article


@pytest.mark.parametrize(
    "message",
    ["hi", "Hello there!", "thanks a lot", "ok thank you, bye", "what's the weather tomorrow in Paris?"],
)
async def test_chit_chat_and_off_topic_get_nothing(assist: Assist, message: str) -> None:
    assert await assist.suggest([message]) == []


async def test_recent_turns_are_used(assist: Assist) -> None:
    # "It still isn't here" alone says little; with the turn before it, it is about the card.
    turns = ["I ordered a new card last week", "it still isn't here, what should I do?"]
    suggestions = await assist.suggest(turns)
    assert suggestions
    assert suggestions[0].article_id == "card_arrival"


async def test_search_has_no_threshold(assist: Assist) -> None:
    assert await assist.suggest(["hello"]) == []
    assert len(await assist.search("hello", limit=4)) == 4


async def test_concurrent_requests_are_batched(assist: Assist, embedder: CountingEmbedder) -> None:
    embedder.calls = 0
    questions = [f"how do I change my PIN number {i}" for i in range(20)]
    results = await asyncio.gather(*(assist.suggest([q]) for q in questions))
    assert all(r and r[0].article_id == "change_pin" for r in results)
    assert embedder.calls < 20  # several requests shared one model call
