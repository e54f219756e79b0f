"""SQLite on the loop's thread (common/db/sqlite_inline.py): transactions, errors, checkpoints."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from common.db.engine import open_engine
from common.db.sqlite_inline import Checkpointer

METADATA = sa.MetaData()
ITEMS = sa.Table(
    "items",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String, unique=True, nullable=False),
)


async def test_statements_run_on_the_loop_thread_with_sqlalchemy_semantics(tmp_path: Path) -> None:
    """Commits stick, a failed transaction rolls back whole, errors are SQLAlchemy's, and no
    worker thread is involved."""
    engine = open_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    threads_before = threading.active_count()
    try:
        async with engine.begin() as conn:
            await conn.run_sync(METADATA.create_all)
            await conn.execute(ITEMS.insert(), [{"name": "a"}, {"name": "b"}])

        async def insert_c_then_a_again() -> None:
            async with engine.begin() as conn:
                await conn.execute(ITEMS.insert(), {"name": "c"})
                await conn.execute(ITEMS.insert(), {"name": "a"})  # unique: the whole transaction goes

        with pytest.raises(IntegrityError):
            await insert_c_then_a_again()
        async with engine.connect() as conn:
            names = (await conn.execute(sa.select(ITEMS.c.name).order_by(ITEMS.c.id))).scalars().all()
            returned = (
                await conn.execute(
                    sa.update(ITEMS).where(ITEMS.c.name == "b").values(name="B").returning(ITEMS.c.id)
                )
            ).scalar_one()
            await conn.rollback()
        assert names == ["a", "b"]
        assert returned == 2
        assert threading.active_count() == threads_before
    finally:
        await engine.dispose()


async def file_size(path: Path) -> int:
    return (await asyncio.to_thread(path.stat)).st_size


async def test_checkpoints_run_in_the_background_not_in_commits(tmp_path: Path) -> None:
    """With background checkpoints the serving connection never copies the log back itself; the
    checkpointer's thread does, and everything committed is in the database file afterwards."""
    path = tmp_path / "x.db"
    engine = open_engine(f"sqlite+aiosqlite:///{path}", background_checkpoints=True)
    checkpointer = Checkpointer(str(path), interval=0.05)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(METADATA.create_all)
            assert (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar_one() == 0
            await conn.execute(ITEMS.insert(), [{"name": f"n{i}"} for i in range(2000)])
        # Committed pages sit in the log until a checkpoint copies them into the database file.
        before = await file_size(path)
        assert await file_size(Path(f"{path}-wal")) > 8 * 4096
        checkpointer.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while await file_size(path) - before < 8 * 4096:
            assert loop.time() < deadline, "no checkpoint copied the log back within 10 s"
            await asyncio.sleep(0.02)
        await checkpointer.stop()
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(*) FROM items").fetchone()[0] == 2000
    finally:
        await engine.dispose()
