"""The ``tandem`` command line, run as a real subprocess (``python -m server``) against a fresh data dir."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from common.db.migrate import MIGRATIONS_DIR

ROOT = Path(__file__).resolve().parents[2]


def head_revision() -> str:
    """The newest migration's revision, read from the migration scripts themselves."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def clean_env(data_dir: Path, **env: str) -> dict[str, str]:
    """The test process's environment without any Tandem settings, plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_") and k not in ("PORT", "HOST")}
    return {**base, "TANDEM_DATA_DIR": str(data_dir), **env}


async def tandem(data_dir: Path, *args: str, stdin: str = "", **env: str) -> Result:
    """Run ``python -m server <args>``; a command that would serve forever fails the test after 30 s."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server",
        *args,
        cwd=ROOT,
        env=clean_env(data_dir, **env),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 30)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"`tandem {' '.join(args)}` did not exit")
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


async def test_db_upgrade_then_agent_add_and_list(tmp_path: Path) -> None:
    """`db upgrade` names the revision; `agent add` (password on stdin) is listed; bad input fails clearly."""
    upgraded = await tandem(tmp_path, "db", "upgrade")
    assert upgraded.code == 0, upgraded
    assert upgraded.out.strip() == f"database at revision {head_revision()}"
    assert (tmp_path / "tandem.db").is_file()
    assert (tmp_path / "secret_key").is_file()

    # `agent add` migrates first too: on an up-to-date database that is a no-op.
    added = await tandem(
        tmp_path,
        *("agent", "add", "--email", "Grace@Example.com", "--name", "Grace Hopper"),
        *("--role", "admin", "--capacity", "5"),
        stdin="correct horse battery\n",
    )
    assert added.code == 0, added
    assert added.out.strip() == "added a_1 grace@example.com (admin, capacity 5)"
    assert "correct horse battery" not in added.out + added.err

    # None of the failing adds stores anything, so the listing shows Grace alone whatever the order.
    duplicate, short, listing = await asyncio.gather(
        tandem(
            tmp_path,
            *("agent", "add", "--email", "grace@example.com", "--name", "Other"),
            stdin="another password\n",
        ),
        tandem(tmp_path, "agent", "add", "--email", "kay@example.com", "--name", "Kay", stdin="short\n"),
        tandem(tmp_path, "agent", "list"),
    )
    assert duplicate.code != 0
    assert "an agent with email grace@example.com exists already" in duplicate.err
    assert "Traceback" not in duplicate.err

    assert short.code != 0
    assert "the password must be at least 8 characters" in short.err
    assert "Traceback" not in short.err

    assert listing.code == 0, listing
    header, *rows = listing.out.strip().splitlines()
    assert header.split() == ["id", "email", "name", "role", "cap", "state"]
    assert len(rows) == 1, listing.out
    assert rows[0].split() == ["a_1", "grace@example.com", "Grace", "Hopper", "admin", "5", "offline"]


BAD_SETTINGS = [("PORT", "abc"), ("TANDEM_LOG_FORMAT", "xml"), ("TANDEM_DATABASE_URL", "mysql://x")]


async def test_a_bad_setting_stops_start_up_naming_the_variable(tmp_path: Path) -> None:
    """`tandem serve` with PORT=abc, TANDEM_LOG_FORMAT=xml or a MySQL URL exits non-zero, naming it."""
    results = await asyncio.gather(
        *(tandem(tmp_path / variable, "serve", **{variable: value}) for variable, value in BAD_SETTINGS)
    )
    for (variable, value), result in zip(BAD_SETTINGS, results, strict=True):
        assert result.code != 0, (variable, result)
        assert variable in result.err, result.err
        assert value.split(":")[0] in result.err, result.err
        assert result.err.startswith("Error: bad setting:"), result.err
        assert "Traceback" not in result.err, result.err
        assert "Tandem serving" not in result.out + result.err
        assert not (tmp_path / variable / "tandem.db").exists()
