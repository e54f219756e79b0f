"""Socket.IO clients for the load generator: a lean one, and python-socketio's for comparison.

The lean client speaks Socket.IO v5 over Engine.IO v4 on a websocket (docs/protocol.md), text
packets only: namespace connect with ``auth``, events, acknowledgements, and pongs to the server's
pings. It has no reconnection, polling fallback or binary support, and costs one aiohttp websocket
and one reader task per connection; python-socketio's ``AsyncClient`` adds its own session, tasks
and queues per connection, which at thousands of sockets makes the generator, not the server, the
bottleneck (measured in docs/performance.md).

Both expose the :class:`Peer` interface: events go to one callback, ``send`` writes without
waiting for the acknowledgement (it goes to a callback), ``call`` waits for it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any, Protocol

import aiohttp
import socketio

EventHandler = Callable[[str, Any], None]
AckHandler = Callable[[Any], None]


class Refused(Exception):
    """The server refused the namespace connection (a ``connect_error``)."""


class Peer(Protocol):
    """One Socket.IO connection to one namespace."""

    async def connect(self, auth: dict[str, Any], timeout: float = 10.0) -> None: ...

    async def send(self, event: str, data: Any, on_ack: AckHandler | None = None) -> None: ...

    async def call(self, event: str, data: Any, timeout: float = 10.0) -> Any: ...

    async def close(self) -> None: ...


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class LeanPeer:
    """A minimal Socket.IO v5 client over one aiohttp websocket (text packets only)."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, namespace: str, on_event: EventHandler
    ) -> None:
        self._session = session
        self._url = base_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self._ns = namespace
        self._prefix = f"4{{}}{namespace}," if namespace != "/" else "4{}"
        self._on_event = on_event
        self._ids = itertools.count(1)
        self._acks: dict[int, AckHandler] = {}
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._connected: asyncio.Future[None] | None = None
        self.closed = asyncio.Event()

    async def connect(self, auth: dict[str, Any], timeout: float = 10.0) -> None:
        """Open the websocket, read the Engine.IO handshake, connect to the namespace."""
        self._ws = await self._session.ws_connect(
            self._url, autoping=False, max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=timeout)
        )
        opening = await self._ws.receive(timeout=timeout)
        if opening.type != aiohttp.WSMsgType.TEXT or not opening.data.startswith("0"):
            raise ConnectionError(f"no Engine.IO handshake: {opening.data!r}")
        self._connected = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())
        await self._ws.send_str(self._prefix.format(0) + _dumps(auth))
        await asyncio.wait_for(asyncio.shield(self._connected), timeout)

    async def send(self, event: str, data: Any, on_ack: AckHandler | None = None) -> None:
        """Emit ``event``; with ``on_ack``, ask for an acknowledgement and pass it on."""
        assert self._ws is not None, "not connected"
        ack_id = ""
        if on_ack is not None:
            number = next(self._ids)
            self._acks[number] = on_ack
            ack_id = str(number)
        await self._ws.send_str(self._prefix.format(2) + ack_id + _dumps([event, data]))

    async def call(self, event: str, data: Any, timeout: float = 10.0) -> Any:
        """Emit ``event`` and wait for its acknowledgement."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def resolve(ack: Any) -> None:
            if not future.done():
                future.set_result(ack)

        await self.send(event, data, resolve)
        return await asyncio.wait_for(future, timeout)

    async def close(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    break
                await self._packet(frame.data)
        finally:
            self.closed.set()
            if self._connected is not None and not self._connected.done():
                self._connected.set_exception(ConnectionError("closed during connect"))

    async def _packet(self, text: str) -> None:
        kind = text[:1]
        if kind == "2":  # Engine.IO ping: answer at once, or the server drops us
            assert self._ws is not None
            await self._ws.send_str("3")
        elif kind == "4":
            self._socketio(text[1:])

    def _socketio(self, text: str) -> None:
        kind, body = text[:1], text[1:]
        if body.startswith("/"):
            comma = body.find(",")
            body = "" if comma < 0 else body[comma + 1 :]
        digits = 0
        while digits < len(body) and body[digits].isdigit():
            digits += 1
        number, payload = (int(body[:digits]) if digits else None), body[digits:]
        data: Any = json.loads(payload) if payload else None
        if kind == "2" and isinstance(data, list) and data:
            self._on_event(str(data[0]), data[1] if len(data) > 1 else None)
        elif kind == "3" and number is not None:
            handler = self._acks.pop(number, None)
            if handler is not None:
                handler(data[0] if data else None)
        elif kind == "0" and self._connected is not None and not self._connected.done():
            self._connected.set_result(None)
        elif kind == "4" and self._connected is not None and not self._connected.done():
            self._connected.set_exception(Refused((data or {}).get("message", "refused")))


class SioPeer:
    """The same interface over python-socketio's ``AsyncClient`` (one client per connection)."""

    def __init__(self, base_url: str, namespace: str, on_event: EventHandler) -> None:
        self._url = base_url
        self._ns = namespace
        self._client = socketio.AsyncClient(reconnection=False)
        self._client.on("*", lambda event, data=None: on_event(event, data), namespace=namespace)

    async def connect(self, auth: dict[str, Any], timeout: float = 10.0) -> None:
        try:
            await self._client.connect(
                self._url, namespaces=[self._ns], auth=auth, transports=["websocket"], wait_timeout=timeout
            )
        except socketio.exceptions.ConnectionError as error:
            raise Refused(str(error)) from None

    async def send(self, event: str, data: Any, on_ack: AckHandler | None = None) -> None:
        await self._client.emit(event, data, namespace=self._ns, callback=on_ack)

    async def call(self, event: str, data: Any, timeout: float = 10.0) -> Any:
        return await self._client.call(event, data, namespace=self._ns, timeout=timeout)

    async def close(self) -> None:
        await self._client.disconnect()


class PeerFactory:
    """Makes peers of one kind (``lean`` or ``sio``) sharing one HTTP session."""

    def __init__(self, kind: str, base_url: str) -> None:
        if kind not in ("lean", "sio"):
            raise ValueError(f"client kind must be lean or sio, got {kind!r}")
        self.kind = kind
        self.base_url = base_url
        self._session: aiohttp.ClientSession | None = None

    def __call__(self, namespace: str, on_event: EventHandler) -> Peer:
        if self.kind == "sio":
            return SioPeer(self.base_url, namespace, on_event)
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=0, force_close=False)
            self._session = aiohttp.ClientSession(connector=connector)
        return LeanPeer(self._session, self.base_url, namespace, on_event)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
