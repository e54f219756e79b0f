"""Ranking articles for a conversation: the synchronous core the async :class:`~assist.service.Assist`
runs on its worker thread.

Each query (a conversation's recent visitor turns) is embedded once, the turns weighted towards the
latest; every article gets a cold-start score (dense passages, article and title vectors, BM25),
learned signals are added, and the result is shown only when the evidence is strong enough.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assist.config import RetrievalParams
from assist.embedding import Embedder, Vectors
from assist.index import PassageIndex, Scores, tokenize
from assist.learning import LearnedIndex
from assist.marking import draft_reply, idf_weights, mark_sentences
from assist.models import Suggestion


class TurnCache:
    """Recent turns' embeddings: each new message re-sends the turns before it, embedded already.

    Used from the query worker thread only, so it needs no lock.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()

    def embed(self, embedder: Embedder, texts: Sequence[str]) -> dict[str, Vectors]:
        """The vector of each text, embedding only those not seen recently (in one call)."""
        missing = [t for t in texts if t not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, embedder.embed(missing), strict=True))
        found = {}
        for text in texts:
            self._vectors.move_to_end(text)
            found[text] = self._vectors[text]
        while len(self._vectors) > self._size:
            self._vectors.popitem(last=False)
        return found


@dataclass(frozen=True)
class Query:
    """What to suggest for: the visitor's recent turns (oldest first).

    ``confident_only`` applies the threshold (what the console shows unasked); an agent's own search
    turns it off. ``limit`` defaults to ``RetrievalParams.max_results``.
    """

    turns: tuple[str, ...]
    limit: int | None = None
    confident_only: bool = True


@dataclass(frozen=True)
class Ranking:
    """All articles' fused scores for one query, and whether its best is confident enough."""

    total: Scores
    cold: Scores
    best_passage: npt.NDArray[np.int64]  # per article, its best passage (index into the index's arrays)
    confident: bool


class Retriever:
    """Scores queries against one index snapshot and one learned snapshot (both immutable)."""

    def __init__(
        self,
        embedder: Embedder,
        index: PassageIndex,
        learned: LearnedIndex,
        params: RetrievalParams,
        idf: Callable[[str], float] | None = None,
        cache: TurnCache | None = None,
    ) -> None:
        self.embedder = embedder
        self.index = index
        self.learned = learned
        self.params = params
        self._idf = idf or idf_weights(index.texts)
        self._cache = cache or TurnCache()

    def with_learned(self, learned: LearnedIndex) -> Retriever:
        """The same retriever over other learned examples (the index and its word weights are kept)."""
        return Retriever(self.embedder, self.index, learned, self.params, self._idf, self._cache)

    def _turns(self, query: Query) -> list[str]:
        turns = [t.strip() for t in query.turns if t and t.strip()]
        return turns[-self.params.turns :]

    def query_vectors(self, queries: Sequence[Query]) -> Vectors:
        """One vector per query: its turns' embeddings, the latest weighing most, normalised."""
        turns = [self._turns(q) for q in queries]
        unique = sorted({t for ts in turns for t in ts})
        dim = self.embedder.dim
        if not unique:
            return np.zeros((len(queries), dim), dtype=np.float32)
        vectors = self._cache.embed(self.embedder, unique)
        out = np.zeros((len(queries), dim), dtype=np.float32)
        for row, ts in enumerate(turns):
            for age, text in enumerate(reversed(ts)):
                out[row] += (self.params.turn_decay**age) * vectors[text]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.asarray(out / np.maximum(norms, 1e-12), dtype=np.float32)

    def rank(self, queries: Sequence[Query], vectors: Vectors) -> list[Ranking]:
        """Fused scores for every article, per query (``vectors`` from :meth:`query_vectors`)."""
        p = self.params
        texts = [" ".join(self._turns(q)) for q in queries]
        signals = self.index.score(vectors, tokenize(texts))
        cold = p.w_best * signals.best + p.w_mean * signals.mean + p.w_title * signals.title
        cold = cold + p.w_bm25 * signals.bm25
        learned = self.learned.score(vectors, texts, self.index.article_pos, len(self.index), p)
        total = p.w_cold * cold + p.w_knn * learned.votes
        total = total + p.w_model * learned.dense + p.w_lexical * learned.lexical
        nearest = learned.nearest
        rankings = []
        for row in range(len(queries)):
            has_text = bool(self._turns(queries[row]))
            best_cold = float(cold[row].max()) if cold.shape[1] else 0.0
            confident = has_text and (best_cold >= p.cold_threshold or nearest[row] >= p.learned_threshold)
            rankings.append(Ranking(total[row], cold[row], signals.best_passage[row], confident))
        return rankings

    def suggest(self, queries: Sequence[Query]) -> list[list[Suggestion]]:
        """Suggestions per query, best first (none when the query is not confident enough)."""
        if not queries or not len(self.index):
            return [[] for _ in queries]
        vectors = self.query_vectors(queries)
        rankings = self.rank(queries, vectors)
        out: list[list[Suggestion]] = []
        for query, ranking in zip(queries, rankings, strict=True):
            if query.confident_only and not ranking.confident:
                out.append([])
                continue
            limit = query.limit or self.params.max_results
            order = np.argsort(-ranking.total, kind="stable")[:limit]
            text = " ".join(self._turns(query))
            out.append([self._suggestion(int(a), ranking, text) for a in order])
        return out

    def _suggestion(self, article: int, ranking: Ranking, query_text: str) -> Suggestion:
        passage = int(ranking.best_passage[article])
        text = self.index.texts[passage]
        marks = mark_sentences(text, query_text, self._idf)
        title, url = self.index.titles[article], self.index.urls[article]
        return Suggestion(
            article_id=self.index.article_ids[article],
            title=title,
            url=url,
            score=float(ranking.total[article]),
            heading=self.index.headings[passage],
            passage=text,
            marks=marks,
            draft=draft_reply(text, marks, title, url),
            passage_id=self.index.passage_ids[passage],
            signals={"cold": float(ranking.cold[article])},
        )
