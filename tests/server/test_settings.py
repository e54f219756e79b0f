"""Settings: read from an environment mapping, cast strictly, every error naming its variable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from common.settings import SettingsError
from server.settings import Settings, load_settings


def load(tmp_path: Path, **env: str) -> Settings:
    """Settings from exactly ``env`` (nothing from the real environment), data kept in ``tmp_path``."""
    return load_settings({"TANDEM_DATA_DIR": str(tmp_path / "data"), **env})


def test_defaults(tmp_path: Path) -> None:
    """With only a data dir, every setting has the default the README documents."""
    settings = load(tmp_path)
    data = (tmp_path / "data").resolve()
    assert settings.data_dir == data
    assert data.is_dir()
    assert settings.database_url == f"sqlite+aiosqlite:///{data / 'tandem.db'}"
    assert settings.allowed_origins == ()
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.public_origin == "http://127.0.0.1:8080"
    assert (settings.log_format, settings.log_level) == ("text", "INFO")
    assert settings.agent_grace_seconds == 60.0
    assert settings.default_capacity == 3
    assert settings.max_message_length == 4000
    assert (settings.events_per_second, settings.events_burst) == (10.0, 20)
    assert settings.conversations_per_visitor_hour == 5
    assert settings.conversations_per_ip_hour == 30
    assert settings.session_days == 14
    assert len(settings.secret_key) >= 16


def test_empty_values_mean_the_default(tmp_path: Path) -> None:
    """A variable set to "" (as env files often leave them) is the same as unset."""
    names = [
        "PORT",
        "HOST",
        "TANDEM_DATABASE_URL",
        "TANDEM_SECRET_KEY",
        "TANDEM_ALLOWED_ORIGINS",
        "TANDEM_LOG_FORMAT",
        "TANDEM_LOG_LEVEL",
        "TANDEM_AGENT_GRACE_SECONDS",
        "TANDEM_AGENT_AWAY_SECONDS",
        "TANDEM_EVENTS_BURST",
    ]
    blank = load(tmp_path, **dict.fromkeys(names, ""))
    default = load(tmp_path)
    assert blank == default


def test_every_value_is_read(tmp_path: Path) -> None:
    """Each variable reaches its setting, cast to its type."""
    settings = load(
        tmp_path,
        HOST="0.0.0.0",
        PORT="9000",
        TANDEM_SECRET_KEY="x" * 16,
        TANDEM_ALLOWED_ORIGINS=" https://shop.example/ , http://localhost:3000,,",
        TANDEM_LOG_FORMAT="json",
        TANDEM_LOG_LEVEL="DEBUG",
        TANDEM_AGENT_GRACE_SECONDS="2.5",
        TANDEM_AGENT_AWAY_SECONDS="90",
        TANDEM_DEFAULT_CAPACITY="7",
        TANDEM_MAX_MESSAGE_LENGTH="500",
        TANDEM_EVENTS_PER_SECOND="0.5",
        TANDEM_EVENTS_BURST="3",
        TANDEM_CONVERSATIONS_PER_VISITOR_HOUR="2",
        TANDEM_CONVERSATIONS_PER_IP_HOUR="40",
    )
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert settings.secret_key == "x" * 16
    assert settings.allowed_origins == ("https://shop.example", "http://localhost:3000")
    assert (settings.log_format, settings.log_level) == ("json", "DEBUG")
    assert settings.agent_grace_seconds == 2.5
    assert settings.agent_away_seconds == 90
    assert settings.default_capacity == 7
    assert settings.max_message_length == 500
    assert (settings.events_per_second, settings.events_burst) == (0.5, 3)
    assert settings.conversations_per_visitor_hour == 2
    assert settings.conversations_per_ip_hour == 40
    assert load(tmp_path, TANDEM_ALLOWED_ORIGINS="*").allowed_origins == ("*",)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "80.5"),
        ("PORT", "-1"),
        ("PORT", "70000"),
        ("TANDEM_AGENT_GRACE_SECONDS", "soon"),
        ("TANDEM_AGENT_GRACE_SECONDS", "-5"),
        ("TANDEM_AGENT_GRACE_SECONDS", "nan"),
        ("TANDEM_AGENT_AWAY_SECONDS", "-1"),
        ("TANDEM_DEFAULT_CAPACITY", "three"),
        ("TANDEM_DEFAULT_CAPACITY", "0"),
        ("TANDEM_MAX_MESSAGE_LENGTH", "0"),
        ("TANDEM_MAX_MESSAGE_LENGTH", "1e3"),
        ("TANDEM_EVENTS_PER_SECOND", "fast"),
        ("TANDEM_EVENTS_PER_SECOND", "0"),
        ("TANDEM_EVENTS_PER_SECOND", "NaN"),
        ("TANDEM_EVENTS_BURST", "0"),
        ("TANDEM_EVENTS_BURST", "2.5"),
        ("TANDEM_CONVERSATIONS_PER_VISITOR_HOUR", "0"),
        ("TANDEM_CONVERSATIONS_PER_IP_HOUR", "many"),
        ("TANDEM_LOG_FORMAT", "xml"),
        ("TANDEM_LOG_LEVEL", "LOUD"),
        ("TANDEM_DATABASE_URL", "mysql://x"),
        ("TANDEM_DATABASE_URL", "not a url"),
        ("TANDEM_SECRET_KEY", "too-short"),
        ("TANDEM_ALLOWED_ORIGINS", "shop.example"),
        ("TANDEM_ALLOWED_ORIGINS", "https://ok.example,ftp://files.example"),
        ("TANDEM_ALLOWED_ORIGINS", "https://shop.example/path"),
        ("TANDEM_TRUSTED_PROXIES", "proxy.internal"),
        ("TANDEM_TRUSTED_PROXIES", "10.0.0.1,10.0.0.0/33"),
    ],
)
def test_every_bad_value_is_refused_naming_its_variable(tmp_path: Path, variable: str, value: str) -> None:
    """A value that cannot be used raises SettingsError (a ValueError) whose message names the variable."""
    with pytest.raises(SettingsError) as error:
        load(tmp_path, **{variable: value})
    assert isinstance(error.value, ValueError)
    assert variable in str(error.value)


def test_an_uncreatable_data_dir_is_named(tmp_path: Path) -> None:
    """TANDEM_DATA_DIR that cannot be created (a file is in the way) names the variable."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SettingsError, match="TANDEM_DATA_DIR"):
        load_settings({"TANDEM_DATA_DIR": str(blocker / "data")})


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    """Without TANDEM_SECRET_KEY a key is generated into the data dir (owner-only) and reused after."""
    first = load(tmp_path)
    kept = tmp_path / "data" / "secret_key"
    assert kept.read_text().strip() == first.secret_key
    assert len(first.secret_key) >= 32
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    second = load(tmp_path)
    assert second.secret_key == first.secret_key
    # Another data dir, another key.
    assert load_settings({"TANDEM_DATA_DIR": str(tmp_path / "other")}).secret_key != first.secret_key


