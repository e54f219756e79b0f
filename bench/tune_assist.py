"""Tune the assist's fusion weights and thresholds on the learning part (never on dev).

Run ``bench/split_banking77.py`` first. Builds a scratch database with kb-northwind, embeds the
tuning queries once (cached in bench/data/), then searches a small grid:

- cold start: the cold weights and ``cold_threshold`` on the learning-part messages as queries,
  with the OOS tuning half for the false-suggestion rate;
- after learning: ``w_cold``, ``w_knn``, ``w_model`` and ``learned_threshold`` by 5-fold
  cross-validation inside the learning part (learn on four folds, score the fifth).

Prints the best settings; docs/assist.md records what they gave on dev.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import json
import tempfile
from pathlib import Path

import numpy as np

from assist.config import RetrievalParams, load_assist_config
from assist.embedding import SentenceTransformerEmbedder
from assist.evaluate import EvalLine, EvalResult, score
from assist.learning import Example, LearnedIndex
from assist.retrieval import Query, Retriever
from assist.service import Assist
from server.db.engine import open_engine
from server.db.migrate import upgrade

HERE = Path(__file__).resolve().parent


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _evaluate(
    retriever: Retriever, queries: list[Query], vectors: np.ndarray, lines: list[EvalLine]
) -> EvalResult:
    shown = []
    for ranking in retriever.rank(queries, vectors):
        shown.append(
            [retriever.index.article_ids[a] for a in np.argsort(-ranking.total, kind="stable")[:5]]
            if ranking.confident
            else []
        )
    return score(lines, shown)


def _threshold(values: np.ndarray, target_fsr: float) -> float:
    return float(np.quantile(values, 1 - target_fsr)) + 1e-6


async def main(data: Path, kb: Path, target_fsr: float, skip_cold: bool) -> None:
    config = load_assist_config()
    embedder = SentenceTransformerEmbedder(config.model_path)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(f"sqlite+aiosqlite:///{tmp}/tune.db")
        await upgrade(engine)
        assist = Assist(engine, embedder)
        report = await assist.load([kb])
        assert not report.failed and report.added, report.summary()
        await assist.start()
        base = assist._retriever
        await assist.close()
        await engine.dispose()
    assert base is not None
    tune = _rows(data / "tune.jsonl")
    lines = [EvalLine(str(r["query"]), tuple(r["relevant"])) for r in tune]  # type: ignore[arg-type]
    cache = data / "tune_vectors.npy"
    if cache.exists():
        vectors = np.load(cache)
    else:
        vectors = embedder.embed([line.query for line in lines])
        np.save(cache, vectors)
    queries = [Query((line.query,), limit=5) for line in lines]
    oos = np.array([not line.relevant for line in lines])
    cold_best = base.params if skip_cold else _tune_cold(base, queries, vectors, lines, oos, target_fsr)
    print("cold:", cold_best)
    _tune_learned(base, cold_best, queries, vectors, lines, oos, target_fsr)


def _tune_cold(base: Retriever, queries, vectors, lines, oos, target_fsr) -> RetrievalParams:  # type: ignore[no-untyped-def]
    best: tuple[float, RetrievalParams] | None = None
    for w_best, w_mean, w_title, w_bm25 in itertools.product(
        (0.2, 0.3, 0.4), (0.3, 0.4, 0.5), (0.1, 0.2, 0.3), (0.05, 0.1, 0.15)
    ):
        params = dataclasses.replace(
            base.params, w_best=w_best, w_mean=w_mean, w_title=w_title, w_bm25=w_bm25, cold_threshold=-1.0
        )
        retriever = Retriever(base.embedder, base.index, LearnedIndex([]), params)
        rankings = retriever.rank(queries, vectors)
        top = np.array([r.cold.max() for r in rankings])
        params = dataclasses.replace(params, cold_threshold=_threshold(top[oos], target_fsr))
        result = _evaluate(
            Retriever(base.embedder, base.index, LearnedIndex([]), params), queries, vectors, lines
        )
        if best is None or result.recall_at_3 > best[0]:
            best = (result.recall_at_3, params)
            weights = f"{w_best=} {w_mean=} {w_title=} {w_bm25=}"
            print(f"  {result.to_json()}  {weights} thr={params.cold_threshold:.3f}")
    assert best is not None
    return best[1]


def _tune_learned(base, cold, queries, vectors, lines, oos, target_fsr) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    learn_rows = np.flatnonzero(~oos)
    folds = np.array_split(rng.permutation(learn_rows), 5)
    fitted = []
    for fold in folds:
        train = np.setdiff1d(learn_rows, fold)
        examples = [Example(lines[i].query, lines[i].relevant[0], 1, vectors[i]) for i in train]
        fitted.append((fold, LearnedIndex(examples).fit(cold)))
    grid = itertools.product((0.3,), (0.5, 1.0), (0.5, 1.0), (0.0, 0.25, 0.5, 1.0))
    for w_cold, w_knn, w_model, w_lexical in grid:
        params = dataclasses.replace(
            cold, w_cold=w_cold, w_knn=w_knn, w_model=w_model, w_lexical=w_lexical, learned_threshold=-1.0
        )
        shown_all: dict[int, list[str]] = {}
        nearest_oos = []
        for fold, learned in fitted:
            retriever = Retriever(base.embedder, base.index, learned, params)
            idx = np.concatenate([fold, np.flatnonzero(oos)])
            texts = [lines[i].query for i in idx]
            nearest = learned.score(
                vectors[idx], texts, base.index.article_pos, len(base.index), params
            ).nearest
            nearest_oos.append(nearest[len(fold) :])
            rankings = retriever.rank([queries[i] for i in idx], vectors[idx])
            for i, r in zip(idx, rankings, strict=True):
                if i in fold:
                    shown_all[int(i)] = [base.index.article_ids[a] for a in np.argsort(-r.total)[:5]]
        threshold = _threshold(np.concatenate(nearest_oos), target_fsr)
        order = sorted(shown_all)
        result = score([lines[i] for i in order], [shown_all[i] for i in order])
        weights = f"{w_cold=} {w_knn=} {w_model=} {w_lexical=}"
        print(f"  {weights} learned_threshold={threshold:.3f}  {result.to_json()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--kb", type=Path, default=HERE.parent.parent / "shared" / "data" / "kb-northwind")
    parser.add_argument("--skip-cold", action="store_true", help="keep the cold weights in RetrievalParams")
    parser.add_argument("--target-fsr", type=float, default=0.07)
    args = parser.parse_args()
    asyncio.run(main(args.data, args.kb, args.target_fsr, args.skip_cold))
