"""The settings every part of Tandem shares: where data lives and which database holds it.

Read strictly: a bad value raises :class:`SettingsError` naming the variable. The server's own
settings (``server/settings.py``) and the assist's (``assist/config.py``) build on these.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path


class SettingsError(ValueError):
    """A setting has a value Tandem cannot use; the message names the variable."""


def read_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def read_float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if math.isnan(value):  # float() accepts "nan", which passes every comparison below
        raise SettingsError(f"{name} must be a number, got {raw!r}")
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def read_choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name) or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def data_dir(env: Mapping[str, str], *, create: bool = True) -> Path:
    """``TANDEM_DATA_DIR`` (default ``./data``), made absolute and, unless told not to, created."""
    path = Path(env.get("TANDEM_DATA_DIR") or "./data").expanduser().resolve()
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(f"TANDEM_DATA_DIR {str(path)!r} cannot be created: {exc}") from None
    return path


def database_url(env: Mapping[str, str], data: Path) -> str:
    """``TANDEM_DATABASE_URL`` with its async driver, or SQLite in the data directory."""
    url = env.get("TANDEM_DATABASE_URL") or f"sqlite+aiosqlite:///{data / 'tandem.db'}"
    # Accept the URLs people paste from their hosting provider and pick the async driver for them.
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if url.startswith(plain):
            url = driver + url[len(plain) :]
    if not url.startswith(("sqlite+aiosqlite:///", "postgresql+asyncpg://")):
        raise SettingsError(
            f"TANDEM_DATABASE_URL must be a sqlite:/// or postgresql:// URL, got {url.split(':')[0]!r}"
        )
    return url
