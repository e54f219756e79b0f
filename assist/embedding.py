"""Sentence embeddings, loaded from a local directory only (no download at run time)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    @property
    def fingerprint(self) -> str:
        """Identifies the model: vectors with another fingerprint must be embedded again."""
        ...

    @property
    def dim(self) -> int:
        """The vectors' length."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` (blocking: call from a worker thread, never the event loop)."""
        ...


def model_fingerprint(model_path: Path) -> str:
    """A short hash of the model's configuration and weight sizes: cheap, and changes with the model."""
    digest = hashlib.sha256()
    for name in sorted(p.relative_to(model_path).as_posix() for p in model_path.rglob("*") if p.is_file()):
        path = model_path / name
        digest.update(name.encode())
        digest.update(str(path.stat().st_size).encode())
        if path.suffix == ".json":
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def limit_threads(threads: int, torch: bool = True) -> None:
    """Limit BLAS's thread pool (process-wide), and torch's unless ``torch`` is False, to ``threads``.

    A visitor's message is a few dozen tokens and a search a few small matrix products: split over
    the cores of a small machine that also runs the event loop and other work, their threads spend
    more time waiting for each other than they save. Measured with bench/assist_latency.py while
    other processes competed for the 2 cores: one chat's p95 was 26 ms with one thread each and
    91-380 ms with the default two. The ONNX embedder sets its own session's threads and passes
    ``torch=False``: importing torch would cost seconds and memory for nothing.
    """
    from threadpoolctl import threadpool_limits

    if torch:
        import torch as torch_module

        torch_module.set_num_threads(threads)
    threadpool_limits(limits=threads, user_api="blas")


class SentenceTransformerEmbedder:
    """An :class:`Embedder` over a sentence-transformers model directory, on the CPU."""

    def __init__(self, model_path: Path, batch_size: int = 64, threads: int | None = 1) -> None:
        # Imported here: torch takes seconds to import, and commands that never embed skip it.
        from sentence_transformers import SentenceTransformer

        if threads is not None:
            limit_threads(threads)
        from transformers.utils import logging as transformers_logging

        # transformers draws a bar for the weights it loads; the CLI's own bar is what users watch.
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        logging.getLogger("transformers").setLevel(logging.ERROR)
        self._model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        self._batch_size = batch_size
        self._fingerprint = model_fingerprint(model_path)
        dim = self._model.get_embedding_dimension()
        self._dim = int(dim) if dim else int(self.embed(["x"]).shape[1])

    @property
    def fingerprint(self) -> str:
        """See :class:`Embedder`."""
        return self._fingerprint

    @property
    def dim(self) -> int:
        """See :class:`Embedder`."""
        return self._dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        """See :class:`Embedder`."""
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def to_bytes(vector: npt.NDArray[np.float32]) -> bytes:
    """A vector as stored in the database: little-endian float32, whatever the machine."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes) -> Vectors:
    """A stored vector back as float32."""
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


class AsyncEmbedder:
    """Embedding from async code: the work runs on ``executor`` (the assist's worker thread)."""

    def __init__(self, embedder: Embedder, executor: Executor) -> None:
        self.embedder = embedder
        self._executor = executor

    @property
    def fingerprint(self) -> str:
        """The model's fingerprint (see :class:`Embedder`)."""
        return self.embedder.fingerprint

    async def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.embedder.embed, list(texts))
