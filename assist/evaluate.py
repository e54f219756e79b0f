"""``tandem assist eval``: retrieval quality as an agent would see it.

Recall@k and MRR count only what is shown: a query held back by the confidence threshold is a miss,
exactly as in the console. Lines with ``"relevant": []`` should get nothing; the share of them that
get a suggestion is the false-suggestion rate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assist.jsonl import json_lines
from assist.models import Suggestion
from assist.retrieval import Query

DEPTH = 5


@dataclass(frozen=True)
class EvalLine:
    """One query and the ids of the articles that answer it (none: it should get nothing)."""

    query: str
    relevant: tuple[str, ...]


@dataclass(frozen=True)
class EvalResult:
    """The figures ``tandem assist eval`` prints."""

    n: int
    recall_at_1: float
    recall_at_3: float
    recall_at_5: float
    mrr: float
    oos_n: int
    oos_false_suggestion_rate: float

    def to_json(self) -> dict[str, Any]:
        """The JSON object printed by ``--json``, with the keys the issue names."""
        return {
            "n": self.n,
            "recall@1": round(self.recall_at_1, 4),
            "recall@3": round(self.recall_at_3, 4),
            "recall@5": round(self.recall_at_5, 4),
            "mrr": round(self.mrr, 4),
            "oos_n": self.oos_n,
            "oos_false_suggestion_rate": round(self.oos_false_suggestion_rate, 4),
        }


def read_eval_file(path: Path) -> list[EvalLine]:
    """Lines of ``{"query": "...", "relevant": ["id", ...]}``; ValueError names a bad line."""
    lines = []
    with path.open(encoding="utf-8-sig") as f:
        for line in json_lines(f):
            number, record = line.number, line.value
            if line.error is not None:
                raise ValueError(f"{path}: line {number}: {line.error}")
            query = record.get("query") if isinstance(record, dict) else None
            relevant = record.get("relevant") if isinstance(record, dict) else None
            if not isinstance(query, str) or not isinstance(relevant, list):
                raise ValueError(f"{path}: line {number}: needs 'query' (text) and 'relevant' (a list)")
            lines.append(EvalLine(query, tuple(str(r) for r in relevant)))
    return lines


def score(lines: Sequence[EvalLine], shown: Sequence[Sequence[str]]) -> EvalResult:
    """The figures for ``lines``, given the article ids shown for each (best first)."""
    hits = {1: 0, 3: 0, 5: 0}
    reciprocal = 0.0
    n = oos_n = false_suggestions = 0
    for line, ids in zip(lines, shown, strict=True):
        if not line.relevant:
            oos_n += 1
            false_suggestions += bool(ids)
            continue
        n += 1
        rank = next((i for i, a in enumerate(ids[:DEPTH]) if a in line.relevant), None)
        if rank is not None:
            reciprocal += 1.0 / (rank + 1)
            for k in hits:
                hits[k] += rank < k
    return EvalResult(
        n=n,
        recall_at_1=hits[1] / n if n else 0.0,
        recall_at_3=hits[3] / n if n else 0.0,
        recall_at_5=hits[5] / n if n else 0.0,
        mrr=reciprocal / n if n else 0.0,
        oos_n=oos_n,
        oos_false_suggestion_rate=false_suggestions / oos_n if oos_n else 0.0,
    )


async def evaluate(
    lines: Sequence[EvalLine],
    suggest_many: Callable[[Sequence[Query]], Awaitable[list[list[Suggestion]]]],
    batch: int = 64,
    progress: Callable[[int], None] | None = None,
) -> EvalResult:
    """Run every line through ``suggest_many`` (e.g. :meth:`Assist.suggest_many`) and score it."""
    shown: list[list[str]] = []
    for start in range(0, len(lines), batch):
        chunk = lines[start : start + batch]
        results = await suggest_many([Query((line.query,), limit=DEPTH) for line in chunk])
        shown.extend([s.article_id for s in result] for result in results)
        if progress is not None:
            progress(len(chunk))
    return score(lines, shown)
