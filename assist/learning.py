"""Learning from agents: (message, article) pairs they used (+1) or dismissed (-1).

Later messages like a learned one rank its article higher: the learned messages most similar to
the query vote for their articles (a kNN vote, signed: a dismissal votes against), and once there
are enough of them a linear model over the message embeddings adds its probability per article.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from assist.config import RetrievalParams
from assist.embedding import Vectors, from_bytes, to_bytes
from assist.jsonl import json_lines
from assist.schema import assist_examples

Scores = npt.NDArray[np.float32]
USED, DISMISSED = 1, -1


@dataclass(frozen=True)
class Example:
    """One learned pair; ``label`` is +1 (the agent used the article) or -1 (dismissed it)."""

    message: str
    article_id: str
    label: int = USED
    vector: npt.NDArray[np.float32] | None = field(default=None, compare=False)


class ExampleStore:
    """Learned pairs in the database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, examples: Sequence[Example], source: str, model: str) -> None:
        """Store ``examples`` (each with its ``vector``)."""
        now = time.time()
        rows = [
            {
                "message": e.message,
                "article_id": e.article_id,
                "label": e.label,
                "source": source,
                "embedding": to_bytes(e.vector) if e.vector is not None else b"",
                "embedding_model": model,
                "created_at": now,
            }
            for e in examples
        ]
        if rows:
            async with self._engine.begin() as conn:
                await conn.execute(assist_examples.insert(), rows)

    async def pairs(self) -> set[tuple[str, str, int]]:
        """(message, article id, label) of every stored pair: to skip what is learned already."""
        query = sa.select(assist_examples.c.message, assist_examples.c.article_id, assist_examples.c.label)
        async with self._engine.connect() as conn:
            return {(r.message, r.article_id, int(r.label)) for r in await conn.execute(query)}

    async def load(self, model: str, after: int = 0) -> tuple[list[Example], int]:
        """The pairs embedded with ``model`` stored after row ``after``, oldest first, and the last
        row id read (to ask for what came after it next time: another process's learning)."""
        query = (
            sa.select(assist_examples)
            .where(assist_examples.c.embedding_model == model, assist_examples.c.id > after)
            .order_by(assist_examples.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        last = max((int(r.id) for r in rows), default=after)
        return [Example(r.message, r.article_id, int(r.label), from_bytes(r.embedding)) for r in rows], last

    async def stale(self, model: str) -> list[tuple[int, str]]:
        """(row id, message) of pairs embedded with another model, to embed again."""
        query = sa.select(assist_examples.c.id, assist_examples.c.message).where(
            assist_examples.c.embedding_model != model
        )
        async with self._engine.connect() as conn:
            return [(int(r.id), r.message) for r in await conn.execute(query)]

    async def set_embeddings(self, updates: Sequence[tuple[int, bytes]], model: str) -> None:
        """Replace the embeddings of the rows given by id."""
        async with self._engine.begin() as conn:
            for row_id, blob in updates:
                await conn.execute(
                    assist_examples.update()
                    .where(assist_examples.c.id == row_id)
                    .values(embedding=blob, embedding_model=model)
                )


class ArticleModel:
    """Classifiers from a message to the article that answers it, trained on the used pairs.

    Two logistic regressions: one over the message embeddings, one over its text (TF-IDF of words
    and word pairs, and of character 2-5-grams within words). The lexical one catches what the
    small embedding model blurs (product names, "PIN" against "password"); the character n-grams
    add misspellings and word forms ("refunded", "refund", "refnd"). Together with the kNN vote
    they rank better than any one alone (bench/tune_assist.py: recall@1 on cross-validation 0.925
    with words only, 0.928 with words and characters).
    """

    def __init__(
        self, vectors: Vectors, texts: Sequence[str], article_ids: Sequence[str], params: RetrievalParams
    ) -> None:
        from sklearn.linear_model import LogisticRegression

        self.n_examples = len(article_ids)
        self._dense = LogisticRegression(C=params.model_c, max_iter=1000)
        self._text = TextFeatures()
        self._lexical = LogisticRegression(C=params.lexical_c, max_iter=1000)
        labels = list(article_ids)
        with warnings.catch_warnings():
            # Not converging to the last decimal within max_iter is fine for ranking.
            warnings.simplefilter("ignore")
            self._dense.fit(vectors, labels)
            self._lexical.fit(self._text.fit_transform(texts), labels)
        # float32 halves the word model's weights (77 articles × ~10^5 n-grams) at no cost in rank.
        self._lexical.coef_ = self._lexical.coef_.astype(np.float32)
        self.classes: list[str] = [str(c) for c in self._dense.classes_]

    def proba(self, queries: Vectors, texts: Sequence[str]) -> tuple[Scores, Scores]:
        """Per-query probability of each of :attr:`classes`: (from the embedding, from the text)."""
        dense = np.asarray(self._dense.predict_proba(queries), dtype=np.float32)
        lexical = np.asarray(self._lexical.predict_proba(self._text.transform(texts)), dtype=np.float32)
        return dense, lexical


class TextFeatures:
    """TF-IDF of words and word pairs, side by side with TF-IDF of character 2-5-grams in words."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        # float32 features meet the float32 weights below without a float64 copy of them per query.
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)
        # min_df=2: n-grams of one message only are mostly its typos; they add weights, not rank.
        chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, dtype=np.float32
        )
        self._union = FeatureUnion([("words", words), ("chars", chars)])

    def fit_transform(self, texts: Sequence[str]) -> Any:
        """Learn the vocabularies and weights from ``texts``; their features (sparse)."""
        return self._union.fit_transform(list(texts))

    def transform(self, texts: Sequence[str]) -> Any:
        """The features of ``texts`` (sparse), with what :meth:`fit_transform` learned."""
        return self._union.transform(list(texts))


@dataclass(frozen=True)
class LearnedScores:
    """Learned signals per query (rows) and article (columns)."""

    votes: Scores  # the signed kNN vote
    dense: Scores  # the embedding classifier's probability
    lexical: Scores  # the word classifier's probability
    nearest: Scores  # per query: cosine to the nearest message an article was used for


class LearnedIndex:
    """Learned examples in memory: their vectors, articles and labels, and the fitted model."""

    def __init__(self, examples: Sequence[Example], model: ArticleModel | None = None) -> None:
        usable = [e for e in examples if e.vector is not None and len(e.vector)]
        self.examples = list(usable)
        dim = len(usable[0].vector) if usable and usable[0].vector is not None else 0
        self.vectors: Vectors = (
            np.stack([e.vector for e in usable if e.vector is not None]).astype(np.float32)
            if usable
            else np.zeros((0, dim), dtype=np.float32)
        )
        self.article_ids = [e.article_id for e in usable]
        self.labels = np.array([e.label for e in usable], dtype=np.float32)
        self.model = model

    def __len__(self) -> int:
        return len(self.examples)

    @property
    def positives(self) -> int:
        """How many examples are uses (not dismissals)."""
        return int((self.labels > 0).sum())

    def with_examples(self, examples: Sequence[Example]) -> LearnedIndex:
        """A new index with ``examples`` added (the model is kept until it is fitted again)."""
        return LearnedIndex([*self.examples, *examples], self.model)

    def fit(self, params: RetrievalParams) -> LearnedIndex:
        """A new index with the model fitted on the positives (slow: run it off the loop)."""
        used = [e for e in self.examples if e.label > 0]
        ids = [e.article_id for e in used]
        if len(ids) < params.model_min_examples or len(set(ids)) < 2:
            return LearnedIndex(self.examples, None)
        model = ArticleModel(self.vectors[self.labels > 0], [e.message for e in used], ids, params)
        return LearnedIndex(self.examples, model)

    def score(
        self,
        queries: Vectors,
        texts: Sequence[str],
        article_pos: dict[str, int],
        n_articles: int,
        params: RetrievalParams,
    ) -> LearnedScores:
        """The learned signals for each query vector (and its text, for the word classifier).

        The vote of each of the ``knn_k`` nearest examples is ``exp(sharpness × (cos − 1))``,
        signed by its label, summed per article and divided by the total weight plus
        ``knn_prior``: near-duplicates of a learned message dominate, far neighbours barely count.
        """
        n = len(queries)
        votes = np.zeros((n, n_articles), dtype=np.float32)
        dense = np.zeros((n, n_articles), dtype=np.float32)
        lexical = np.zeros((n, n_articles), dtype=np.float32)
        nearest = np.zeros(n, dtype=np.float32)
        columns = np.array([article_pos.get(a, -1) for a in self.article_ids], dtype=np.int64)
        if len(self.examples) and n:
            sims = queries @ self.vectors.T
            positive = (self.labels > 0) & (columns >= 0)
            if positive.any():
                nearest = sims[:, positive].max(axis=1)
            votes = _votes(sims, columns, self.labels, n_articles, params)
        if self.model is not None and n:
            cols = np.array([article_pos.get(c, -1) for c in self.model.classes], dtype=np.int64)
            known = cols >= 0
            by_vector, by_words = self.model.proba(queries, texts)
            dense[:, cols[known]] = by_vector[:, known]
            lexical[:, cols[known]] = by_words[:, known]
        return LearnedScores(votes, dense, lexical, nearest)


def _votes(
    sims: Scores, columns: npt.NDArray[np.int64], labels: Scores, n_articles: int, params: RetrievalParams
) -> Scores:
    n = sims.shape[0]
    k = min(params.knn_k, sims.shape[1])
    nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    rows = np.broadcast_to(np.arange(n)[:, None], nearest.shape)
    weights = np.exp(params.knn_sharpness * (sims[rows, nearest] - 1.0))
    cols = columns[nearest]
    known = cols >= 0
    votes = np.zeros((n, n_articles), dtype=np.float32)
    np.add.at(votes, (rows[known], cols[known]), (weights * labels[nearest])[known])
    # The prior weight stands for "no evidence": with few learned messages, all of them far from
    # the query, their votes stay near zero instead of being normalised up to a full vote.
    total = weights.sum(axis=1, keepdims=True) + params.knn_prior
    return np.asarray(votes / total, dtype=np.float32)


@dataclass(frozen=True)
class LearnLine:
    """A line of a ``tandem assist learn`` file, or the reason it cannot be used."""

    number: int
    example: Example | None
    error: str | None = None


def read_learn_file(path: Path) -> Iterator[LearnLine]:
    """The lines of a JSONL file of ``{"message": "...", "article_id": "..."}`` objects."""
    with path.open(encoding="utf-8-sig") as lines:
        for line in json_lines(lines):
            number, record = line.number, line.value
            if line.error is not None:
                yield LearnLine(number, None, line.error)
                continue
            message = record.get("message") if isinstance(record, dict) else None
            article = record.get("article_id") if isinstance(record, dict) else None
            if not isinstance(message, str) or not message.strip():
                yield LearnLine(number, None, "missing 'message'")
            elif not isinstance(article, str | int) or not str(article).strip():
                yield LearnLine(number, None, "missing 'article_id'")
            else:
                yield LearnLine(number, Example(message.strip(), str(article).strip()))
