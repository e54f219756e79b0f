"""Settings, read once from the environment and cast strictly.

A bad value stops start-up with a :class:`SettingsError` naming the variable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from common.settings import (
    SettingsError,
    data_dir,
    database_url,
    read_choice,
    read_float,
    read_int,
)
from server.forwarded import Network, parse_networks
from server.origins import parse_origin


@dataclass(frozen=True)
class SigninLimits:
    """Sign-in attempts allowed per window, for one account and for one client address."""

    per_account: int
    per_address: int
    window_seconds: float


@dataclass(frozen=True)
class Settings:
    """Every knob of a Tandem server, documented in the README."""

    data_dir: Path
    database_url: str
    secret_key: str
    allowed_origins: tuple[str, ...]
    host: str = "127.0.0.1"
    port: int = 8080
    log_format: str = "text"
    log_level: str = "INFO"
    agent_grace_seconds: float = 60.0
    # An agent who sets "away" keeps their chats this long, then they go back to the queue.
    agent_away_seconds: float = 300.0
    default_capacity: int = 3
    max_message_length: int = 4000
    events_per_second: float = 10.0
    events_burst: int = 20
    conversations_per_visitor_hour: int = 5
    conversations_per_ip_hour: int = 30
    session_days: int = 14
    # Sign-in attempts allowed per window, per account and per client address (server/store/signins.py).
    signin_limits: SigninLimits = SigninLimits(per_account=5, per_address=20, window_seconds=900.0)
    invite_hours: float = 72.0
    assist_enabled: bool = True
    # Several processes share the work through Redis (fan-out, presence) and PostgreSQL.
    redis_url: str | None = None
    # The reverse proxies whose X-Forwarded-Proto and X-Forwarded-For we believe (server/forwarded.py).
    trusted_proxies: tuple[Network, ...] = ()
    widget_dir: Path = field(default_factory=lambda: Path(__file__).resolve().parent.parent / "widget")

    @property
    def public_origin(self) -> str:
        """The server's own origin, always allowed (it serves the demo page and the console)."""
        return f"http://{self.host}:{self.port}"


def _origins(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("TANDEM_ALLOWED_ORIGINS", "")
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and parse_origin(origin) is None:
            raise SettingsError(
                f"TANDEM_ALLOWED_ORIGINS entries must be origins like https://shop.example, got {origin!r}"
            )
    return origins


def _trusted_proxies(env: Mapping[str, str]) -> tuple[Network, ...]:
    try:
        return parse_networks(env.get("TANDEM_TRUSTED_PROXIES", ""))
    except ValueError as error:
        raise SettingsError(f"TANDEM_TRUSTED_PROXIES: {error}") from None


def _redis_url(env: Mapping[str, str], database: str) -> str | None:
    url = env.get("TANDEM_REDIS_URL") or None
    if url is None:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(
            f"TANDEM_REDIS_URL must be a redis://, rediss:// or unix:// URL, got {url.split(':')[0]!r}"
        )
    if database.startswith("sqlite"):
        raise SettingsError(
            "TANDEM_REDIS_URL is for several server processes, and they need PostgreSQL "
            "(TANDEM_DATABASE_URL=postgresql://...): SQLite serves one process"
        )
    return url


def _secret_key(env: Mapping[str, str], data: Path) -> str:
    key = env.get("TANDEM_SECRET_KEY")
    if key:
        if len(key) < 16:
            raise SettingsError("TANDEM_SECRET_KEY must be at least 16 characters")
        return key
    # Generated once and kept, so visitor tokens and sessions survive a restart.
    path = data / "secret_key"
    if path.exists():
        key = path.read_text().strip()
        if len(key) < 16:  # e.g. emptied by a crash: tokens signed with it could be forged
            raise SettingsError(
                f"TANDEM_SECRET_KEY is not set and {path} holds no usable key; delete it to generate one"
            )
        return key
    key = secrets.token_urlsafe(48)
    # Created readable by the owner only from the start (no moment with the umask's permissions).
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(key)
    path.chmod(0o600)
    return key


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read all settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    data = data_dir(env)
    database = database_url(env, data)
    port = read_int(env, "PORT", 8080)
    if port > 65535:
        raise SettingsError(f"PORT must be at most 65535, got {port}")
    return Settings(
        data_dir=data,
        database_url=database,
        redis_url=_redis_url(env, database),
        secret_key=_secret_key(env, data),
        allowed_origins=_origins(env),
        trusted_proxies=_trusted_proxies(env),
        host=env.get("HOST") or "127.0.0.1",
        port=port,
        log_format=read_choice(env, "TANDEM_LOG_FORMAT", "text", ("text", "json")),
        log_level=read_choice(env, "TANDEM_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
        agent_grace_seconds=read_float(env, "TANDEM_AGENT_GRACE_SECONDS", 60.0),
        agent_away_seconds=read_float(env, "TANDEM_AGENT_AWAY_SECONDS", 300.0),
        default_capacity=read_int(env, "TANDEM_DEFAULT_CAPACITY", 3, minimum=1),
        max_message_length=read_int(env, "TANDEM_MAX_MESSAGE_LENGTH", 4000, minimum=1),
        events_per_second=read_float(env, "TANDEM_EVENTS_PER_SECOND", 10.0, minimum=0.1),
        events_burst=read_int(env, "TANDEM_EVENTS_BURST", 20, minimum=1),
        conversations_per_visitor_hour=read_int(env, "TANDEM_CONVERSATIONS_PER_VISITOR_HOUR", 5, 1),
        conversations_per_ip_hour=read_int(env, "TANDEM_CONVERSATIONS_PER_IP_HOUR", 30, 1),
        signin_limits=SigninLimits(
            per_account=read_int(env, "TANDEM_SIGNIN_ATTEMPTS_PER_ACCOUNT", 5, minimum=1),
            per_address=read_int(env, "TANDEM_SIGNIN_ATTEMPTS_PER_ADDRESS", 20, minimum=1),
            window_seconds=read_float(env, "TANDEM_SIGNIN_WINDOW_SECONDS", 900.0, minimum=1.0),
        ),
        invite_hours=read_float(env, "TANDEM_INVITE_HOURS", 72.0, minimum=0.01),
        assist_enabled=read_choice(env, "TANDEM_ASSIST", "on", ("on", "off")) == "on",
    )
