"""Typed application state (aiohttp ``web.AppKey``)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db.fast import Fast
from server.chat.context import ChatContext
from server.chat.live import Live
from server.chat.suggestions import AssistSlot
from server.origins import OriginPolicy
from server.settings import Settings
from server.store.bundle import Stores

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
FAST: web.AppKey[Fast] = web.AppKey("fast")
STORES = web.AppKey("stores", Stores)
ORIGINS = web.AppKey("origins", OriginPolicy)
CHAT = web.AppKey("chat", ChatContext)
LIVE: web.AppKey[Live] = web.AppKey("live")
ASSIST = web.AppKey("assist", AssistSlot)
