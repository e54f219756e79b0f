"""The ONNX export cache: where an exported model lives, what it recorded, when it is current.

Shared by the exporter (:mod:`assist.onnx_export`, which writes entries), the embedder
(:mod:`assist.onnx_embedding`, which reads them) and the factory (:mod:`assist.embedders`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from assist.embedding import model_fingerprint

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


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (another process may be reading or exporting too)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
