"""The ONNX embedder: the torch model's vectors (to a tolerance), offline, cached, and its fallback."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import assist.embedders as embedders
from assist.config import default_model_path, load_assist_config
from assist.embedders import open_embedder, open_onnx
from assist.embedding import Embedder, SentenceTransformerEmbedder, model_fingerprint
from assist.onnx_cache import META_FILE, cache_entry, read_meta
from assist.onnx_embedding import OnnxEmbedder
from assist.onnx_export import ExportError

TEXTS = [
    "hi",
    "My card still hasn't arrived, it's been two weeks",
    "how do I change my PIN?",
    "I was charged twice for the same coffee in Zürich",
    "what is the exchange rate for euros today",
    "Can I top up with Apple Pay?",
    "the ATM kept my card and I need cash",
    "why is my transfer pending for three days " * 30,  # past the 256-token limit: truncated alike
]


@pytest.fixture(scope="module")
def torch_model() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(default_model_path())


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1))


def test_default_vectors_match_the_torch_model(
    model: Embedder, torch_model: SentenceTransformerEmbedder
) -> None:
    assert isinstance(model, OnnxEmbedder)
    assert model.meta.precision == "int8"
    got, expected = model.embed(TEXTS), torch_model.embed(TEXTS)
    assert got.dtype == np.float32
    assert got.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cosines = _cosines(got, expected)
    assert cosines.min() >= 0.97, cosines
    assert cosines.mean() >= 0.99, cosines
    assert model.embed([]).shape == (0, 384)


def test_int8_vector_does_not_depend_on_its_batch(model: Embedder) -> None:
    together = model.embed(TEXTS)
    alone = np.stack([model.embed([t])[0] for t in TEXTS])
    assert np.array_equal(together, alone)


def test_fingerprint_says_which_vectors(model: Embedder) -> None:
    base = model_fingerprint(default_model_path())
    assert model.fingerprint == f"{base}-int8"  # other vectors than torch's: stored ones are redone


def test_fp32_export_offline_equals_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, torch_model: SentenceTransformerEmbedder
) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the export tried to reach the network")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", no_network)
    fp32 = open_onnx(default_model_path(), tmp_path, "fp32")
    assert np.abs(fp32.embed(TEXTS) - torch_model.embed(TEXTS)).max() < 1e-4
    assert fp32.fingerprint == torch_model.fingerprint  # the same vectors: nothing to embed again
    assert fp32.meta.min_cosine >= 0.9999


def test_cached_export_is_reused_and_needs_no_torch(
    model: OnnxEmbedder, onnx_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_export(*args: Any) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr("assist.onnx_export.export", no_export)
    again = open_onnx(default_model_path(), onnx_cache)
    assert np.array_equal(again.embed(TEXTS[:3]), model.embed(TEXTS[:3]))
    script = (
        "import sys; from pathlib import Path; from assist.config import default_model_path;"
        "from assist.embedders import open_onnx;"
        f"e = open_onnx(default_model_path(), Path({str(onnx_cache)!r})); e.embed(['hi']);"
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stderr


def test_a_changed_model_directory_is_exported_again(onnx_cache: Path, tmp_path: Path) -> None:
    entry = cache_entry(onnx_cache, default_model_path(), "int8")
    assert read_meta(entry, default_model_path(), "int8") is not None
    copy = tmp_path / "entry"
    shutil.copytree(entry, copy)
    meta = json.loads((copy / META_FILE).read_text())
    (copy / META_FILE).write_text(json.dumps({**meta, "source_stamp": "other weights"}))
    assert read_meta(copy, default_model_path(), "int8") is None
    (copy / META_FILE).write_text("{not json")
    assert read_meta(copy, default_model_path(), "int8") is None


def test_threads_stay_limited(model: OnnxEmbedder) -> None:
    assert model._session.get_session_options().intra_op_num_threads == 1
    # numpy's BLAS is loaded (the assist's vector maths runs on it), and limited to one thread.
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas, threadpool_info()
    assert [pool["num_threads"] for pool in blas] == [1] * len(blas), blas


def test_falls_back_to_torch_when_the_export_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unsupported(*args: Any, **kwargs: Any) -> None:
        raise ExportError("modules ['Transformer', 'Dense'] (covered: ...)")

    monkeypatch.setattr(embedders, "open_onnx", unsupported)
    with caplog.at_level(logging.WARNING):
        embedder = open_embedder(default_model_path(), tmp_path)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert "embedding with torch" in caplog.text
    assert "Dense" in caplog.text


def test_own_model_directory_is_exported_too(tmp_path: Path, onnx_cache: Path) -> None:
    own = tmp_path / "my-model"
    shutil.copytree(default_model_path(), own)
    config = load_assist_config({"TANDEM_EMBEDDING_MODEL": str(own), "TANDEM_DATA_DIR": str(tmp_path / "d")})
    assert config.cache_dir == (tmp_path / "d" / "models").resolve()
    embedder = open_embedder(config.model_path, config.cache_dir)
    assert isinstance(embedder, OnnxEmbedder)
    assert (config.cache_dir / f"{model_fingerprint(own)}-int8" / META_FILE).is_file()
    reference = open_onnx(default_model_path(), onnx_cache)
    assert _cosines(embedder.embed(TEXTS[:3]), reference.embed(TEXTS[:3])).min() > 0.999
