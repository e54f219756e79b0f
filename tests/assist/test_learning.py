"""Learning from agents: used articles rank higher for similar messages, dismissed ones lower."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from assist.events import change_ratio
from assist.service import Assist
from tests.assist.conftest import CountingEmbedder

QUESTION = "can I get my money back for a purchase I returned?"


async def _ranking(assist: Assist, text: str) -> list[str]:
    return [s.article_id for s in await assist.search(text, limit=7)]


async def test_learning_changes_the_top_suggestion(assist: Assist) -> None:
    message = "the money I sent from my bank hasn't shown up"
    before = await _ranking(assist, message)
    assert before[0] != "top_up"
    await assist.learn("money sent from my bank is not showing", "top_up")
    after = await _ranking(assist, message)
    assert after[0] == "top_up"
    assert await assist.learn("money sent from my bank is not showing", "top_up") is False  # known already


async def test_dismissal_lowers_an_article(assist: Assist) -> None:
    before = await _ranking(assist, QUESTION)
    top = before[0]
    await assist.dismiss(QUESTION, top)
    after = await _ranking(assist, QUESTION)
    assert after.index(top) > 0


async def test_learning_survives_a_restart(
    assist: Assist, engine: AsyncEngine, embedder: CountingEmbedder
) -> None:
    await assist.learn("how do I leave Northwind for good", "close_account")
    async with Assist(engine, embedder) as again:
        ranking = await _ranking(again, "where do I find the button to leave Northwind for good")
        assert ranking[0] == "close_account"


async def test_events_are_recorded_and_teach(assist: Assist) -> None:
    message = "my salary hasn't shown up yet"
    found = await assist.search(message, limit=1)
    assert len(found) == 1
    top = found[0]
    await assist.record("shown", conversation_id=1, agent_id=2, article_id=top.article_id, message=message)
    await assist.record("shown", conversation_id=1, agent_id=2, article_id="top_up", message=message)
    await assist.record("inserted", conversation_id=1, agent_id=2, article_id="top_up", message=message)
    await assist.record(
        "sent",
        conversation_id=1,
        agent_id=2,
        article_id="top_up",
        message=message,
        draft="Hi",
        sent_text="Hi",
    )
    await assist.record("dismissed", conversation_id=1, agent_id=2, article_id="refunds", message="x y z")
    await assist.record("no_suggestion", conversation_id=1, message="do you sell insurance?")
    report = await assist.events.report()
    assert (report.shown, report.inserted, report.sent, report.sent_unchanged, report.dismissed) == (
        2,
        1,
        1,
        1,
        1,
    )
    assert report.insert_rate == 0.5
    assert report.dismiss_rate == 0.5
    assert report.top_articles == [("top_up", 2)]
    assert report.gaps == ["do you sell insurance?"]
    assert (await _ranking(assist, message))[0] == "top_up"


def test_change_ratio() -> None:
    assert change_ratio("Hello there", "Hello there ") == 0.0
    assert 0 < change_ratio("Hello there", "Hello there, Anna!") < 0.5
    assert change_ratio("abc", "xyz") == 1.0


async def test_what_one_process_learns_the_others_pick_up(
    assist: Assist, engine: AsyncEngine, embedder: CountingEmbedder
) -> None:
    """Two server processes on one database: an example taught on one reaches the other's
    suggestions at its next refresh (servers refresh every few seconds), once."""
    message = "the money I sent from my bank hasn't shown up"
    async with Assist(engine, embedder) as other:
        assert (await _ranking(other, message))[0] != "top_up"
        await assist.learn("money sent from my bank is not showing", "top_up")
        assert await other.refresh() is True
        assert (await _ranking(other, message))[0] == "top_up"
        assert await other.refresh() is False  # nothing new since
        assert await assist.refresh() is False  # its own example is not "new" to the learner


async def test_articles_removed_on_one_process_leave_the_others(
    assist: Assist, engine: AsyncEngine, embedder: CountingEmbedder
) -> None:
    async with Assist(engine, embedder) as other:
        assert "top_up" in await _ranking(other, "add money to my account")
        assert await assist.remove("top_up") is True
        assert await other.refresh() is True
        assert "top_up" not in await _ranking(other, "add money to my account")
