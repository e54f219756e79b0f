"""Latency of suggestions through the async facade with 10,000 passages in the knowledge base.

Not a test: run it by hand (``.venv/bin/python bench/assist_latency.py``) and read the figures.

The knowledge base is synthesised from kb-northwind (``../shared/data``), or from generated
sentences when that is absent: each source article is copied with variations (another product
name in the title, other numbers in the text) until there are ``--passages`` passages. Embedding
10,000 passages for real would take this 2-core machine a quarter of an hour and measures nothing
we care about here, so the copies get the source passage's real vector plus a little noise; the
queries are embedded for real, which is the cost a visitor's message pays.

Measured: the time from ``await assist.suggest(turns)`` to its result, per message, for one chat
at a time and for several chats sending at once (requests batched by the facade).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from assist.config import load_assist_config
from assist.embedders import open_embedder
from assist.embedding import AsyncEmbedder, Embedder, SentenceTransformerEmbedder, Vectors
from assist.kb.parse import iter_files, parse_file
from assist.kb.split import passage_context, split_article
from assist.kb.store import title_text
from assist.models import ArticleDoc
from assist.service import Assist
from common.db.engine import open_engine
from common.db.migrate import upgrade

HERE = Path(__file__).resolve().parent
PRODUCTS = ["Standard", "Plus", "Premium", "Metal", "Business", "Junior", "Student", "Travel", "Saver"]
QUESTIONS = [
    "my card still hasn't come",
    "how do I change my PIN?",
    "I was charged twice for the same thing",
    "why was my transfer declined",
    "can I get a refund for something I returned",
    "how long does a top up take",
    "I think someone used my card",
    "what's the exchange rate for euros",
    "the ATM kept my card",
    "how do I verify my identity",
]


class NoisyCopies:
    """Loads copies fast: the real vector of the copy's source text, plus a little noise."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.aliases: dict[str, str] = {}  # a copy's text -> the source text whose vector it gets
        self._cache: dict[str, Vectors] = {}
        self._rng = np.random.default_rng(1)

    @property
    def fingerprint(self) -> str:
        return self.real.fingerprint

    @property
    def dim(self) -> int:
        return self.real.dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        base = [self.aliases.get(t, t) for t in texts]
        missing = sorted({b for b in base if b not in self._cache})
        if missing:
            self._cache.update(zip(missing, self.real.embed(missing), strict=True))
        vectors = np.stack([self._cache[b] for b in base])
        vectors = vectors + self._rng.normal(0, 0.01, vectors.shape).astype(np.float32)
        normalised: Vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
        return normalised


def source_articles(kb: Path) -> list[ArticleDoc]:
    if kb.exists():
        return [d for f in iter_files([kb]) for d in parse_file(f)]
    rng = random.Random(3)
    words = [
        "card",
        "payment",
        "transfer",
        "account",
        "balance",
        "refund",
        "fee",
        "limit",
        "app",
        "pin",
        "cash",
        "exchange",
        "top-up",
    ]
    return [
        ArticleDoc(
            f"topic_{i}",
            f"About {rng.choice(words)} {rng.choice(words)}",
            "\n\n".join(
                f"## Part {p}\n"
                + " ".join(f"The {rng.choice(words)} is {rng.choice(words)}." for _ in range(12))
                for p in range(4)
            ),
        )
        for i in range(50)
    ]


def variants(sources: list[ArticleDoc], copy: int) -> list[ArticleDoc]:
    product = PRODUCTS[copy % len(PRODUCTS)]
    return [
        ArticleDoc(
            id=f"{d.id}--{copy}",
            title=f"{d.title} ({product} {copy})",
            body=d.body.replace("10", str(10 + copy % 7)).replace("3", str(3 + copy % 5)),
            url=d.url,
            tags=d.tags,
        )
        for d in sources
    ]


