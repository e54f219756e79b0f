"""Tandem without the assist: ``pip install .`` (no ``[assist]`` extra) into a fresh virtual
environment starts, serves a whole chat, and says clearly what the assist's commands need.

This proves the dependency rule (only the composition root names the assist, and lazily): one
stray module-level import of the assist, numpy or torch from the chat would fail it. It installs
from the package registry, so it takes a minute and skips where pip cannot reach it (never in CI).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import service_missing
from tests.processes import ROOT, ServerProcess, chat_both_ways, serving_with_grace

# What a wheel is built from; the browser code is not part of the Python package.
SOURCES = ("pyproject.toml", "README.md", "common", "server", "assist")


@pytest.fixture(scope="module")
def chat_only_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A new virtual environment with ``pip install .`` of a copy of this checkout."""
    work = tmp_path_factory.mktemp("chat-only")
    source = work / "src"
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    installed = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if installed.returncode != 0:
        service_missing("pip install from the package registry", RuntimeError(installed.stderr[-2000:]))
    return python


def test_the_assist_extra_is_not_installed(chat_only_python: str) -> None:
    for module in ("numpy", "onnxruntime", "torch", "bm25s"):
        probe = subprocess.run([chat_only_python, "-c", f"import {module}"], capture_output=True)
        assert probe.returncode == 1, f"{module} is installed without the [assist] extra"


@pytest.fixture
async def chat_only_server(chat_only_python: str, tmp_path: Path) -> AsyncIterator[ServerProcess]:
    # Run from an empty folder: the checkout's own packages must not shadow the installed ones.
    proc = ServerProcess(tmp_path / "data", python=chat_only_python, cwd=tmp_path)
    async with serving_with_grace(proc) as serving:  # TANDEM_ASSIST=off, as ServerProcess sets
        yield serving


async def test_chat_works_without_the_assist(chat_only_server: ServerProcess) -> None:
    assert chat_only_server.env["TANDEM_ASSIST"] == "off"
    await chat_both_ways(chat_only_server.url)


async def test_assist_commands_say_what_to_install(chat_only_server: ServerProcess) -> None:
    out = await chat_only_server.cli("kb", "load", "articles/", status=1)
    assert "the assist is not installed" in out, out
    assert "pip install 'tandem[assist]'" in out, out
