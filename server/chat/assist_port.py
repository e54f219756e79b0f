"""The assist as the chat needs it: a port the server defines and any assist can fill.

The server never imports the assist package; the composition root (``server/app.py``) hands it
an object of this shape, checked by mypy where it does. A fake for tests needs only these methods.
Values are read-only views: the assist's own dataclasses satisfy them as they are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

# What an agent did with a suggestion (or that a visitor's message got none).
SuggestionEvent = Literal["shown", "inserted", "sent", "dismissed", "no_suggestion"]


class SuggestionView(Protocol):
    @property
    def article_id(self) -> str: ...
    @property
    def score(self) -> float: ...
    def to_json(self) -> dict[str, Any]:
        """As sent in ``assist.suggestions`` and search results (docs/protocol.md)."""
        ...


class _ArticleFields(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def source(self) -> str | None: ...


class ArticleSummary(_ArticleFields, Protocol):
    @property
    def passages(self) -> int: ...
    @property
    def updated_at(self) -> float: ...


class Article(_ArticleFields, Protocol):
    @property
    def body(self) -> str: ...


class LoadOutcome(Protocol):
    @property
    def added(self) -> list[str]: ...
    @property
    def updated(self) -> list[str]: ...
    @property
    def unchanged(self) -> list[str]: ...
    @property
    def failed(self) -> Sequence[tuple[str, str]]: ...
    def summary(self) -> str: ...


class UsageReport(Protocol):
    @property
    def shown(self) -> int: ...
    @property
    def inserted(self) -> int: ...
    @property
    def sent(self) -> int: ...
    @property
    def sent_unchanged(self) -> int: ...
    @property
    def dismissed(self) -> int: ...
    @property
    def insert_rate(self) -> float: ...
    @property
    def sent_unchanged_rate(self) -> float: ...
    @property
    def dismiss_rate(self) -> float: ...
    @property
    def top_articles(self) -> Sequence[tuple[str, int]]: ...
    @property
    def gaps(self) -> Sequence[str]: ...


class AssistPort(Protocol):
    """Suggestions, an agent's search, what agents did with them, and the knowledge base."""

    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def suggest(self, turns: Sequence[str]) -> Sequence[SuggestionView]:
        """Confident suggestions for the visitor's recent turns (the last one is the latest)."""
        ...

    async def search(self, text: str) -> Sequence[SuggestionView]:
        """An agent's own search: the best matches, however confident."""
        ...

    async def record(
        self,
        kind: SuggestionEvent,
        *,
        conversation_id: int | None = None,
        agent_id: int | None = None,
        article_id: str | None = None,
        message: str | None = None,
        score: float | None = None,
        draft: str | None = None,
        sent_text: str | None = None,
    ) -> None: ...
    async def refresh(self) -> bool:
        """Pick up knowledge-base changes made elsewhere (another process, the CLI)."""
        ...

    async def articles(self) -> Sequence[ArticleSummary]: ...
    async def article(self, article_id: str) -> Article | None: ...
    async def load(self, paths: Sequence[Path]) -> LoadOutcome: ...
    async def remove(self, article_id: str) -> bool: ...
    async def rename_sources(self, article_ids: list[str], old_prefix: str, new_prefix: str) -> None:
        """Renames the ``source`` of articles from ``old_prefix...`` to ``new_prefix...``."""
        ...

    async def report(self) -> UsageReport: ...


# Builds the assist for the app's database; the composition root passes one to the app factory.
AssistFactory = Callable[[AsyncEngine], Awaitable[AssistPort]]
