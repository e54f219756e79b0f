"""The knowledge base in the database: articles, their passages and the passages' embeddings.

:meth:`KnowledgeBase.upsert` is where "reloading changes nothing, an edit re-embeds only what
changed" is kept: an article whose content hash is unchanged is left alone; an edited one is split
again and only passages whose hash is new are embedded, the others keep their stored vectors.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from assist.embedding import Vectors, to_bytes
from assist.kb.limits import LIMITS, ParseError
from assist.kb.split import SplitOptions, passage_context, split_article
from assist.models import ArticleDoc, ArticleInfo
from assist.schema import kb_articles, kb_passages

Outcome = Literal["added", "updated", "unchanged"]
_PAGE = 2_000  # rows read (or a tenth of it written) between pauses that let the event loop run
EmbedFn = Callable[[Sequence[str]], Awaitable[Vectors]]


def _sha(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def article_hash(doc: ArticleDoc) -> str:
    """The content hash of an article: what it says and where it links, not where it came from."""
    return _sha(doc.id, doc.title, doc.body, doc.url or "", json.dumps(list(doc.tags)))


def title_text(title: str, tags: Sequence[str]) -> str:
    """What is embedded as the article's topic vector: its title, then its tags as words."""
    words = " ".join(t.replace("-", " ").replace("_", " ") for t in tags)
    return f"{title} {words}".strip()


@dataclass(frozen=True)
class _Existing:
    content_hash: str
    model: str
    title_text: str
    title_embedding: bytes
    passages: dict[str, bytes]  # content hash -> embedding, for this model only


