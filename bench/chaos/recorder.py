"""A recording chat client that resumes by itself (docs/protocol.md, Delivery), as the widget and
the console do, and writes everything it does and sees to the run's :class:`History`.

* It connects over the websocket transport only, to its home process; when a connection drops it
  connects again, to the next process if its own refuses (so clients of a killed process move to
  the others), with a short bounded back-off.
* After every ``session`` (each connect brings one) it calls ``sync`` for every conversation it
  holds, from the highest seq it holds with nothing missing before it, then sends again every
  unacknowledged message with the same ``client_id``. A ``resync`` from the server does the same
  syncs; so does a live message beyond the next seq expected.
* A send unacknowledged after ``ack_timeout`` on a live connection is sent again (same client_id);
  one refused with a temporary error (``internal``, ``rate_limited``) is retried; any other refusal
  is final.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

from bench.chaos.history import UNANSWERED, History, summarize

RETRYABLE = frozenset({"internal", "rate_limited"})
MAX_SYNC_PAGES = 100


@dataclass(frozen=True)
class Limits:
    """Every wait of a client is bounded by these (and by ``deadline``, a monotonic time)."""

    deadline: float
    call_timeout: float = 5.0
    ack_timeout: float = 4.0
    retry_delay: float = 0.5
    connect_timeout: float = 5.0
    max_connects: int = 5000
    max_attempts: int = 100  # sends of one message before it is given up


@dataclass(frozen=True)
class Link:
    """What every client of a run shares: the processes' URLs, the history, the limits."""

    servers: list[str]
    history: History
    limits: Limits
    # One HTTP session for every connection (none left unclosed after a refused connect).
    http: aiohttp.ClientSession | None = None


@dataclass
class Pending:
    payload: dict[str, Any]
    attempts: int = 0
    last_sent: float = 0.0  # monotonic
    retry_soon: bool = False


@dataclass
class Connection:
    sio: socketio.AsyncClient
    server: int
    n: int = 0
    live: bool = False
    dropped: asyncio.Event = field(default_factory=asyncio.Event)


