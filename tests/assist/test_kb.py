"""The knowledge base in the database: loading, reloading, editing, removing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from assist.service import Assist
from tests.assist.conftest import CountingEmbedder, write_kb


async def test_load_reload_and_edit(engine: AsyncEngine, embedder: CountingEmbedder, kb_dir: Path) -> None:
    assist = Assist(engine, embedder)
    try:
        first = await assist.load([kb_dir])
        assert sorted(first.added) == [
            "atm_fees", "card_arrival", "change_pin", "close_account", "password", "refunds", "top_up",
        ]  # fmt: skip
        assert first.failed == []
        assert first.embedded_passages > 7

        embedder.texts.clear()
        again = await assist.load([kb_dir])
        assert len(again.unchanged) == 7
        assert not again.added
        assert not again.updated
        assert embedder.texts == []  # nothing embedded again

        path = kb_dir / "card_arrival.md"
        path.write_text(path.read_text().replace("10 working days", "8 working days"))
        edited = await assist.load([kb_dir])
        assert edited.updated == ["card_arrival"]
        assert len(edited.unchanged) == 6
        # Only the edited passage is embedded again, not the article's other passages or its title.
        assert edited.embedded_passages == 1
        assert len(embedder.texts) == 1
        assert "8 working days" in embedder.texts[0]
    finally:
        await assist.close()


async def test_broken_file_is_reported_and_the_rest_load(
    engine: AsyncEngine, embedder: CountingEmbedder, tmp_path: Path
) -> None:
    folder = write_kb(
        tmp_path / "kb",
        {
            "good.md": "# Good article\nSome helpful text.",
            "broken.json": '{"id": "x", "title": ',
            "nested/also_good.txt": "Another article\n\nMore helpful text.",
        },
    )
    async with Assist(engine, embedder) as assist:
        report = await assist.load([folder, tmp_path / "missing.md"])
        assert sorted(report.added) == ["also_good", "good"]
        failed = dict(report.failed)
        assert set(failed) == {str(folder / "broken.json"), str(tmp_path / "missing.md")}
        assert failed[str(folder / "broken.json")].startswith(str(folder / "broken.json"))
        assert "not valid JSON" in failed[str(folder / "broken.json")]
        assert report.summary() == "added 2, updated 0, unchanged 0, failed 2"


async def test_duplicate_id_across_files_fails_the_second(
    engine: AsyncEngine, embedder: CountingEmbedder, tmp_path: Path
) -> None:
    folder = write_kb(tmp_path / "kb", {"a/faq.md": "# One\ntext", "b/faq.md": "# Two\ntext"})
    async with Assist(engine, embedder) as assist:
        report = await assist.load([folder])
        assert report.added == ["faq"]
        assert "also used by" in report.failed[0][1]


async def test_list_get_remove(assist: Assist) -> None:
    articles = {a.id: a for a in await assist.kb.articles()}
    assert articles["card_arrival"].passages == 3
    assert articles["atm_fees"].tags == ("fees", "atm")
    doc = await assist.kb.get("change_pin")
    assert doc is not None
    assert doc.title == "How do I change my PIN?"
    assert await assist.remove("change_pin")
    assert not await assist.remove("change_pin")
    assert await assist.kb.get("change_pin") is None
    results = await assist.search("change my PIN")
    assert "change_pin" not in [s.article_id for s in results]
