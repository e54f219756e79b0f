"""Agents: accounts, roles, capacity and the status they chose."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.auth.passwords import PasswordHasher
from server.db.schema import agents
from server.store.models import Agent

ROLES = ("admin", "agent")
STATUSES = ("online", "away", "offline")


class DuplicateEmail(Exception):
    """An agent with this email exists already."""


class AgentStore:
    """Reads and writes agent accounts; passwords are kept only as argon2 hashes."""

    def __init__(self, engine: AsyncEngine, hasher: PasswordHasher) -> None:
        self._engine = engine
        self._hasher = hasher

    async def add(
        self, email: str, name: str, password: str, *, role: str = "agent", capacity: int = 3
    ) -> Agent:
        values = {
            "email": email.strip().lower(),
            "name": name.strip(),
            "password_hash": self._hasher.hash(password),
            "role": role,
            "capacity": capacity,
            "status": "offline",
            "disabled": False,
            "created_at": time.time(),
        }
        try:
            async with self._engine.begin() as conn:
                row = (await conn.execute(sa.insert(agents).values(**values).returning(agents))).one()
        except IntegrityError:
            raise DuplicateEmail(values["email"]) from None
        return Agent.from_row(row)

    async def get(self, agent_id: int) -> Agent | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(agents).where(agents.c.id == agent_id))).first()
        return Agent.from_row(row) if row else None

    async def all(self) -> list[Agent]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(sa.select(agents).order_by(agents.c.id))
        return [Agent.from_row(r) for r in rows]

    async def count(self) -> int:
        async with self._engine.connect() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(agents))).scalar_one())

    async def authenticate(self, email: str, password: str) -> Agent | None:
        """The enabled agent with these credentials, or None."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(sa.select(agents).where(agents.c.email == email.strip().lower()))
            ).first()
        if row is None:
            # Hash anyway so a wrong email takes as long as a wrong password.
            self._hasher.hash(password)
            return None
        if not self._hasher.verify(row.password_hash, password) or row.disabled:
            return None
        return Agent.from_row(row)

    async def by_email(self, email: str) -> Agent | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(sa.select(agents).where(agents.c.email == email.strip().lower()))
            ).first()
        return Agent.from_row(row) if row else None

    async def check_password(self, agent_id: int, password: str) -> bool:
        """Whether ``password`` is the agent's (asked again before a password is changed)."""
        async with self._engine.connect() as conn:
            stored = (
                await conn.execute(sa.select(agents.c.password_hash).where(agents.c.id == agent_id))
            ).scalar_one_or_none()
        return stored is not None and self._hasher.verify(stored, password)

    async def update(self, agent_id: int, **values: object) -> Agent | None:
        """Change any of name, role, capacity, status, disabled, password."""
        if "password" in values:
            values["password_hash"] = self._hasher.hash(str(values.pop("password")))
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.update(agents).where(agents.c.id == agent_id).values(**values).returning(agents)
                )
            ).first()
        return Agent.from_row(row) if row else None
