"""The migrations create exactly the tables the code declares, on both databases."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

import assist.schema
import server.db.schema
from common.db.engine import open_engine
from common.db.migrate import current_revision, schema_drift, upgrade
from common.settings import database_url

FEATURES = [server.db.schema.metadata, assist.schema.metadata]


async def test_migrations_match_every_features_tables(any_database: dict[str, str], tmp_path: Path) -> None:
    engine = open_engine(database_url(any_database, tmp_path))
    try:
        await upgrade(engine)
        assert await current_revision(engine) == "0004"
        assert await schema_drift(engine, FEATURES) == []
    finally:
        await engine.dispose()


async def test_drift_is_reported(tmp_path: Path) -> None:
    """A column the code declares and no migration creates is named (so the check above can fail)."""
    engine = open_engine(database_url({}, tmp_path))
    extra = sa.MetaData()
    sa.Table("agents", extra, sa.Column("id", sa.Integer, primary_key=True), sa.Column("nickname", sa.Text))
    try:
        await upgrade(engine)
        drift = await schema_drift(engine, [extra])
        assert ("add_column", None, "agents", "nickname") in [
            (d[0], d[1], d[2], d[3].name) for d in drift if isinstance(d, tuple) and d[0] == "add_column"
        ]
    finally:
        await engine.dispose()
