"""Export a local sentence-transformers model to ONNX, once, for :mod:`assist.onnx_embedding`.

Needs torch, sentence-transformers and onnx (the assist's dependencies) but no network: the
weights come from the model directory. Covered: a Hugging Face encoder followed by mean or CLS
pooling (and optionally a Normalize module), which is what all-MiniLM-L6-v2 and most
sentence-transformers text models are. Anything else raises :class:`ExportError` and the assist
keeps the torch model (:func:`assist.embedding.open_embedder`).

The export checks itself: the graph's vectors for a few probe texts must match the torch model's,
else the export fails rather than silently embedding differently.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from assist.embedding import model_fingerprint
from assist.onnx_cache import (
    EXPORT_VERSION,
    META_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    ExportMeta,
    Precision,
    source_stamp,
    write_atomically,
)
from assist.onnx_embedding import OnnxEmbedder

PROBES = [
    "hi",
    "My card still hasn't arrived, it's been two weeks!",
    "Why was I charged a FEE of 2.50 EUR for an ATM withdrawal in Zürich?",
    "how do i change my pin",
    # Longer than any model's limit: checks truncation is the same.
    "I topped up with my card yesterday and the money is not there yet. " * 40,
]
# The least cosine between the graph's and torch's vector on any probe. fp32 differs by rounding
# only; int8 by quantisation (~0.99 on typical messages): its bound only catches a broken graph.
MIN_COSINE = {"fp32": 0.9999, "int8": 0.95}


class ExportError(RuntimeError):
    """The model cannot be exported, or its export does not reproduce the model's vectors."""


def export(model_path: Path, entry: Path, precision: Precision) -> ExportMeta:
    """Export ``model_path`` into the directory ``entry`` (created) and return what was recorded.

    The meta file is written last: an interrupted export leaves no entry that looks complete.
    """
    import torch

    started = time.perf_counter()
    # Limited like the query thread: the export runs while the server may already be serving.
    torch.set_num_threads(1)
    st = _load(model_path)
    transformer, pooling = _parts(st)
    tokenizer = transformer.tokenizer
    names = [n for n in tokenizer.model_input_names if n in ("input_ids", "attention_mask", "token_type_ids")]
    entry.mkdir(parents=True, exist_ok=True)
    # Per-process names: a server and a CLI command may export into the same entry at once.
    graph = entry / f".{MODEL_FILE}.{os.getpid()}.fp32.tmp"
    _to_onnx(transformer.auto_model, pooling, names, graph)
    if precision == "int8":
        quantised = entry / f".{MODEL_FILE}.{os.getpid()}.int8.tmp"
        _quantise(graph, quantised)
        graph.unlink()
        graph = quantised
    graph.replace(entry / MODEL_FILE)
    write_atomically(entry / TOKENIZER_FILE, tokenizer.backend_tokenizer.to_str().encode())
    meta = ExportMeta(
        export_version=EXPORT_VERSION,
        model_fingerprint=model_fingerprint(model_path),
        source_stamp=source_stamp(model_path),
        precision=precision,
        pooling=pooling,
        max_length=int(transformer.max_seq_length or 512),
        lowercase=bool(getattr(transformer, "do_lower_case", False)),
        dim=int(transformer.auto_model.config.hidden_size),
        input_names=names,
        min_cosine=0.0,
        export_seconds=0.0,
    )
    cosine = _check(st, OnnxEmbedder(entry, meta, "check", threads=None))
    if cosine < MIN_COSINE[precision]:
        raise ExportError(f"the ONNX graph of {model_path} does not match the model (cosine {cosine:.4f})")
    meta = dataclasses.replace(
        meta, min_cosine=round(cosine, 6), export_seconds=round(time.perf_counter() - started, 1)
    )
    write_atomically(entry / META_FILE, meta.to_json().encode())
    return meta


def _load(model_path: Path) -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    # Eager attention traces into plain MatMul/Softmax; the SDPA path's Python-side mask logic is
    # what tracing handles least well.
    kwargs: dict[str, Any] = {"device": "cpu", "local_files_only": True}
    try:
        return SentenceTransformer(str(model_path), model_kwargs={"attn_implementation": "eager"}, **kwargs)
    except (TypeError, ValueError):
        return SentenceTransformer(str(model_path), **kwargs)


def _parts(st: Any) -> tuple[Any, str]:
    """The encoder module and the pooling mode, or :class:`ExportError` for other layouts."""
    modules = list(st)
    kinds = [type(m).__name__ for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise ExportError(f"modules {kinds} (covered: Transformer, Pooling, optional Normalize)")
    transformer, pooling = modules[0], modules[1]
    mode = pooling.pooling_mode
    mode = mode[0] if isinstance(mode, list | tuple) and len(mode) == 1 else mode
    if mode not in ("mean", "cls"):
        raise ExportError(f"pooling {mode!r} (covered: mean, cls)")
    if transformer.tokenizer is None or not getattr(transformer.tokenizer, "is_fast", False):
        raise ExportError("no fast (tokenizer.json) tokenizer")
    return transformer, str(mode)


def _to_onnx(encoder: Any, pooling: str, names: list[str], path: Path) -> None:
    import torch

    class Pooled(torch.nn.Module):
        """The encoder and sentence-transformers' pooling, as one graph."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            features = dict(zip(names, inputs, strict=True))
            hidden: torch.Tensor = self.encoder(**features).last_hidden_state
            if pooling == "cls":
                return hidden[:, 0]
            mask = features["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    # Two rows, one padded: the traced graph must handle padding and any batch size and length.
    example = {
        "input_ids": torch.tensor([[101, 7592, 2088, 2003, 102], [101, 7592, 102, 0, 0]]),
        "attention_mask": torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]),
        "token_type_ids": torch.zeros((2, 5), dtype=torch.int64),
    }
    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and deprecation chatter; the check below is what counts
        torch.onnx.export(
            Pooled().eval(),
            tuple(example[n] for n in names),
            str(path),
            dynamo=False,
            input_names=names,
            output_names=["pooled"],
            dynamic_axes={**axes, "pooled": {0: "batch"}},
            opset_version=17,
        )


def _quantise(source: Path, target: Path) -> None:
    """int8 weights per output channel for every MatMul with a constant weight (the Linear layers);
    activations are quantised per call. The word-embedding table stays float: quantising it too
    cost far more accuracy (cosine 0.967 against 0.994) for no measurable speed."""
    with _root_logger_kept():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
        )


@contextlib.contextmanager
def _root_logger_kept() -> Iterator[None]:
    """onnxruntime's quantiser configures the root logger when imported (``basicConfig``) and logs
    advice on it: undo the one, drop the other. The application owns its logging."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level

    def drop(record: logging.LogRecord) -> bool:
        return "onnxruntime" not in record.pathname

    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)
        root.handlers[:] = handlers
        root.setLevel(level)


def _check(st: Any, embedder: OnnxEmbedder) -> float:
    expected = np.asarray(
        st.encode(PROBES, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False),
        dtype=np.float32,
    )
    got = embedder.embed(PROBES)
    return float((expected * got).sum(axis=1).min())
