"""What every ``tandem`` command that touches the database does first: read the shared settings,
open the engine, migrate, run, dispose."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db.engine import open_engine
from common.db.migrate import upgrade
from common.settings import SettingsError, data_dir, database_url

T = TypeVar("T")


def configured_database_url(env: Mapping[str, str] | None = None) -> str:
    """The database the environment names; a bad setting is a command-line error, not a trace."""
    env = os.environ if env is None else env
    try:
        return database_url(env, data_dir(env))
    except SettingsError as error:
        raise click.ClickException(f"bad setting: {error}") from None


def run_on_database(action: Callable[[AsyncEngine], Awaitable[T]], url: str | None = None) -> T:
    """Run ``action`` on the (migrated) database at ``url``, default the configured one."""
    target = configured_database_url() if url is None else url

    async def run() -> T:
        engine = open_engine(target)
        try:
            await upgrade(engine)
            return await action(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())
