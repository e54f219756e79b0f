"""Choosing and opening the embedder: ONNX Runtime when it can be had, else torch."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from assist.embedding import Embedder, SentenceTransformerEmbedder
from assist.onnx_cache import DEFAULT_PRECISION, Precision, cache_entry, embedder_fingerprint, read_meta
from assist.onnx_embedding import OnnxEmbedder

log = logging.getLogger(__name__)


def open_embedder(
    model_path: Path, cache_dir: Path, threads: int | None = 1, precision: str | None = None
) -> Embedder:
    """The fastest embedder for ``model_path``: ONNX Runtime (exported into ``cache_dir`` on first
    use, see :mod:`assist.onnx_embedding`; ``precision`` "fp32" or "int8", default
    :data:`~assist.onnx_cache.DEFAULT_PRECISION`), else the sentence-transformers model on torch.

    Falls back to torch, with a warning, when onnxruntime is not installed or the model cannot be
    exported (another architecture), so any sentence-transformers directory keeps working.
    """
    if precision not in (None, "fp32", "int8"):
        raise ValueError(f"precision {precision!r} (known: fp32, int8)")
    try:
        chosen = precision or DEFAULT_PRECISION
        return open_onnx(model_path, cache_dir, "int8" if chosen == "int8" else "fp32", threads)
    except ImportError as error:
        reason = f"{error.name or error} is not installed"
    except Exception as error:  # an export that fails must not stop the assist: torch still works
        reason = f"{type(error).__name__}: {error}"
    log.warning("embedding with torch, not ONNX Runtime (slower): %s", reason)
    return SentenceTransformerEmbedder(model_path, threads=threads)


def open_onnx(
    model_path: Path, cache_dir: Path, precision: Precision = DEFAULT_PRECISION, threads: int | None = 1
) -> OnnxEmbedder:
    """The model as an :class:`OnnxEmbedder`, exported into ``cache_dir`` first if not there yet.

    Raises :class:`~assist.onnx_export.ExportError` when the model cannot be exported (an
    architecture the export does not cover, or a graph whose vectors do not match the model's).
    """
    entry = cache_entry(cache_dir, model_path, precision)
    meta = read_meta(entry, model_path, precision)
    if meta is None:
        from assist.onnx_export import export

        log.warning(
            "exporting the embedding model %s to ONNX (%s), once: into %s", model_path, precision, entry
        )
        started = time.perf_counter()
        meta = export(model_path, entry, precision)
        log.warning(
            "exported in %.1f s (cosine to the torch model ≥ %.4f)", meta.export_seconds, meta.min_cosine
        )
        log.debug("export and check took %.1f s in all", time.perf_counter() - started)
    return OnnxEmbedder(entry, meta, embedder_fingerprint(model_path, precision), threads)
