"""Test clients: real Socket.IO clients that record every event they receive, in order."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import aiohttp
import socketio

DEFAULT_TIMEOUT = 5.0


class Peer:
    """One Socket.IO connection to a namespace, with per-event inboxes."""

    def __init__(self, base_url: str, namespace: str, *, headers: dict[str, str] | None = None) -> None:
        self.base_url = base_url
        self.namespace = namespace
        self.headers = headers or {}
        self.sio = socketio.AsyncClient(reconnection_delay=0.2, reconnection_delay_max=1.0)
        self.inbox: dict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.log: list[tuple[str, Any]] = []
        self.sio.on("*", self._record, namespace=namespace)

    async def _record(self, event: str, data: Any = None) -> None:
        self.log.append((event, data))
        self.inbox[event].put_nowait(data)

    async def connect(self, auth: dict[str, Any] | None = None, *, wait_session: bool = True) -> Any:
        await self.sio.connect(
            self.base_url,
            namespaces=[self.namespace],
            auth=auth if auth is not None else {},
            headers=self.headers,
            transports=["websocket"],
            wait_timeout=DEFAULT_TIMEOUT,
        )
        return await self.recv("session") if wait_session else None

    async def emit(self, event: str, data: Any = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Send an event and return its acknowledgement."""
        return await self.sio.call(event, data, namespace=self.namespace, timeout=timeout)

    async def send(self, event: str, data: Any = None) -> None:
        """Send an event without waiting for an acknowledgement."""
        await self.sio.emit(event, data, namespace=self.namespace)

    async def recv(self, event: str, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """The next ``event`` received (in arrival order)."""
        return await asyncio.wait_for(self.inbox[event].get(), timeout)

    async def recv_until(self, event: str, predicate: Any, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Skip ``event``s until one satisfies ``predicate``."""

        async def loop() -> Any:
            while True:
                data = await self.inbox[event].get()
                if predicate(data):
                    return data

        return await asyncio.wait_for(loop(), timeout)

    async def nothing(self, event: str, wait: float = 0.3) -> None:
        """Assert no ``event`` arrives within ``wait`` seconds."""
        await asyncio.sleep(wait)
        assert self.inbox[event].empty(), f"unexpected {event}: {self.inbox[event].get_nowait()}"

    def drain(self, event: str) -> list[Any]:
        items = []
        while not self.inbox[event].empty():
            items.append(self.inbox[event].get_nowait())
        return items

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


async def login(base_url: str, email: str, password: str) -> tuple[dict[str, Any], str]:
    """Sign in over HTTP; returns (agent, session token)."""
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}/api/login", json={"email": email, "password": password}) as r:
            body = await r.json()
            assert r.status == 200, body
            return body["agent"], body["token"]
