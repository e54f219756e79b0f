"""The command line: tandem kb load/list/remove, tandem assist learn/eval."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from server.cli import main

Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    env = {"TANDEM_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1", "TANDEM_DATABASE_URL": ""}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def _lines(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_kb_commands_and_assist_commands(run: Run, kb_dir: Path, tmp_path: Path) -> None:
    (kb_dir / "broken.csv").write_text("id,title\nx,y\n")
    loaded = run("kb", "load", str(kb_dir))
    assert loaded.exit_code == 1
    assert f"failed: {kb_dir / 'broken.csv'}: the header lacks the column(s) body" in loaded.output
    assert "added 7, updated 0, unchanged 0, failed 1" in loaded.output

    (kb_dir / "broken.csv").unlink()
    again = run("kb", "load", str(kb_dir))
    assert again.exit_code == 0
    assert "added 0, updated 0, unchanged 7, failed 0" in again.output

    listed = run("kb", "list")
    assert "card_arrival" in listed.output
    assert listed.output.strip().endswith("7 articles")
    assert run("kb", "remove", "password").exit_code == 0
    missing = run("kb", "remove", "password")
    assert missing.exit_code != 0
    assert "no article with id 'password'" in missing.output

    learn = _lines(
        tmp_path / "learn.jsonl",
        [
            {"message": "my new card is taking forever", "article_id": "card_arrival"},
            {"message": "what is the charge for withdrawing money", "article_id": "atm_fees"},
            {"message": "no article", "article_id": "nope"},
        ],
    )
    with learn.open("a") as f:
        f.write("not json\n")
    learned = run("assist", "learn", str(learn))
    assert learned.exit_code == 0, learned.output
    assert "line 4: not valid JSON" in learned.output
    assert "learned 3, already known 0, skipped 1" in learned.output
    assert "1 article id(s) not in the knowledge base" in learned.output

    queries = _lines(
        tmp_path / "eval.jsonl",
        [
            {"query": "my card has not arrived yet", "relevant": ["card_arrival"]},
            {"query": "I want to change my PIN", "relevant": ["change_pin"]},
            {"query": "hi there", "relevant": []},
        ],
    )
    evaluated = run("assist", "eval", str(queries), "--json")
    assert evaluated.exit_code == 0, evaluated.output
    figures = json.loads(evaluated.output.strip().splitlines()[-1])
    assert list(figures) == [
        "n",
        "recall@1",
        "recall@3",
        "recall@5",
        "mrr",
        "oos_n",
        "oos_false_suggestion_rate",
    ]
    assert figures["n"] == 2
    assert figures["oos_n"] == 1
    assert figures["recall@1"] == 1.0
    assert figures["oos_false_suggestion_rate"] == 0.0

    plain = run("assist", "eval", str(queries))
    assert "recall@3" in plain.output
    assert "false-suggestion rate 0.0000" in plain.output