class Participant:
    """One visitor or agent: a Socket.IO client per connection, state kept across them."""

    namespace = "/"
    role = "participant"

    def __init__(self, actor: str, link: Link, home: int, token: str | None) -> None:
        self.actor = actor
        self.servers = link.servers
        self.history = link.history
        self.limits = link.limits
        self.http = link.http
        self.token = token
        self.held: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
        self.upto: dict[str, int] = defaultdict(int)
        self.pending: dict[str, Pending] = {}
        self.active: set[str] = set()  # conversations to sync after each connect
        self.gaps: set[str] = set()  # heard a seq beyond the next, not synced since: sync on resume too
        self.connects = 0
        self.resumes = 0
        self.on_message: Callable[[str, dict[str, Any]], None] | None = None
        self._server = home
        self._conn: Connection | None = None
        self._closing = False
        self._away = False
        self._back = asyncio.Event()
        self._sync_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        self.spawn(self._run())
        self.spawn(self._watch_sends())

    @property
    def connected(self) -> bool:
        return self._conn is not None and self._conn.live

    @property
    def settled(self) -> bool:
        """Connected, resumed on this connection, nothing waiting for an acknowledgement."""
        return self.connected and self._conn is not None and self.resumes >= self._conn.n and not self.pending

    async def leave(self) -> None:
        """Disconnect and stay away until :meth:`come_back` (an agent vanishing)."""
        self._away, conn = True, self._conn
        self._back.clear()
        if conn is not None:
            await conn.sio.disconnect()

    def come_back(self) -> None:
        self._away = False
        self._back.set()

    async def close(self) -> None:
        self._closing = True
        self._back.set()
        conn = self._conn
        if conn is not None and conn.live:
            await conn.sio.disconnect()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` in the background; it is cancelled by :meth:`close`."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def record(self, kind: str, **fields: Any) -> None:
        self.history.record(kind, self.actor, **fields)

    # --- connecting -----------------------------------------------------------------------------

    async def _run(self) -> None:
        delay = 0.05
        for _ in range(self.limits.max_connects):
            if self._closing or time.monotonic() > self.limits.deadline:
                return
            if self._away:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._back.wait(), max(0.0, self.limits.deadline - time.monotonic())
                    )
                continue
            conn = self._new_connection(self._server)
            try:
                await conn.sio.connect(
                    self.servers[self._server],
                    namespaces=[self.namespace],
                    auth=lambda: {"token": self.token} if self.token else {},
                    transports=["websocket"],
                    wait_timeout=self.limits.connect_timeout,
                )
            except (socketio.exceptions.ConnectionError, OSError, TimeoutError):
                self._server = (self._server + 1) % len(self.servers)  # try the next process
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)
                continue
            delay = 0.05
            await conn.dropped.wait()

    def _new_connection(self, server: int) -> Connection:
        sio = socketio.AsyncClient(reconnection=False, handle_sigint=False, http_session=self.http)
        conn = Connection(sio, server)
        ns = self.namespace
        sio.on("connect", lambda: self._on_connect(conn), namespace=ns)
        sio.on("disconnect", lambda *_: self._on_disconnect(conn), namespace=ns)
        sio.on("session", lambda data: self._on_session(conn, data), namespace=ns)
        sio.on("message", lambda data: self._on_message(conn, data), namespace=ns)
        sio.on("resync", lambda data=None: self._on_resync(conn, data), namespace=ns)
        for event, handler in self.handlers().items():
            sio.on(event, handler, namespace=ns)
        return conn

    def handlers(self) -> dict[str, Callable[[Any], None]]:
        """Role-specific server events."""
        return {}

    def _on_connect(self, conn: Connection) -> None:
        self.connects += 1
        conn.n, conn.live = self.connects, True
        self._conn = conn
        self.record("connect", server=conn.server, n=conn.n)

    def _on_disconnect(self, conn: Connection) -> None:
        if conn.live:
            conn.live = False
            self.record("disconnect", n=conn.n)
        conn.dropped.set()

    def _on_session(self, conn: Connection, data: dict[str, Any]) -> None:
        self.take_session(data)
        self.record("session", n=conn.n, conversations=self.session_conversations(data))
        self.spawn(self._resume(conn))

    def take_session(self, data: dict[str, Any]) -> None:
        """Role-specific: what the session says (token, conversations held)."""

    def session_conversations(self, data: dict[str, Any]) -> list[list[Any]]:
        return []

    def final_conversations(self) -> list[str]:
        """What the settling sync covers: the conversations this client must end up holding."""
        return sorted(self.active)

    async def _resume(self, conn: Connection) -> None:
        for conversation in sorted(self.active | self.gaps):
            if not await self.sync(conversation, "resume") and not conn.live:
                return  # the next connection resumes; a refused sync (not ours any more) is skipped
        for client_id in list(self.pending):
            await self._emit_send(client_id)
        if conn.live:
            self.resumes = max(self.resumes, conn.n)

    def _on_resync(self, conn: Connection, data: Any) -> None:
        self.record("resync", n=conn.n, data=data)
        named = data.get("conversation_id") if isinstance(data, dict) else None
        for conversation in [named] if isinstance(named, str) else sorted(self.active):
            self.spawn(self.sync(conversation, "resync"))

    # --- messages -------------------------------------------------------------------------------

    def _hold(self, conversation: str, summary: dict[str, Any], *, replayed: bool = False) -> None:
        """Keep a message once per seq; a replay holds everything up to what it returned."""
        self.held[conversation].setdefault(summary["seq"], summary)
        if replayed:
            self.upto[conversation] = max(self.upto[conversation], summary["seq"])
        while self.upto[conversation] + 1 in self.held[conversation]:
            self.upto[conversation] += 1

    def _on_message(self, conn: Connection, message: dict[str, Any]) -> None:
        conversation, summary = message["conversation_id"], summarize(message)
        self.record("receive", conversation=conversation, message=summary, n=conn.n)
        beyond = summary["seq"] > self.upto[conversation] + 1
        self._hold(conversation, summary)
        if beyond:
            self.gaps.add(conversation)
            self.spawn(self.sync(conversation, "gap"))
        if self.on_message is not None:
            self.on_message(conversation, message)

    async def sync(self, conversation: str, reason: str, *, final: bool = False) -> bool:
        """Fetch what this client lacks of a conversation, page after page; False if it failed."""
        async with self._sync_locks[conversation]:
            for _ in range(MAX_SYNC_PAGES):
                conn = self._conn
                if conn is None or not conn.live:
                    return False
                after = self.upto[conversation]
                fields = {"conversation": conversation, "after": after, "final": final, "reason": reason}
                ack = await self.call("sync", {"conversation_id": conversation, "last_seq": after})
                if not ack.get("ok"):
                    code = _code(ack)
                    if code not in UNANSWERED:
                        self.gaps.discard(conversation)  # refused: not ours to read any more
                    self.record("sync", **fields, ok=False, error=code, messages=[], n=conn.n)
                    return False
                got = [summarize(m) for m in ack["messages"]]
                self.record("sync", **fields, ok=True, messages=got, more=ack["more"], n=conn.n)
                for summary in got:
                    self._hold(conversation, summary, replayed=True)
                if not ack["more"]:
                    self.gaps.discard(conversation)
                    return True
        return False

    async def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Emit and wait for the acknowledgement; a failure comes back as an error ack. It ends
        when the connection drops: an ack can no longer come, and waiting would hold up the
        resume on the next connection."""
        conn = self._conn
        if conn is None or not conn.live:
            return _failed("disconnected")
        timeout = self.limits.call_timeout
        request = asyncio.ensure_future(conn.sio.call(event, data, namespace=self.namespace, timeout=timeout))
        dropped = asyncio.ensure_future(conn.dropped.wait())
        try:
            await asyncio.wait({request, dropped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (request, dropped):
                task.cancel()
        if not request.done() or request.cancelled():  # the connection dropped first
            return _failed("disconnected")
        error = request.exception()
        if isinstance(error, TimeoutError):
            return _failed("timeout")
        if error is not None:
            return _failed("disconnected")
        ack = request.result()
        return ack if isinstance(ack, dict) else _failed("malformed")

    # --- sending --------------------------------------------------------------------------------

    def send(
        self, client_id: uuid.UUID, text: str, conversation: str | None = None, private: bool = False
    ) -> str:
        """Start sending a message (visitors name no conversation); acknowledged later, or retried."""
        payload: dict[str, Any] = {"client_id": str(client_id), "text": text}
        if conversation is not None:
            payload["conversation_id"] = conversation
        if private:
            payload["private"] = True
        self.pending[str(client_id)] = Pending(payload)
        self.spawn(self._emit_send(str(client_id)))
        return str(client_id)

    async def _emit_send(self, client_id: str) -> None:
        pending, conn = self.pending.get(client_id), self._conn
        if pending is None or conn is None or not conn.live:
            return  # the resume after the next connect sends it
        pending.attempts += 1
        pending.last_sent, pending.retry_soon = time.monotonic(), False
        payload = pending.payload
        self.record(
            "send", client_id=client_id, conversation=payload.get("conversation_id"),
            private=payload.get("private", False), attempt=pending.attempts, n=conn.n,
        )  # fmt: skip

        def on_ack(*args: Any) -> None:
            self._on_ack(client_id, conn, args[0] if args else None)

        # Dropped meanwhile: the resume after the next connect sends it again.
        with contextlib.suppress(socketio.exceptions.SocketIOError):
            await conn.sio.emit("message.send", payload, namespace=self.namespace, callback=on_ack)

    def _on_ack(self, client_id: str, conn: Connection, ack: Any) -> None:
        if isinstance(ack, dict) and ack.get("ok"):
            message = ack["message"]
            summary = summarize(message)
            self.record(
                "ack", client_id=client_id, n=conn.n, ok=True,
                conversation=message["conversation_id"], message=summary,
            )  # fmt: skip
            self.pending.pop(client_id, None)
            self._hold(message["conversation_id"], summary)
            return
        code = _code(ack)
        self.record("ack", client_id=client_id, n=conn.n, ok=False, error=code)
        pending = self.pending.get(client_id)
        if code not in RETRYABLE:
            self.pending.pop(client_id, None)
        elif pending is not None:
            pending.retry_soon = True

    async def _watch_sends(self) -> None:
        """Send again what stays unacknowledged on a live connection (bounded per message)."""
        while not self._closing and time.monotonic() < self.limits.deadline:
            await asyncio.sleep(0.25)
            now = time.monotonic()
            for client_id, pending in list(self.pending.items()):
                wait = self.limits.retry_delay if pending.retry_soon else self.limits.ack_timeout
                if not self.connected or now - pending.last_sent < wait:
                    continue
                if pending.attempts >= self.limits.max_attempts:
                    self.record("abandoned", client_id=client_id, attempts=pending.attempts)
                    self.pending.pop(client_id, None)
                    continue
                await self._emit_send(client_id)


def _failed(code: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code}}


def _code(ack: Any) -> str:
    error = ack.get("error") if isinstance(ack, dict) else None
    return str(error.get("code")) if isinstance(error, dict) else "malformed"
