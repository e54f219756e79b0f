"""Loading files and folders into the knowledge base, one file at a time, failures reported."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assist.kb.limits import LIMITS
from assist.kb.parse import ParseError, iter_files, parse_file
from assist.kb.store import EmbedFn, KnowledgeBase
from assist.models import ArticleDoc


@dataclass
class LoadReport:
    """What a load did: article ids per outcome, and each failed file with its reason."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    embedded_passages: int = 0

    def summary(self) -> str:
        """One line for people: ``added 3, updated 1, unchanged 70, failed 1``."""
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, failed {len(self.failed)}"
        )


def _check_duplicates(docs: list[ArticleDoc], seen: dict[str, str], path: Path) -> None:
    repeated = sorted(i for i, n in Counter(d.id for d in docs).items() if n > 1)
    if repeated:
        raise ParseError(f"{path}: the id {repeated[0]!r} is used by more than one article")
    for doc in docs:
        if doc.id in seen:
            raise ParseError(f"{path}: the id {doc.id!r} is also used by {seen[doc.id]}")


async def load_paths(
    paths: Sequence[Path],
    kb: KnowledgeBase,
    embed: EmbedFn,
    model: str,
    progress: Callable[[Path], None] | None = None,
) -> LoadReport:
    """Load every article in ``paths`` (files, or folders searched recursively).

    A file is loaded whole or not at all: a broken file (or one reusing an id already loaded in
    this run) is reported in ``failed`` with the reason, and the other files still load.
    ``progress`` is called after each file.
    """
    report = LoadReport()
    seen: dict[str, str] = {}
    for path in iter_files(paths):
        try:
            if not path.exists():
                raise ParseError(f"{path}: no such file or folder")
            # Parsing a large file takes a while: off the event loop, which serves the chat.
            docs = await asyncio.to_thread(parse_file, path)
            if not docs:
                raise ParseError(f"{path}: holds no articles")
            _check_duplicates(docs, seen, path)
            for doc in docs:
                budget = LIMITS.passages_per_load - report.embedded_passages
                outcome, embedded = await kb.upsert(doc, embed, model, max_passages=budget)
                getattr(report, outcome).append(doc.id)
                report.embedded_passages += embedded
                seen[doc.id] = str(path)
        except ParseError as exc:
            report.failed.append((str(path), str(exc)))
        if progress is not None:
            progress(path)
    return report
