"""The assist as the server uses it: async, with embedding and search on worker threads.

:class:`Assist` owns two single-thread pools. Queries go to the first, in batches: requests that
arrive while a batch is being scored wait in a queue and are scored together, so concurrent chats
share one model call and the event loop only ever awaits. Bulk work (loading articles, building the
index, fitting the learned model) goes to the second, so it never holds up a suggestion. Index and
learned snapshots are immutable and swapped whole.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from assist.config import AssistConfig, RetrievalParams
from assist.embedders import open_embedder
from assist.embedding import AsyncEmbedder, Embedder, to_bytes
from assist.events import AssistReport, EventKind, EventStore, change_ratio
from assist.index import PassageIndex
from assist.kb.loader import LoadReport, load_paths
from assist.kb.store import KnowledgeBase
from assist.learning import DISMISSED, USED, Example, ExampleStore, LearnedIndex
from assist.models import ArticleDoc, ArticleInfo, Suggestion
from assist.retrieval import Query, Retriever

T = TypeVar("T")
_Pending = tuple[Query, "asyncio.Future[list[Suggestion]]"]


class Assist:
    """Knowledge base, suggestions and learning for one database.

    Create with :meth:`open` (loads the model off the loop) or with an :class:`Embedder`, then
    ``await start()`` before suggesting, and ``await close()`` at shutdown (or ``async with``).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        embedder: Embedder,
        params: RetrievalParams | None = None,
        max_batch: int = 32,
    ) -> None:
        self.params = params or RetrievalParams()
        self.embedder = embedder
        self.kb = KnowledgeBase(engine)
        self.examples = ExampleStore(engine)
        self.events = EventStore(engine)
        self._query_pool = ThreadPoolExecutor(1, thread_name_prefix="assist-query")
        self._bulk_pool = ThreadPoolExecutor(1, thread_name_prefix="assist-bulk")
        self._bulk_embed = AsyncEmbedder(embedder, self._bulk_pool)
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._retriever: Retriever | None = None
        self._known: set[tuple[str, str, int]] = set()
        self._kb_version: tuple[int, float] = (0, 0.0)
        self._fitted_at = 0
        self._examples_upto = 0  # the last stored example this process has read
        self._tasks: set[asyncio.Task[Any]] = set()
        self._dispatcher: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, engine: AsyncEngine, config: AssistConfig, max_batch: int = 32) -> Assist:
        """An assist with the configured model (loaded on a thread; on first use exported to ONNX,
        see :func:`~assist.embedders.open_embedder`)."""
        embedder = await asyncio.to_thread(open_embedder, config.model_path, config.cache_dir)
        return cls(engine, embedder, config.params, max_batch)

    async def __aenter__(self) -> Assist:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _bulk(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._bulk_pool, fn, *args)

    async def start(self) -> None:
        """Embed again what another model embedded, build the index and fit the learned model."""
        await self._reembed_stale()
        self._known = await self.examples.pairs()
        examples, self._examples_upto = await self.examples.load(self.embedder.fingerprint)
        learned = LearnedIndex(examples)
        learned = await self._bulk(learned.fit, self.params)
        self._fitted_at = learned.positives
        index = await self._build_index()
        self._retriever = await self._bulk(Retriever, self.embedder, index, learned, self.params)
        if self._dispatcher is None:
            self._dispatcher = asyncio.create_task(self._dispatch(), name="assist-dispatch")

    async def close(self) -> None:
        """Stop the dispatcher and background work, and the worker threads."""
        tasks = [*self._tasks, *([self._dispatcher] if self._dispatcher else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._dispatcher = None
        while not self._queue.empty():
            _, future = self._queue.get_nowait()
            if not future.done():
                future.set_exception(RuntimeError("the assist is closed"))
        self._query_pool.shutdown(wait=True)
        self._bulk_pool.shutdown(wait=True)

    # -- suggestions -------------------------------------------------------------------------

    async def suggest(self, turns: Sequence[str], limit: int | None = None) -> list[Suggestion]:
        """Suggestions for a conversation from its visitor's recent messages (oldest first).

        Empty when nothing is relevant enough (a greeting, thanks, an off-topic question).
        """
        return (await self.suggest_many([Query(tuple(turns), limit)]))[0]

    async def search(self, text: str, limit: int = 5) -> list[Suggestion]:
        """An agent's own search: the best articles for ``text``, without the confidence threshold."""
        return (await self.suggest_many([Query((text,), limit, confident_only=False)]))[0]

    async def suggest_many(self, queries: Sequence[Query]) -> list[list[Suggestion]]:
        """Suggestions for several queries at once (batched with any other pending requests)."""
        if self._dispatcher is None:
            raise RuntimeError("Assist.start() has not been awaited")
        loop = asyncio.get_running_loop()
        futures = []
        for query in queries:
            future: asyncio.Future[list[Suggestion]] = loop.create_future()
            self._queue.put_nowait((query, future))
            futures.append(future)
        return list(await asyncio.gather(*futures))

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            batch = [(q, f) for q, f in batch if not f.done()]
            retriever = self._retriever
            if not batch or retriever is None:
                continue
            try:
                queries = [q for q, _ in batch]
                results = await loop.run_in_executor(self._query_pool, retriever.suggest, queries)
            except Exception as exc:  # a failed batch fails its callers, not the dispatcher
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    # -- knowledge base ----------------------------------------------------------------------

    async def _build_index(self) -> PassageIndex:
        articles, passages = await self.kb.corpus_rows(self.embedder.fingerprint)
        self._kb_version = await self.kb.version()
        return await self._bulk(PassageIndex, articles, passages)

    async def refresh(self) -> bool:
        """Pick up what another process (a server, the CLI) changed: the knowledge base, and the
        examples agents taught it there. True when something changed."""
        if self._retriever is None:
            return False
        learned = await self._learned_elsewhere()
        if await self.kb.version() == self._kb_version:
            return learned
        index = await self._build_index()
        # Its word weights go over every passage: built off the event loop, as the index is.
        self._retriever = await self._bulk(
            Retriever, self.embedder, index, self._retriever.learned, self.params
        )
        return True

    async def _learned_elsewhere(self) -> bool:
        stored, self._examples_upto = await self.examples.load(self.embedder.fingerprint, self._examples_upto)
        # This process's own examples are in _known already, and in its index.
        new = [e for e in stored if (e.message, e.article_id, e.label) not in self._known]
        if not new:
            return False
        self._known.update((e.message, e.article_id, e.label) for e in new)
        self._add_learned(new)
        self._schedule_fit()
        return True

    async def load(self, paths: Sequence[Path], progress: Callable[[Path], None] | None = None) -> LoadReport:
        """Load articles from files or folders (see :func:`~assist.kb.loader.load_paths`)."""
        report = await load_paths(paths, self.kb, self._bulk_embed.embed, self.embedder.fingerprint, progress)
        await self.refresh()
        return report

    async def remove(self, article_id: str) -> bool:
        """Delete an article; False when there is none with that id."""
        removed = await self.kb.remove(article_id)
        await self.refresh()
        return removed

    async def articles(self) -> list[ArticleInfo]:
        """Every article, for listings."""
        return await self.kb.articles()

    async def article(self, article_id: str) -> ArticleDoc | None:
        """One article as loaded, or None."""
        return await self.kb.get(article_id)

    async def rename_sources(self, article_ids: list[str], old_prefix: str, new_prefix: str) -> None:
        """Name where articles came from as people know it (an upload, not a scratch folder)."""
        await self.kb.rename_sources(article_ids, old_prefix, new_prefix)

    async def report(self) -> AssistReport:
        """How often suggestions helped, the most used articles and the latest gaps."""
        return await self.events.report()

    async def _reembed_stale(self) -> None:
        model = self.embedder.fingerprint
        for article_id in await self.kb.stale(model):
            doc = await self.kb.get(article_id)
            if doc is not None:
                await self.kb.upsert(doc, self._bulk_embed.embed, model)
        stale = await self.examples.stale(model)
        for start in range(0, len(stale), 256):
            chunk = stale[start : start + 256]
            vectors = await self._bulk_embed.embed([message for _, message in chunk])
            await self.examples.set_embeddings(
                [(row_id, to_bytes(v)) for (row_id, _), v in zip(chunk, vectors, strict=True)], model
            )

    # -- learning and events -----------------------------------------------------------------

    async def learn_many(
        self,
        examples: Sequence[Example],
        source: str = "import",
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Learn (message, article) pairs; returns how many were new (repeats are skipped)."""
        if not self._known:
            self._known = await self.examples.pairs()
        new = []
        for e in examples:
            key = (e.message, e.article_id, e.label)
            if key not in self._known:
                self._known.add(key)
                new.append(e)
        for start in range(0, len(new), 256):
            chunk = new[start : start + 256]
            vectors = await self._bulk_embed.embed([e.message for e in chunk])
            embedded = [
                Example(e.message, e.article_id, e.label, v) for e, v in zip(chunk, vectors, strict=True)
            ]
            await self.examples.add(embedded, source, self.embedder.fingerprint)
            self._add_learned(embedded)
            if progress is not None:
                progress(len(chunk))
        if new:
            self._schedule_fit()
        return len(new)

    async def learn(self, message: str, article_id: str, source: str = "agent") -> bool:
        """Learn that ``article_id`` answers ``message``; False if it was learned already."""
        return await self.learn_many([Example(message, article_id, USED)], source) > 0

    async def dismiss(self, message: str, article_id: str) -> bool:
        """Learn that ``article_id`` did not help for ``message``."""
        return await self.learn_many([Example(message, article_id, DISMISSED)], "agent") > 0

    def _add_learned(self, examples: Sequence[Example]) -> None:
        if self._retriever is not None:
            self._retriever = self._retriever.with_learned(self._retriever.learned.with_examples(examples))

    def _schedule_fit(self) -> None:
        """Fit the learned model again in the background once enough new uses have come in."""
        retriever = self._retriever
        if retriever is None or any(t.get_name() == "assist-fit" for t in self._tasks):
            return
        positives = retriever.learned.positives
        if positives < self.params.model_min_examples or positives < self._fitted_at * 1.1 + 10:
            return
        task = asyncio.create_task(self._fit(), name="assist-fit")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fit(self) -> None:
        if self._retriever is None:  # closed meanwhile: nothing to fit for
            return
        learned = self._retriever.learned
        fitted = await self._bulk(learned.fit, self.params)
        # Examples learned while fitting are kept: the list only ever grows at its end.
        current = self._retriever.learned
        self._retriever = self._retriever.with_learned(fitted.with_examples(current.examples[len(learned) :]))
        self._fitted_at = fitted.positives

    async def record(
        self,
        kind: EventKind,
        *,
        conversation_id: int | None = None,
        agent_id: int | None = None,
        article_id: str | None = None,
        message: str | None = None,
        score: float | None = None,
        draft: str | None = None,
        sent_text: str | None = None,
    ) -> None:
        """Record what an agent did with a suggestion, and learn from it.

        ``inserted`` and ``sent`` teach that ``article_id`` answers ``message`` (the visitor's
        message); ``dismissed`` teaches the opposite. For ``sent``, pass the ``draft`` and the
        ``sent_text`` to record how much the agent changed it.
        """
        change = change_ratio(draft, sent_text) if draft is not None and sent_text is not None else None
        await self.events.record(
            kind,
            conversation_id=conversation_id,
            agent_id=agent_id,
            article_id=article_id,
            message=message,
            score=score,
            change=change,
        )
        if message and article_id and kind in ("inserted", "sent"):
            await self.learn(message, article_id)
        elif message and article_id and kind == "dismissed":
            await self.dismiss(message, article_id)
