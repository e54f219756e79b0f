"""The application: aiohttp for HTTP, python-socketio for live chat, one database behind both."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator

import socketio
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db.engine import is_sqlite, open_engine, sqlite_path
from common.db.fast import open_fast
from common.db.migrate import upgrade
from common.db.sqlite_inline import Checkpointer
from server.chat.agent_ns import AgentNamespace
from server.chat.assist_port import AssistFactory, AssistPort
from server.chat.compose import build_chat
from server.chat.context import ChatContext
from server.chat.emits import LeanEmits
from server.chat.live import Live, LocalLive
from server.chat.packets import ClientPacket
from server.chat.signals import RESYNC, Dispatch
from server.chat.suggestions import AssistSlot
from server.chat.visitor_ns import VisitorNamespace
from server.cluster.fanout import ClusterManager, cluster_prefix
from server.cluster.live import ClusterLive
from server.db.exclusive import ServeLock
from server.forwarded import Proxies
from server.metrics import Metrics
from server.origins import OriginPolicy
from server.settings import Settings
from server.store.bundle import Stores
from server.web import accounts, admin, api, assist_admin, health, history
from server.web.headers import add_security_headers
from server.web.http import api_errors
from server.web.keys import ASSIST, CHAT, ENGINE, FAST, LIVE, ORIGINS, SETTINGS, STORES
from server.web.origins import cross_site_middleware, origin_middleware
from server.web.pages import add_page_routes

log = logging.getLogger("tandem.app")

DEMO_EMAIL = "demo@tandem.local"
ASSIST_REFRESH_SECONDS = 5.0
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


# How long stopping waits for clients' connections to close (see _disconnect_clients).
DISCONNECT_SECONDS = 5.0
# How long aiohttp then waits for requests still being handled (its default is 60 s): every
# client was told to go, so a handler still running after this is stuck, not busy.
SHUTDOWN_SECONDS = 10.0


class AssistMissing(RuntimeError):
    """TANDEM_ASSIST is on but the assist's extra is not installed."""


def create_app(settings: Settings, assist_factory: AssistFactory = default_assist) -> web.Application:
    """Build the app; the database and chat services open in its cleanup context.

    ``assist_factory`` builds the assist for the app's database (tests pass one sharing a model).
    """
    origins = OriginPolicy(
        [settings.public_origin], settings.allowed_origins, Proxies(settings.trusted_proxies)
    )
    # api_errors outermost: whatever goes wrong below, the answer is JSON with a request id.
    app = web.Application(
        middlewares=[api_errors, origin_middleware(origins), cross_site_middleware(origins)]
    )
    app.on_response_prepare.append(add_security_headers)
    app[SETTINGS] = settings
    app[ORIGINS] = origins
    app[ASSIST_FACTORY] = assist_factory
    app[ASSIST] = AssistSlot()
    # Origins are checked per namespace (with a clear error code), so Engine.IO lets all through.
    sio = socketio.AsyncServer(
        client_manager=_fanout(settings),
        async_mode="aiohttp",
        cors_allowed_origins="*",
        serializer=ClientPacket,  # a payload it cannot decode is the client's bad request
        logger=False,
        engineio_logger=False,
    )
    sio.attach(app)
    app[SIO] = sio
    app.add_routes(health.routes)
    app.add_routes(history.routes)
    app.add_routes(api.routes)
    app.add_routes(admin.routes)
    app.add_routes(accounts.routes)
    app.add_routes(assist_admin.routes)
    add_page_routes(app)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_chat)
    app.on_shutdown.append(_disconnect_clients)
    return app


async def _disconnect_clients(app: web.Application) -> None:
    # Close sockets now, so clients reconnect (to a restarted or another server) at once instead
    # of waiting for a ping timeout on a half-dead connection; and so aiohttp's shutdown does not
    # wait its timeout (60 s) for websocket handlers that would otherwise never end.
    # python-socketio's shutdown() only stops its background tasks; closing every Engine.IO
    # socket runs each namespace's disconnect handler while the chat is still up.
    # Bounded: Engine.IO's close waits for the socket's writer to send the CLOSE packet, and a
    # writer that already failed on a dead connection never will.
    sio = app[SIO]
    await sio.shutdown()
    if sio.eio.sockets:
        try:
            await asyncio.wait_for(sio.eio.disconnect(), DISCONNECT_SECONDS)
        except TimeoutError:
            log.warning("some clients were not disconnected within %s s; stopping anyway", DISCONNECT_SECONDS)


