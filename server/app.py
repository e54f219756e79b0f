"""The application: aiohttp for HTTP, python-socketio for live chat, one database behind both."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator

import socketio
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db.engine import is_sqlite, open_engine, sqlite_path
from common.db.migrate import upgrade
from common.db.sqlite_inline import Checkpointer
from server.auth.visitor_tokens import VisitorTokens
from server.chat.agent_ns import AgentNamespace
from server.chat.assist_port import AssistFactory, AssistPort
from server.chat.background import Background
from server.chat.broadcast import Broadcaster
from server.chat.context import ChatContext
from server.chat.delivery import Delivery
from server.chat.grace import GraceTimers
from server.chat.locks import ConversationLocks
from server.chat.presence import LocalPresence
from server.chat.routing import Router
from server.chat.suggestions import AssistSlot, Suggestions
from server.chat.team import Team
from server.chat.visitor_ns import VisitorNamespace
from server.metrics import Metrics
from server.origins import OriginPolicy
from server.settings import Settings
from server.store.bundle import Stores
from server.web import admin, api, assist_admin, health
from server.web.http import api_errors
from server.web.keys import ASSIST, CHAT, ENGINE, ORIGINS, SETTINGS, STORES
from server.web.origins import origin_middleware
from server.web.pages import add_page_routes

log = logging.getLogger("tandem.app")

DEMO_EMAIL = "demo@tandem.local"
SIO = web.AppKey("sio", socketio.AsyncServer)
ASSIST_FACTORY: web.AppKey[AssistFactory] = web.AppKey("assist_factory")


async def default_assist(engine: AsyncEngine) -> AssistPort:
    """The assist with the configured embedding model. This is the one place the server names the
    assist package, imported late: it is an optional extra, and its model is slow to import."""
    try:
        from assist.config import load_assist_config
        from assist.service import Assist
    except ImportError as error:
        raise AssistMissing(f"{error.name or error} is not installed: pip install 'tandem[assist]'") from None
    return await Assist.open(engine, load_assist_config())


class AssistMissing(RuntimeError):
    """TANDEM_ASSIST is on but the assist's extra is not installed."""


def create_app(settings: Settings, assist_factory: AssistFactory = default_assist) -> web.Application:
    """Build the app; the database and chat services open in its cleanup context.

    ``assist_factory`` builds the assist for the app's database (tests pass one sharing a model).
    """
    origins = OriginPolicy([settings.public_origin], settings.allowed_origins)
    app = web.Application(middlewares=[api_errors, origin_middleware(origins)])
    app[SETTINGS] = settings
    app[ORIGINS] = origins
    app[ASSIST_FACTORY] = assist_factory
    app[ASSIST] = AssistSlot()
    # Origins are checked per namespace (with a clear error code), so Engine.IO lets all through.
    sio = socketio.AsyncServer(
        async_mode="aiohttp", cors_allowed_origins="*", logger=False, engineio_logger=False
    )
    sio.attach(app)
    app[SIO] = sio
    app.add_routes(health.routes)
    app.add_routes(api.routes)
    app.add_routes(admin.routes)
    app.add_routes(assist_admin.routes)
    add_page_routes(app)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_chat)
    app.on_shutdown.append(_disconnect_clients)
    return app


async def _disconnect_clients(app: web.Application) -> None:
    # Close sockets now, so clients reconnect (to a restarted or another server) at once instead
    # of waiting for a ping timeout on a half-dead connection.
    await app[SIO].shutdown()


async def _database(app: web.Application) -> AsyncIterator[None]:
    url = app[SETTINGS].database_url
    checkpointer = Checkpointer(sqlite_path(url)) if is_sqlite(url) else None
    engine = open_engine(url, background_checkpoints=checkpointer is not None)
    await upgrade(engine)
    app[ENGINE] = engine
    if checkpointer is not None:
        checkpointer.start()
    yield
    if checkpointer is not None:
        await checkpointer.stop()
    await engine.dispose()


async def _chat(app: web.Application) -> AsyncIterator[None]:
    settings, sio = app[SETTINGS], app[SIO]
    stores = Stores.open(app[ENGINE], settings.session_days * 86400)
    app[STORES] = stores
    presence = LocalPresence()
    metrics = Metrics()
    background = Background()
    locks = ConversationLocks()
    broadcaster = Broadcaster(sio, stores, presence)
    suggestions = Suggestions(app[ASSIST], stores, broadcaster, background)
    router = Router(stores, presence, broadcaster, locks, metrics, background, suggestions)
    team = Team(stores, presence, broadcaster, router)
    chat = ChatContext(
        settings=settings,
        stores=stores,
        presence=presence,
        broadcaster=broadcaster,
        router=router,
        team=team,
        delivery=Delivery(stores, broadcaster, locks, metrics, suggestions),
        suggestions=suggestions,
        grace=GraceTimers(settings.agent_grace_seconds, stores, presence, router, background),
        tokens=VisitorTokens(settings.secret_key),
        origins=app[ORIGINS],
        metrics=metrics,
        background=background,
    )
    app[CHAT] = chat
    app[ORIGINS].set_admin_origins((await stores.settings.widget()).allowed_origins)
    sio.register_namespace(VisitorNamespace(chat))
    sio.register_namespace(AgentNamespace(chat))
    await ensure_demo_agent(chat)
    await chat.grace.start_for_absent()
    metrics.queue_length.set(len(await stores.conversations.queued()))
    if settings.assist_enabled:
        background.spawn(_load_assist(app), "assist-load")
    yield
    await background.close()
    loaded = app[ASSIST].assist
    if loaded is not None:
        await loaded.close()


async def _load_assist(app: web.Application) -> None:
    """Load the model and index off the request path: chat works meanwhile, without suggestions."""
    try:
        assist = await app[ASSIST_FACTORY](app[ENGINE])
        await assist.start()
    except AssistMissing as error:
        log.error("the assist is off: %s (set TANDEM_ASSIST=off to say so)", error)
        return
    except Exception:
        log.exception("the assist could not start; chats go on without suggestions")
        return
    app[ASSIST].assist = assist
    log.info("assist ready")


async def ensure_demo_agent(chat: ChatContext) -> None:
    """On first start (no agents at all) create an admin to sign in with, and say how."""
    if await chat.stores.agents.count() > 0:
        return
    password = secrets.token_urlsafe(12)
    await chat.stores.agents.add(
        DEMO_EMAIL, "Demo Admin", password, role="admin", capacity=chat.settings.default_capacity
    )
    url = f"{chat.settings.public_origin}/console"
    # Printed, not logged: logs never carry passwords. Shown once; change it in /admin.
    print(
        f"\nDemo admin created. Sign in at {url}\n  email:    {DEMO_EMAIL}\n  password: {password}\n",
        flush=True,
    )
