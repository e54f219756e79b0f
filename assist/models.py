"""Plain data passed between the knowledge base, retrieval and the server (JSON-friendly)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ArticleDoc:
    """An article as parsed from a source file, before it is split and stored."""

    id: str
    title: str
    body: str
    url: str | None = None
    tags: tuple[str, ...] = ()
    source: str | None = None


@dataclass(frozen=True)
class PassageDraft:
    """A piece of an article, with the heading it sits under (the title is the article's)."""

    position: int
    heading: str | None
    text: str


@dataclass(frozen=True)
class ArticleInfo:
    """An article as stored, for listings."""

    id: str
    title: str
    url: str | None
    tags: tuple[str, ...]
    source: str | None
    passages: int
    updated_at: float


@dataclass(frozen=True)
class Mark:
    """A marked range ``[start, end)`` of a passage's text: a sentence that matches the query."""

    start: int
    end: int


@dataclass(frozen=True)
class Suggestion:
    """One suggested article for a conversation: what the console shows in the panel.

    ``passage`` is the article's best passage as plain text; ``marks`` are character ranges of it
    (Python string indices) to highlight; ``draft`` is a reply the agent can insert and edit.
    """

    article_id: str
    title: str
    url: str | None
    score: float
    heading: str | None
    passage: str
    marks: tuple[Mark, ...]
    draft: str
    passage_id: int
    signals: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for Socket.IO events and the REST API)."""
        return {
            "article_id": self.article_id,
            "title": self.title,
            "url": self.url,
            "score": round(self.score, 4),
            "heading": self.heading,
            "passage": self.passage,
            "marks": [[m.start, m.end] for m in self.marks],
            "draft": self.draft,
            "passage_id": self.passage_id,
        }
