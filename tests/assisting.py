"""An assist factory for the app factory: real :class:`Assist` objects around an embedder the
test chooses (a tiny deterministic one, or a model loaded once for a module), kept for the test."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from assist.config import RetrievalParams
from assist.embedding import Embedder
from assist.service import Assist
from server.web.keys import ASSIST

READY_SECONDS = 20.0


class AssistMaker:
    """Pass to ``start_server(assist_factory=...)``; ``ready`` gives the one the server started."""

    def __init__(self, embedder: Embedder, kind: type[Assist] = Assist) -> None:
        self.embedder = embedder
        self.kind = kind
        self.built: list[Assist] = []

    async def __call__(self, engine: AsyncEngine) -> Assist:
        assist = self.kind(engine, self.embedder, RetrievalParams())
        self.built.append(assist)
        return assist

    async def ready(self, app: web.Application, timeout: float = READY_SECONDS) -> Assist:
        """The assist this factory built for ``app``, once the app has started it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while app[ASSIST].assist is None:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the assist was not ready within {timeout} s")
            await asyncio.sleep(0.02)
        started = app[ASSIST].assist
        assist = next((a for a in self.built if a is started), None)
        assert assist is not None, "the server runs an assist this factory did not build"
        return assist
