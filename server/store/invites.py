"""Invitations: a link an admin hands a new agent, good once, until it expires."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.auth.passwords import PasswordHasher
from server.db.schema import agent_invites as invites
from server.db.schema import agents
from server.store.agents import DuplicateEmail
from server.store.models import Agent


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Invite:
    email: str
    role: str
    capacity: int
    expires_at: float


class InviteStore:
    """Creates invitations and turns a live one into an agent, exactly once."""

    def __init__(self, engine: AsyncEngine, hasher: PasswordHasher) -> None:
        self._engine = engine
        self._hasher = hasher

    async def create(
        self, email: str, *, role: str, capacity: int, created_by: int | None, lifetime_seconds: float
    ) -> tuple[str, Invite]:
        """A new invitation and its token (shown once: only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        invite = Invite(email.strip().lower(), role, capacity, now + lifetime_seconds)
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.insert(invites).values(
                    token_hash=_digest(token),
                    email=invite.email,
                    role=role,
                    capacity=capacity,
                    created_by=created_by,
                    created_at=now,
                    expires_at=invite.expires_at,
                )
            )
        return token, invite

    async def get(self, token: str) -> Invite | None:
        """The invitation behind ``token`` if it is unused and has not expired, else None."""
        if not token.isascii():
            return None
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(invites).where(
                        invites.c.token_hash == _digest(token),
                        invites.c.used_at.is_(None),
                        invites.c.expires_at > time.time(),
                    )
                )
            ).first()
        return Invite(row.email, row.role, row.capacity, row.expires_at) if row else None

    async def accept(self, token: str, name: str, password: str) -> Agent | None:
        """Use the invitation: the agent it creates, or None if it is unknown, used or expired.
        Raises ``DuplicateEmail`` (and the invitation stays unused) if the email is taken."""
        if not token.isascii():
            return None
        password_hash = self._hasher.hash(password)
        now = time.time()
        email = ""
        try:
            async with self._engine.begin() as conn:
                # The conditional update claims the invitation: of two racing uses, one gets a row.
                claimed = (
                    await conn.execute(
                        sa.update(invites)
                        .where(
                            invites.c.token_hash == _digest(token),
                            invites.c.used_at.is_(None),
                            invites.c.expires_at > now,
                        )
                        .values(used_at=now)
                        .returning(invites.c.email, invites.c.role, invites.c.capacity)
                    )
                ).first()
                if claimed is None:
                    return None
                email = claimed.email
                row = (
                    await conn.execute(
                        sa.insert(agents)
                        .values(
                            email=claimed.email,
                            name=name.strip(),
                            password_hash=password_hash,
                            role=claimed.role,
                            capacity=claimed.capacity,
                            status="offline",
                            disabled=False,
                            created_at=now,
                        )
                        .returning(agents)
                    )
                ).one()
        except IntegrityError:
            raise DuplicateEmail(email) from None
        return Agent.from_row(row)