async def _database(app: web.Application) -> AsyncIterator[None]:
    url = app[SETTINGS].database_url
    serving = ServeLock(sqlite_path(url)) if is_sqlite(url) and sqlite_path(url) != ":memory:" else None
    if serving is not None:
        serving.acquire()
    checkpointer = Checkpointer(sqlite_path(url)) if is_sqlite(url) else None
    engine = open_engine(url, background_checkpoints=checkpointer is not None)
    await upgrade(engine)
    app[ENGINE] = engine
    app[FAST] = await open_fast(engine)
    if checkpointer is not None:
        checkpointer.start()
    yield
    await app[FAST].close()
    if checkpointer is not None:
        await checkpointer.stop()
    await engine.dispose()
    if serving is not None:
        serving.release()


async def _chat(app: web.Application) -> AsyncIterator[None]:
    settings, sio = app[SETTINGS], app[SIO]
    stores = Stores.open(app[ENGINE], app[FAST], settings.session_days * 86400, settings.signin_limits)
    app[STORES] = stores
    metrics = Metrics()
    live = _live(app, metrics)
    chat = build_chat(settings, stores, sio, live, app[ASSIST], app[ORIGINS], metrics)
    app[CHAT] = chat
    app[LIVE] = live
    app[ORIGINS].set_admin_origins((await stores.settings.widget()).allowed_origins)
    sio.register_namespace(VisitorNamespace(chat))
    agents = AgentNamespace(chat)
    sio.register_namespace(agents)
    chat.signals.on(RESYNC, agents.resend_sessions)  # after compose's own: resync first
    live.start(chat.background)
    await ensure_demo_agent(chat)
    # Its first sweep gives agents holding chats from before a restart their grace period.
    chat.background.spawn(chat.grace.run(), "grace-sweep")
    metrics.queue_length.set(len(await stores.conversations.queued()))
    if settings.assist_enabled:
        chat.background.spawn(_load_assist(app), "assist-load")
    yield
    await chat.background.close()
    await live.close()
    loaded = app[ASSIST].assist
    if loaded is not None:
        await loaded.close()


def _fanout(settings: Settings) -> LeanEmits:
    """python-socketio's Redis manager when several processes share the work, else its in-process
    one; each with the emits of server/chat/emits.py."""
    if settings.redis_url is None:
        return LeanEmits()
    return ClusterManager(settings.redis_url, cluster_prefix(settings.database_url), Dispatch())


def _live(app: web.Application, metrics: Metrics) -> Live:
    """In-process live state, or Redis and PostgreSQL's when the settings name Redis."""
    manager = app[SIO].manager
    if isinstance(manager, ClusterManager):
        return ClusterLive(manager, app[ENGINE], metrics)
    return LocalLive()


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
    await _follow_assist_changes(assist)


async def _follow_assist_changes(assist: AssistPort) -> None:
    """Pick up, every few seconds, what other processes and the CLI changed: articles loaded or
    removed, examples agents taught elsewhere (a kb.changed signal also refreshes at once)."""
    while True:
        await asyncio.sleep(ASSIST_REFRESH_SECONDS)
        try:
            await assist.refresh()
        except Exception:
            log.exception("the assist could not refresh; trying again")


async def ensure_demo_agent(chat: ChatContext) -> None:
    """On first start (no agents at all) create an admin to sign in with, and say how."""
    if await chat.stores.agents.count() > 0:
        return
    password = secrets.token_urlsafe(12)
    await chat.stores.agents.add(
        DEMO_EMAIL, "Demo Admin", password, role="admin", capacity=chat.settings.default_capacity
    )
    url = f"{chat.settings.public_origin}/console"
    # Printed, not logged: logs never carry passwords. Shown once; change it in the console.
    print(
        f"\nDemo admin created. Sign in at {url}\n  email:    {DEMO_EMAIL}\n  password: {password}\n"
        f"  (lost it? tandem agent password {DEMO_EMAIL} --generate)\n",
        flush=True,
    )