def test_explicit_secret_key_wins_and_leaves_the_kept_one_alone(tmp_path: Path) -> None:
    """TANDEM_SECRET_KEY is used as given; it neither replaces nor creates the kept key."""
    fresh = load(tmp_path, TANDEM_SECRET_KEY="k" * 20)
    assert fresh.secret_key == "k" * 20
    assert not (tmp_path / "data" / "secret_key").exists()
    kept = load(tmp_path).secret_key
    assert load(tmp_path, TANDEM_SECRET_KEY="k" * 20).secret_key == "k" * 20
    assert load(tmp_path).secret_key == kept


def test_an_unusable_kept_secret_key_is_refused(tmp_path: Path) -> None:
    """A kept key file left empty (say by a crash) must not become an empty signing key."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_text("\n")
    with pytest.raises(SettingsError, match="secret_key"):
        load(tmp_path)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://tandem:pw@db.example:5432/chat", "postgresql+asyncpg://tandem:pw@db.example:5432/chat"),
        ("postgresql://tandem@localhost/chat", "postgresql+asyncpg://tandem@localhost/chat"),
        ("postgresql+asyncpg://tandem@localhost/chat", "postgresql+asyncpg://tandem@localhost/chat"),
        ("sqlite:///var/lib/tandem/chat.db", "sqlite+aiosqlite:///var/lib/tandem/chat.db"),
        ("sqlite+aiosqlite:////abs/chat.db", "sqlite+aiosqlite:////abs/chat.db"),
    ],
)
def test_database_urls_are_normalised_to_async_drivers(tmp_path: Path, given: str, expected: str) -> None:
    """Hosting providers' postgres:// and plain URLs get the async driver Tandem uses."""
    assert load(tmp_path, TANDEM_DATABASE_URL=given).database_url == expected


def test_process_environment_is_the_default_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """load_settings() without a mapping reads os.environ."""
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.delenv("TANDEM_DATABASE_URL", raising=False)
    monkeypatch.delenv("TANDEM_SECRET_KEY", raising=False)
    settings = load_settings()
    assert settings.port == 9123
    assert settings.data_dir == (tmp_path / "env").resolve()


def test_trusted_proxies_are_addresses_and_ranges(tmp_path: Path) -> None:
    settings = load(tmp_path, TANDEM_TRUSTED_PROXIES=" 10.0.0.5 , 192.168.0.0/16,::1")
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.5/32", "192.168.0.0/16", "::1/128"]
    assert load(tmp_path).trusted_proxies == ()