class KnowledgeBase:
    """Articles and passages in the database; embedding goes through the ``embed`` passed in."""

    def __init__(self, engine: AsyncEngine, split: SplitOptions | None = None) -> None:
        self._engine = engine
        self._split = split or SplitOptions()

    async def _existing(self, article_id: str) -> _Existing | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(kb_articles).where(kb_articles.c.id == article_id))).first()
            if row is None:
                return None
            passages = await conn.execute(
                sa.select(kb_passages.c.content_hash, kb_passages.c.embedding).where(
                    kb_passages.c.article_id == article_id,
                    kb_passages.c.embedding_model == row.embedding_model,
                )
            )
            return _Existing(
                content_hash=row.content_hash,
                model=row.embedding_model,
                title_text=title_text(row.title, row.tags),
                title_embedding=row.title_embedding,
                passages={p.content_hash: p.embedding for p in passages},
            )

    async def upsert(
        self, doc: ArticleDoc, embed: EmbedFn, model: str, max_passages: int | None = None
    ) -> tuple[Outcome, int]:
        """Store ``doc``; returns what happened and how many passages were embedded.

        Raises :class:`ParseError` when the article has no text to make a passage of, or would
        make more passages than its limit (or than ``max_passages``, what the load has left).
        """
        content_hash = article_hash(doc)
        existing = await self._existing(doc.id)
        if existing and existing.content_hash == content_hash and existing.model == model:
            return "unchanged", 0
        # Splitting a long article takes a while: off the event loop, which serves the chat.
        drafts = await asyncio.to_thread(split_article, doc.title, doc.body, self._split)
        if not drafts:
            raise ParseError(f"{doc.source or doc.id}: article {doc.id!r} has no text besides headings")
        limit = min(
            LIMITS.passages_per_article, LIMITS.passages_per_load if max_passages is None else max_passages
        )
        if len(drafts) > limit:
            raise ParseError(
                f"{doc.source or doc.id}: article {doc.id!r} makes {len(drafts):,} passages, "
                f"more than the {limit:,} allowed"
            )
        contexts = [passage_context(doc.title, d.heading, d.text) for d in drafts]
        hashes = [_sha(c) for c in contexts]
        same_model = existing is not None and existing.model == model
        stored = existing.passages if existing is not None and same_model else {}
        todo = [i for i, h in enumerate(hashes) if h not in stored]
        topic = title_text(doc.title, doc.tags)
        old_topic = (
            existing.title_embedding if existing and same_model and existing.title_text == topic else None
        )
        texts = [contexts[i] for i in todo] + ([topic] if old_topic is None else [])
        vectors = [to_bytes(v) for v in await embed(texts)] if texts else []
        embeddings = stored | {hashes[i]: vectors[row] for row, i in enumerate(todo)}
        rows = [
            {
                "article_id": doc.id,
                "position": d.position,
                "heading": d.heading,
                "text": d.text,
                "content_hash": hashes[d.position],
                "embedding": embeddings[hashes[d.position]],
                "embedding_model": model,
            }
            for d in drafts
        ]
        await self._write(doc, content_hash, old_topic or vectors[-1], model, rows, existing is not None)
        return ("updated" if existing else "added"), len(todo)

    async def _write(
        self,
        doc: ArticleDoc,
        content_hash: str,
        topic: bytes,
        model: str,
        rows: list[dict[str, Any]],
        exists: bool,
    ) -> None:
        """Replace the article's row and its passages in one transaction."""
        now = time.time()
        values = {
            "title": doc.title,
            "body": doc.body,
            "url": doc.url,
            "tags": list(doc.tags),
            "source": doc.source,
            "content_hash": content_hash,
            "title_embedding": topic,
            "embedding_model": model,
            "updated_at": now,
        }
        async with self._engine.begin() as conn:
            if exists:
                await conn.execute(kb_articles.update().where(kb_articles.c.id == doc.id).values(**values))
                await conn.execute(kb_passages.delete().where(kb_passages.c.article_id == doc.id))
            else:
                await conn.execute(kb_articles.insert().values(id=doc.id, created_at=now, **values))
            await conn.execute(kb_passages.insert(), rows)

    async def articles(self) -> list[ArticleInfo]:
        """Every article, by id, with its passage count."""
        count = (
            sa.select(sa.func.count())
            .where(kb_passages.c.article_id == kb_articles.c.id)
            .scalar_subquery()
            .label("passages")
        )
        query = sa.select(kb_articles, count).order_by(kb_articles.c.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            ArticleInfo(
                id=r.id,
                title=r.title,
                url=r.url,
                tags=tuple(r.tags),
                source=r.source,
                passages=int(r.passages),
                updated_at=r.updated_at,
            )
            for r in rows
        ]

    async def get(self, article_id: str) -> ArticleDoc | None:
        """One article as stored (its body as loaded), or None."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(kb_articles).where(kb_articles.c.id == article_id))).first()
        if row is None:
            return None
        return ArticleDoc(row.id, row.title, row.body, row.url, tuple(row.tags), row.source)

    async def rename_sources(self, article_ids: list[str], old_prefix: str, new_prefix: str) -> None:
        """Rewrite where articles came from (an upload's scratch folder → what the admin uploaded);
        in pages, pausing between them, for the event loop's sake as in :meth:`corpus_rows`."""
        source = kb_articles.c.source
        for start in range(0, len(article_ids), _PAGE // 10):
            async with self._engine.begin() as conn:
                await conn.execute(
                    kb_articles.update()
                    .where(
                        kb_articles.c.id.in_(article_ids[start : start + _PAGE // 10]),
                        source.startswith(old_prefix, autoescape=True),
                    )
                    .values(source=sa.func.replace(source, old_prefix, new_prefix))
                )
            await asyncio.sleep(0)

    async def remove(self, article_id: str) -> bool:
        """Delete an article and its passages; False when there was none with that id."""
        async with self._engine.begin() as conn:
            await conn.execute(kb_passages.delete().where(kb_passages.c.article_id == article_id))
            result = await conn.execute(kb_articles.delete().where(kb_articles.c.id == article_id))
        return bool(result.rowcount)

    async def stale(self, model: str) -> list[str]:
        """Ids of articles embedded with another model than ``model`` (to embed again)."""
        query = sa.select(kb_articles.c.id).where(kb_articles.c.embedding_model != model)
        async with self._engine.connect() as conn:
            return [r.id for r in await conn.execute(query)]

    async def version(self) -> tuple[int, float]:
        """(number of articles, latest change): cheap to poll to know when to rebuild the index."""
        query = sa.select(sa.func.count(), sa.func.max(kb_articles.c.updated_at))
        async with self._engine.connect() as conn:
            count, latest = (await conn.execute(query)).one()
        return int(count), float(latest or 0.0)

    async def corpus_rows(self, model: str) -> tuple[list[Any], list[Any]]:
        """Articles and passages embedded with ``model``, as the search index is built from them.

        Passages come in pages with a pause between them: on SQLite each fetch runs on the event
        loop's thread, and tens of thousands of rows with their vectors at once blocked the chat."""
        articles = sa.select(
            kb_articles.c.id, kb_articles.c.title, kb_articles.c.url, kb_articles.c.title_embedding
        ).where(kb_articles.c.embedding_model == model)
        columns = (kb_passages.c.id, kb_passages.c.article_id, kb_passages.c.heading, kb_passages.c.text)
        passages = sa.select(*columns, kb_passages.c.embedding, kb_passages.c.position)
        rows: list[Any] = []
        async with self._engine.connect() as conn:
            found = list((await conn.execute(articles)).all())
            while True:
                after = rows[-1].id if rows else -1
                page = passages.where(kb_passages.c.embedding_model == model, kb_passages.c.id > after)
                batch = (await conn.execute(page.order_by(kb_passages.c.id).limit(_PAGE))).all()
                rows.extend(batch)
                if len(batch) < _PAGE:
                    break
                await asyncio.sleep(0)
        rows.sort(key=lambda r: (r.article_id, r.position))
        return found, rows
