"""The in-memory search index over the knowledge base: dense vectors and BM25, per article.

Built from the database in one go (:meth:`PassageIndex.build`) and never changed afterwards: a
new knowledge base means a new index, swapped in whole, so searches need no locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np
import numpy.typing as npt

from assist.embedding import Vectors, from_bytes
from assist.kb.split import passage_context

Scores = npt.NDArray[np.float32]


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Words as BM25 sees them: lower case, English stop words left out."""
    return bm25s.tokenize(list(texts), stopwords="en", return_ids=False, show_progress=False)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ArticleScores:
    """Per-query, per-article cold-start signals (rows: queries; columns: ``index.article_ids``)."""

    best: Scores  # cosine to the article's best passage
    best_passage: npt.NDArray[np.int64]  # which passage (an index into the passage arrays)
    mean: Scores  # cosine to the mean of the article's passages
    title: Scores  # cosine to the article's title and tags
    bm25: Scores  # BM25 of the article's best passage, over the query's best article


class PassageIndex:
    """Articles and passages, their vectors, and a BM25 index over the passages in context."""

    def __init__(self, articles: Sequence[Any], passages: Sequence[Any]) -> None:
        """Build from rows with ``id, title, url, title_embedding`` and ``id, article_id, heading,
        text, embedding`` (as :meth:`KnowledgeBase.corpus_rows` returns them)."""
        by_article: dict[str, list[Any]] = {}
        for p in passages:
            by_article.setdefault(p.article_id, []).append(p)
        kept = sorted((a for a in articles if a.id in by_article), key=lambda a: a.id)
        self.article_ids = [a.id for a in kept]
        self.article_pos = {a: i for i, a in enumerate(self.article_ids)}
        self.titles = [a.title for a in kept]
        self.urls: list[str | None] = [a.url for a in kept]
        ordered = [p for a in kept for p in by_article[a.id]]
        self.passage_ids = [int(p.id) for p in ordered]
        self.passage_article = np.array([self.article_pos[p.article_id] for p in ordered], dtype=np.int64)
        self.headings: list[str | None] = [p.heading for p in ordered]
        self.texts: list[str] = [p.text for p in ordered]
        counts = np.bincount(self.passage_article, minlength=len(kept))
        # Passages are grouped by article, so per-article reductions are reduceat over these starts.
        self._starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        dim = len(from_bytes(kept[0].title_embedding)) if kept else 0
        vectors = _stack([p.embedding for p in ordered], dim)
        means = _normalise(np.add.reduceat(vectors, self._starts, axis=0)) if kept else vectors
        topics = _stack([a.title_embedding for a in kept], dim)
        # Kept transposed, (dim, n) in C order: a query is one row, and ``query @ matrix`` then
        # streams each matrix once, contiguously (0.27 against 0.61 ms at 10k passages in cache).
        # The per-article matrices are one, so a query reads them in one product.
        self._passages_t: Vectors = np.ascontiguousarray(vectors.T)
        self._articles_t: Vectors = np.ascontiguousarray(np.concatenate([means, topics]).T)
        self._bm25: bm25s.BM25 | None = None
        if ordered:
            self._bm25 = bm25s.BM25()
            titles = [self.titles[self.article_pos[p.article_id]] for p in ordered]
            contexts = [passage_context(t, p.heading, p.text) for t, p in zip(titles, ordered, strict=True)]
            self._bm25.index(tokenize(contexts), show_progress=False)

    def __len__(self) -> int:
        return len(self.article_ids)

    @property
    def vectors(self) -> Vectors:
        """The passages' vectors, one row per passage (a view)."""
        return self._passages_t.T

    @property
    def mean_vectors(self) -> Vectors:
        """Per article, the normalised mean of its passages' vectors (a view)."""
        return self._articles_t[:, : len(self.article_ids)].T

    @property
    def topic_vectors(self) -> Vectors:
        """Per article, the vector of its title and tags (a view)."""
        return self._articles_t[:, len(self.article_ids) :].T

    def _bm25_scores(self, tokens: list[list[str]]) -> Scores:
        out = np.zeros((len(tokens), len(self.passage_ids)), dtype=np.float32)
        if self._bm25 is None:
            return out
        for row, words in enumerate(tokens):
            if words:
                out[row] = self._bm25.get_scores(words)
        return out

    def score(self, queries: Vectors, tokens: list[list[str]]) -> ArticleScores:
        """Cold-start signals of every article for each query vector (with its BM25 words)."""
        n = len(queries)
        if not self.article_ids:
            empty = np.zeros((n, 0), dtype=np.float32)
            return ArticleScores(empty, np.zeros((n, 0), dtype=np.int64), empty, empty, empty)
        dense = queries @ self._passages_t
        best = np.maximum.reduceat(dense, self._starts, axis=1)
        # The argmax within each article's slice: mask everything but the article's best.
        is_best = dense >= best[:, self.passage_article]
        ranks = np.where(is_best, np.arange(dense.shape[1])[None, :], dense.shape[1])
        best_passage = np.minimum.reduceat(ranks, self._starts, axis=1)
        bm25 = np.maximum.reduceat(self._bm25_scores(tokens), self._starts, axis=1)
        top = bm25.max(axis=1, keepdims=True)
        bm25 = np.divide(bm25, top, out=np.zeros_like(bm25), where=top > 0)
        articles = queries @ self._articles_t
        n_articles = len(self.article_ids)
        return ArticleScores(
            best=best.astype(np.float32, copy=False),
            best_passage=best_passage.astype(np.int64, copy=False),
            mean=articles[:, :n_articles].astype(np.float32, copy=False),
            title=articles[:, n_articles:].astype(np.float32, copy=False),
            bm25=bm25.astype(np.float32, copy=False),
        )


def _stack(blobs: Sequence[bytes], dim: int) -> Vectors:
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.stack([from_bytes(b) for b in blobs]).astype(np.float32)


def _normalise(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)
