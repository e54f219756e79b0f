"""Stopping a server closes its clients' connections first, so they can reconnect elsewhere at once
and the server does not wait out aiohttp's shutdown timeout for websocket handlers."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from server.app import create_app
from tests.conftest import Running, make_settings


async def test_stopping_the_server_disconnects_every_client_first(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    running = Running(f"http://{settings.host}:{settings.port}", app, settings)
    try:
        visitor = await running.visitor()
        agent = await running.agent("Grace")
        # Without the disconnect, cleanup waits 60 s for the two websocket handlers to end.
        await asyncio.wait_for(runner.cleanup(), 20)
        await visitor.disconnected()
        await agent.disconnected()
    finally:
        for peer in running.peers:
            await peer.close()
        await runner.cleanup()
