"""The embedding model on ONNX Runtime: what a visitor's message pays for, a few milliseconds.

PyTorch in eager mode spends ~10 ms of a short query's ~13 ms in per-operator overhead on one
thread. The same network as an ONNX graph on ONNX Runtime, its weights in int8, takes ~2.5 ms
(bench/assist_latency.py; docs/assist.md). No ONNX file ships with the model, so the first start
exports one from the local sentence-transformers directory (:mod:`assist.onnx_export`, with
torch, a few seconds) into a cache directory, keyed by the model's fingerprint; later starts load
the cached graph and need neither torch nor the network. At run time only ``onnxruntime`` and
``tokenizers`` are imported.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from assist.embedding import Vectors, limit_threads, model_fingerprint

log = logging.getLogger(__name__)

Precision = Literal["int8", "fp32"]
# int8: the Linear layers' weights quantised per output channel, activations per call: 2.3 ms a
# short message against 5.7 ms in fp32, at cosine ~0.994 to the fp32 vectors. Cold-start quality on
# the learning part (8,001 queries) stayed within noise: recall@3 0.859 either way, recall@1 0.682
# against 0.686 (docs/assist.md has the dev figures).
DEFAULT_PRECISION: Precision = "int8"
MODEL_FILE, TOKENIZER_FILE, META_FILE = "model.onnx", "tokenizer.json", "meta.json"
# Bumped when the export changes in a way that changes the vectors: old caches are exported again.
EXPORT_VERSION = 1


@dataclass(frozen=True)
class ExportMeta:
    """What the export recorded next to the graph, checked before a cached graph is used."""

    export_version: int
    model_fingerprint: str
    source_stamp: str  # file sizes and modification times of the model directory
    precision: str
    pooling: str  # "mean" or "cls"
    max_length: int  # tokens, as sentence-transformers truncates
    lowercase: bool  # sentence-transformers' do_lower_case: lower-case texts before tokenising
    dim: int
    input_names: list[str]
    min_cosine: float  # against sentence-transformers on the probe texts, at export
    export_seconds: float

    def to_json(self) -> str:
        """The meta file's text."""
        return json.dumps(asdict(self), indent=1)


def source_stamp(model_path: Path) -> str:
    """Sizes and modification times of the model's files: a cached export is used only if these
    still match (:func:`model_fingerprint` hashes the configuration and file sizes only, so weights
    replaced in place by others of the same size would otherwise go unnoticed)."""
    parts = []
    for path in sorted(p for p in model_path.rglob("*") if p.is_file()):
        stat = path.stat()
        parts.append(f"{path.relative_to(model_path).as_posix()}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


def embedder_fingerprint(model_path: Path, precision: Precision) -> str:
    """The fingerprint of the vectors this embedder makes (see :class:`~assist.embedding.Embedder`).

    fp32 gives the torch model's vectors to float rounding (checked at export), so it keeps the
    model's fingerprint and either can read what the other stored; int8 vectors differ a little
    (cosine ~0.99 to the fp32 ones), so stored vectors are embedded again when switching.
    """
    base = model_fingerprint(model_path)
    return base if precision == "fp32" else f"{base}-{precision}"


def cache_entry(cache_dir: Path, model_path: Path, precision: Precision) -> Path:
    """The directory that holds (or will hold) this model's export."""
    return cache_dir / f"{model_fingerprint(model_path)}-{precision}"


def read_meta(entry: Path, model_path: Path, precision: Precision) -> ExportMeta | None:
    """The export's metadata if ``entry`` holds a complete, current export of ``model_path``."""
    try:
        raw: dict[str, Any] = json.loads((entry / META_FILE).read_text(encoding="utf-8"))
        meta = ExportMeta(**raw)
    except (OSError, ValueError, TypeError):
        return None
    current = (
        meta.export_version == EXPORT_VERSION
        and meta.precision == precision
        and meta.model_fingerprint == model_fingerprint(model_path)
        and meta.source_stamp == source_stamp(model_path)
    )
    files_there = (entry / MODEL_FILE).is_file() and (entry / TOKENIZER_FILE).is_file()
    return meta if current and files_there else None


class OnnxEmbedder:
    """An :class:`~assist.embedding.Embedder` over an exported graph (see :func:`open_onnx`)."""

    def __init__(self, entry: Path, meta: ExportMeta, fingerprint: str, threads: int | None = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if threads is not None:
            limit_threads(threads, torch=False)
        options = ort.SessionOptions()
        # One thread, as for torch (see limit_threads): a message is a few dozen tokens, and the
        # second core belongs to the event loop. No spinning: idle worker threads must not burn it.
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(entry / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(entry / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=meta.max_length)
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.meta = meta
        self._fingerprint = fingerprint
        # int8 activations are quantised with one scale per call, so a text's vector would depend
        # on what else is in its batch (and on padding): embed each text alone. At int8 speed a
        # batch saves little on one thread anyway (measured: 400 texts/s either way).
        self._batch_size = 1 if meta.precision == "int8" else 32

    @property
    def fingerprint(self) -> str:
        """See :class:`~assist.embedding.Embedder`."""
        return self._fingerprint

    @property
    def dim(self) -> int:
        """See :class:`~assist.embedding.Embedder`."""
        return self.meta.dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        """See :class:`~assist.embedding.Embedder`."""
        out = np.zeros((len(texts), self.meta.dim), dtype=np.float32)
        if not texts:
            return out
        prepared = [t.lower() if self.meta.lowercase else t for t in texts]
        encodings = [self._tokenizer.encode(t) for t in prepared]
        # Similar lengths together: a batch is padded to its longest text.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            feed = _feed([encodings[i] for i in rows], self._inputs)
            pooled = np.asarray(self._session.run(None, feed)[0], dtype=np.float32)
            out[rows] = pooled
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.asarray(out / np.maximum(norms, 1e-12), dtype=np.float32)


def _feed(encodings: Sequence[Any], names: Sequence[str]) -> dict[str, npt.NDArray[np.int64]]:
    length = max(1, max(len(e.ids) for e in encodings))
    ids = np.zeros((len(encodings), length), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, e in enumerate(encodings):
        n = len(e.ids)
        ids[row, :n] = e.ids
        mask[row, :n] = 1
        types[row, :n] = e.type_ids
    arrays = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    return {name: arrays[name] for name in names}


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


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (another process may be reading or exporting too)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
