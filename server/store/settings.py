"""Admin-set widget settings and canned responses."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.schema import canned_responses, settings

PRECHAT_MODES = ("off", "optional", "required")


@dataclass(frozen=True)
class WidgetSettings:
    """What the admin sets for the widget."""

    greeting: str = "Hi! How can we help you today?"
    color: str = "#2563eb"
    prechat: dict[str, str] = field(default_factory=lambda: {"name": "optional", "email": "off"})
    allowed_origins: list[str] = field(default_factory=list)
    # The email on the leave-a-message form (no agent online): asked for by default, since a
    # message nobody can answer is a lost customer.
    leave_message_email: str = "required"

    def public(self) -> dict[str, Any]:
        """What a visitor may see (no origins list)."""
        return {
            "greeting": self.greeting,
            "color": self.color,
            "prechat": dict(self.prechat),
            "leave_message_email": self.leave_message_email,
        }

    def email_mode(self, leave_message: bool) -> str:
        """How a conversation start asks for the email: the stricter of the pre-chat mode and, on
        the leave-a-message form, that form's."""
        mode = self.prechat.get("email", "off")
        if leave_message:
            mode = max(mode, self.leave_message_email, key=PRECHAT_MODES.index)
        return mode


@dataclass(frozen=True)
class Canned:
    id: int
    shortcut: str
    text: str


class DuplicateShortcut(Exception):
    """Another canned response uses this shortcut."""


class SettingsStore:
    """Key-value settings in the database, so every server process sees the same."""

    _KEY = "widget"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def widget(self) -> WidgetSettings:
        async with self._engine.connect() as conn:
            value = (
                await conn.execute(sa.select(settings.c.value).where(settings.c.key == self._KEY))
            ).scalar_one_or_none()
        return WidgetSettings(**value) if value else WidgetSettings()

    async def save_widget(self, new: WidgetSettings) -> WidgetSettings:
        value = asdict(new)
        async with self._engine.begin() as conn:
            updated = await conn.execute(
                sa.update(settings).where(settings.c.key == self._KEY).values(value=value)
            )
            if updated.rowcount == 0:
                await conn.execute(sa.insert(settings).values(key=self._KEY, value=value))
        return new

    async def canned(self) -> list[Canned]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(sa.select(canned_responses).order_by(canned_responses.c.shortcut))
        return [Canned(r.id, r.shortcut, r.text) for r in rows]

    async def add_canned(self, shortcut: str, text: str) -> Canned:
        try:
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(
                        sa.insert(canned_responses)
                        .values(shortcut=shortcut, text=text, created_at=time.time())
                        .returning(canned_responses)
                    )
                ).one()
        except IntegrityError:
            raise DuplicateShortcut(shortcut) from None
        return Canned(row.id, row.shortcut, row.text)

    async def update_canned(self, canned_id: int, **values: str) -> Canned | None:
        if not values:  # nothing to change ("UPDATE ... SET" with no column is no SQL)
            async with self._engine.connect() as conn:
                query = sa.select(canned_responses).where(canned_responses.c.id == canned_id)
                found = (await conn.execute(query)).first()
            return Canned(found.id, found.shortcut, found.text) if found else None
        try:
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(
                        sa.update(canned_responses)
                        .where(canned_responses.c.id == canned_id)
                        .values(**values)
                        .returning(canned_responses)
                    )
                ).first()
        except IntegrityError:
            raise DuplicateShortcut(values.get("shortcut", "")) from None
        return Canned(row.id, row.shortcut, row.text) if row else None

    async def delete_canned(self, canned_id: int) -> bool:
        async with self._engine.begin() as conn:
            result = await conn.execute(sa.delete(canned_responses).where(canned_responses.c.id == canned_id))
        return result.rowcount > 0
