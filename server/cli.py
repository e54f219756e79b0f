"""The ``tandem`` command line."""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from common.cli import run_on_database
from common.db.fast import open_fast
from common.db.migrate import current_revision
from common.settings import SettingsError
from server.auth.passwords import PasswordHasher
from server.logs import setup_logging
from server.settings import Settings, load_settings
from server.store.agents import ROLES, AgentStore, DuplicateEmail
from server.store.models import Agent
from server.store.sessions import SessionStore

T = TypeVar("T")
log = logging.getLogger("tandem")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(f"bad setting: {error}") from None


def _with_agents(action: Callable[[AgentStore], Awaitable[T]]) -> T:
    """Run ``action`` against the agents table of the configured (migrated) database."""
    return run_on_database(
        lambda engine: action(AgentStore(engine, PasswordHasher())), _settings().database_url
    )


@click.group()
def main() -> None:
    """Tandem: live chat with agent assist."""


@main.command()
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes on this machine, sharing the port (needs TANDEM_REDIS_URL and PostgreSQL).",
)
@click.option("--worker-of", type=int, default=None, hidden=True)  # set by the supervisor
def serve(workers: int, worker_of: int | None) -> None:
    """Serve HTTP and Socket.IO on HOST:PORT (default 127.0.0.1:8080)."""
    settings = _settings()
    setup_logging(settings.log_format, settings.log_level)
    if workers > 1:
        if settings.redis_url is None:
            raise click.ClickException(
                "--workers runs several processes, which share their work through Redis and PostgreSQL: "
                "set TANDEM_REDIS_URL and TANDEM_DATABASE_URL=postgresql://... (docs/deploy.md)"
            )
        from server.workers import serve_workers

        sys.exit(serve_workers(workers))
    _serve(settings, reuse_port=worker_of is not None)


def _serve(settings: Settings, *, reuse_port: bool) -> None:
    from server.app import SHUTDOWN_SECONDS, create_app
    from server.db.exclusive import DatabaseInUse

    app = create_app(settings)
    app.on_startup.append(_settle_heap)
    # CPython's defaults (700, 10, 10) collect the youngest generation every 700 allocations;
    # a chat server allocates a few dozen objects per message, and each collection of an older
    # generation walks every connection's state: with 1,000 conversations connected a full one
    # stopped the loop for 250-330 ms (docs/performance.md). Rarer collections, same safety.
    gc.set_threshold(10_000, 50, 100)
    url = f"http://{settings.host}:{settings.port}"
    try:
        # run_app "prints" once its sockets listen: the moment clients can connect, logged as such.
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            reuse_port=reuse_port or None,
            print=lambda _banner: log.info("Tandem serving on %s", url),
            access_log=None,
            loop=_event_loop(),
            shutdown_timeout=SHUTDOWN_SECONDS,
        )
    except DatabaseInUse as error:
        raise click.ClickException(str(error)) from None


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (not on Windows): its loop and socket transports spend less
    CPU per event than asyncio's (docs/performance.md); asyncio's otherwise."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


async def _settle_heap(_app: web.Application) -> None:
    """Keep what start-up built (modules, the app, the schema) out of every later collection."""
    gc.collect()
    gc.freeze()


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the database or migrate it to the latest schema."""

    revision = run_on_database(current_revision, _settings().database_url)
    click.echo(f"database at revision {revision}")


@main.group()
def agent() -> None:
    """Agent accounts."""


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\n")


@agent.command("add")
@click.option("--email", required=True, help="Sign-in email.")
@click.option("--name", required=True, help="Name shown to visitors.")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@click.option(
    "--capacity", type=click.IntRange(1, 50), default=3, show_default=True, help="Most concurrent chats."
)
def agent_add(email: str, name: str, role: str, capacity: int) -> None:
    """Add an agent; the password is read from a prompt, or from stdin when piped."""
    password = _read_password()
    if len(password) < 8:
        raise click.ClickException("the password must be at least 8 characters")
    try:
        created = _with_agents(lambda store: store.add(email, name, password, role=role, capacity=capacity))
    except DuplicateEmail:
        raise click.ClickException(f"an agent with email {email} exists already") from None
    click.echo(f"added a_{created.id} {created.email} ({created.role}, capacity {created.capacity})")


@agent.command("password")
@click.argument("email")
@click.option("--generate", is_flag=True, help="Make up a password and print it, instead of reading one.")
def agent_password(email: str, generate: bool) -> None:
    """Set an agent's password and sign them out everywhere (a lost demo password too:
    `tandem agent password demo@tandem.local --generate`). The password is read from a prompt, or
    from stdin when piped."""
    password = secrets.token_urlsafe(12) if generate else _read_password()
    if len(password) < 8:
        raise click.ClickException("the password must be at least 8 characters")
    changed = run_on_database(lambda engine: _set_password(engine, email, password), _settings().database_url)
    if changed is None:
        raise click.ClickException(f"no agent has the email {email.strip().lower()}")
    click.echo(f"new password for a_{changed.id} {changed.email}; their sessions are ended")
    if generate:
        click.echo(f"password: {password}")


async def _set_password(engine: AsyncEngine, email: str, password: str) -> Agent | None:
    agents = AgentStore(engine, PasswordHasher())
    found = await agents.by_email(email)
    if found is None:
        return None
    # Sessions are in the database: a running server refuses them from the next request or event.
    fast = await open_fast(engine)
    try:
        await SessionStore(engine, fast, 0).end_all(found.id)
    finally:
        await fast.close()
    return await agents.update(found.id, password=password)


@agent.command("list")
def agent_list() -> None:
    """List agents."""
    agents = _with_agents(lambda store: store.all())
    click.echo(f"{'id':<6} {'email':<32} {'name':<20} {'role':<6} {'cap':>3}  state")
    for a in agents:
        state = "disabled" if a.disabled else a.status
        click.echo(f"a_{a.id:<4} {a.email:<32} {a.name:<20} {a.role:<6} {a.capacity:>3}  {state}")


def _assist_commands() -> list[click.Command]:
    """The assist's ``kb`` and ``assist`` commands, or, without the ``[assist]`` extra, commands of
    the same names that say how to get them (chat itself needs none of it)."""
    try:
        from assist.cli import assist_group, kb_group
    except ImportError as error:
        missing = error.name or "a module"

        def unavailable(name: str) -> click.Command:
            def fail() -> None:
                raise click.ClickException(
                    f"the assist is not installed ({missing} is missing): pip install 'tandem[assist]'"
                )

            # Whatever follows (``kb load PATH``) gets the same answer, not a usage error.
            extra = {"ignore_unknown_options": True, "allow_extra_args": True}
            return click.Command(
                name, callback=fail, help="The assist (not installed).", context_settings=extra
            )

        return [unavailable("kb"), unavailable("assist")]
    return [kb_group, assist_group]


for _command in _assist_commands():
    main.add_command(_command)