async def build(assist: Assist, real: Embedder, kb: Path, passages: int) -> int:
    """Load copies of the source articles until the knowledge base has ``passages`` passages."""
    sources = source_articles(kb)
    copies = NoisyCopies(real)
    bulk = AsyncEmbedder(copies, ThreadPoolExecutor(1))
    loaded, copy = 0, 0
    while loaded < passages:
        for doc, src in zip(variants(sources, copy), sources, strict=True):
            own = split_article(doc.title, doc.body)
            for o, s in zip(own, split_article(src.title, src.body), strict=False):
                copies.aliases[passage_context(doc.title, o.heading, o.text)] = passage_context(
                    src.title, s.heading, s.text
                )
            copies.aliases[title_text(doc.title, doc.tags)] = title_text(src.title, src.tags)
            await assist.kb.upsert(doc, bulk.embed, real.fingerprint)
            loaded += len(own)
            if loaded >= passages:
                break
        copy += 1
    return loaded


EMBEDDERS = ("default", "torch", "onnx-fp32", "onnx-int8")


def make_embedder(kind: str = "default") -> Embedder:
    """The assist's own embedder (``default``), the torch model as before the ONNX export
    (``torch``), or the ONNX graph at a given precision: for before/after comparisons."""
    config = load_assist_config()
    if kind == "torch":
        return SentenceTransformerEmbedder(config.model_path)
    if kind.startswith("onnx-"):
        return open_embedder(config.model_path, config.cache_dir, precision=kind.removeprefix("onnx-"))
    return open_embedder(config.model_path, config.cache_dir)


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, max {max(samples):.1f} ms (n={len(samples)})"


async def measure(assist: Assist, chats: int, messages: int, gap: tuple[float, float]) -> list[float]:
    """``chats`` conversations sending ``messages`` each, at the same time, ``gap`` seconds apart
    (uniformly drawn); the latency of each message's suggestions."""
    samples: list[float] = []

    async def chat(number: int) -> None:
        rng = random.Random(number)
        turns: list[str] = []
        for sent in range(messages):
            # Every message is new text: nothing comes from the facade's cache of recent turns.
            turns = [*turns, f"{rng.choice(QUESTIONS)} (chat {number}, message {sent})"][-3:]
            start = time.perf_counter()
            await assist.suggest(turns)
            samples.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(rng.uniform(*gap))

    await asyncio.gather(*(chat(n) for n in range(chats)))
    return samples


@contextlib.asynccontextmanager
async def ready_assist(
    embedder: Embedder, kb: Path, passages: int
) -> AsyncIterator[tuple[Assist, int, float]]:
    """An assist over ``passages`` passages made from ``kb`` in a scratch database, started and
    warmed up; yields it, the passage count and the seconds building took."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(f"sqlite+aiosqlite:///{tmp}/bench.db")
        try:
            await upgrade(engine)
            assist = Assist(engine, embedder)
            started = time.perf_counter()
            total = await build(assist, embedder, kb, passages)
            built = time.perf_counter() - started
            await assist.start()
            try:
                await measure(assist, 1, 20, (0.0, 0.01))  # warm-up: first calls pay for lazy initialisation
                yield assist, total, built
            finally:
                await assist.close()
        finally:
            await engine.dispose()


async def main(kb: Path, passages: int, messages: int, embedder: str) -> None:
    real = make_embedder(embedder)
    print(f"embedder: {type(real).__name__} {real.fingerprint}")
    async with ready_assist(real, kb, passages) as (assist, total, built):
        print(f"knowledge base: {total} passages, built in {built:.0f} s")
        # One chat, messages back to back: the cost of one message alone.
        print("1 chat, back to back:          ", percentiles(await measure(assist, 1, messages, (0.0, 0.01))))
        # A busy desk: 20 chats at once, each visitor writing every 1-3 s (~10 messages a second).
        print(
            "20 chats, a message every 1-3 s:",
            percentiles(await measure(assist, 20, messages // 10, (1.0, 3.0))),
        )
        # A burst: 8 chats whose visitors all write at once, again and again (batching at work).
        print(
            "8 chats, bursts of 8 at once:  ",
            percentiles(await measure(assist, 8, messages // 8, (0.2, 0.21))),
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=HERE.parent.parent / "shared" / "data" / "kb-northwind")
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument(
        "--embedder", choices=EMBEDDERS, default="default", help="default: what the assist uses"
    )
    args = parser.parse_args()
    asyncio.run(main(args.kb, args.passages, args.messages, args.embedder))
