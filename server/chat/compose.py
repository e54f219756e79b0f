"""Wiring the chat: its services built once, over the live state the app chose, and what each
signal from another process (or this one) does here."""

from __future__ import annotations

from typing import Any

import socketio

from server.auth.visitor_tokens import VisitorTokens
from server.chat.attention import Attention
from server.chat.background import Background
from server.chat.broadcast import AGENT_NS, AGENTS_ROOM, VISITOR_NS, Broadcaster
from server.chat.context import ChatContext
from server.chat.delivery import Delivery
from server.chat.grace import GracePeriods
from server.chat.live import Live
from server.chat.locks import ConversationLocks
from server.chat.routing import Router
from server.chat.signals import AGENT_SIGNED_OUT, CANNED_CHANGED, KB_CHANGED, RESYNC, SETTINGS_CHANGED
from server.chat.suggestions import AssistSlot, Suggestions
from server.chat.team import Team
from server.chat.views import canned_view
from server.metrics import Metrics
from server.origins import OriginPolicy
from server.settings import Settings
from server.store.bundle import Stores


def build_chat(
    settings: Settings,
    stores: Stores,
    sio: socketio.AsyncServer,
    live: Live,
    assist: AssistSlot,
    origins: OriginPolicy,
    metrics: Metrics,
) -> ChatContext:
    background = Background()
    locks = ConversationLocks()
    presence = live.presence
    broadcaster = Broadcaster(sio, stores, presence)
    suggestions = Suggestions(assist, stores, broadcaster, background)
    router = Router(
        stores, presence, broadcaster, locks, live.routing_lock, live.places, metrics, background, suggestions
    )
    chat = ChatContext(
        settings=settings,
        stores=stores,
        presence=presence,
        signals=live.signals,
        broadcaster=broadcaster,
        router=router,
        team=Team(stores, presence, broadcaster, router, live.signals),
        delivery=Delivery(stores, broadcaster, locks, metrics, suggestions),
        suggestions=suggestions,
        grace=GracePeriods(
            settings.agent_grace_seconds, settings.agent_away_seconds, stores, presence, router
        ),
        tokens=VisitorTokens(settings.secret_key),
        origins=origins,
        metrics=metrics,
        background=background,
        attention=Attention(stores, broadcaster),
    )
    _follow_signals(chat, sio, assist)
    return chat


def _follow_signals(chat: ChatContext, sio: socketio.AsyncServer, assist: AssistSlot) -> None:
    async def signed_out(data: dict[str, Any]) -> None:
        reason = str(data.get("reason") or "signed_out")
        await chat.broadcaster.disconnect_agent_here(
            int(data["agent_id"]), data.get("token"), reason, keep=data.get("keep")
        )

    async def settings_changed(_: dict[str, Any]) -> None:
        chat.origins.set_admin_origins((await chat.stores.settings.widget()).allowed_origins)

    async def kb_changed(_: dict[str, Any]) -> None:
        if assist.assist is not None:
            await assist.assist.refresh()

    async def canned_changed(_: dict[str, Any]) -> None:
        # To this process's consoles only: every process gets the signal.
        canned = [canned_view(c) for c in await chat.stores.settings.canned()]
        await sio.manager.emit(
            "canned.updated", {"canned": canned}, namespace=AGENT_NS, room=AGENTS_ROOM, ignore_queue=True
        )

    async def resync(_: dict[str, Any]) -> None:
        chat.metrics.resyncs.inc()
        for namespace in (VISITOR_NS, AGENT_NS):
            # To this process's clients only: every process gets the signal.
            await sio.manager.emit("resync", {}, namespace=namespace, ignore_queue=True)

    chat.signals.on(AGENT_SIGNED_OUT, signed_out)
    chat.signals.on(SETTINGS_CHANGED, settings_changed)
    chat.signals.on(KB_CHANGED, kb_changed)
    chat.signals.on(CANNED_CHANGED, canned_changed)
    chat.signals.on(RESYNC, resync)
