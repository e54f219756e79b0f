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

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assist.embedding import Vectors, limit_threads
from assist.onnx_cache import MODEL_FILE, TOKENIZER_FILE, ExportMeta


class OnnxEmbedder:
    """An :class:`~assist.embedding.Embedder` over an exported graph (made by
    :func:`~assist.embedders.open_onnx`)."""

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
