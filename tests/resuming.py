"""A chat client that resumes by itself, as the widget and the console do (docs/protocol.md, Delivery).

* It keeps every message it holds by conversation and ``seq`` (from acks, live events and replays),
  ignoring one it already holds.
* Every ``message.send`` carries a fresh ``client_id`` and stays *pending* until acknowledged.
* python-socketio reconnects by itself; on every ``connect`` after the first the client calls
  ``sync`` with the highest ``seq`` it holds with nothing missing before it (page after page while
  ``more``), then sends every pending message again with the same ``client_id``.
* It does the same on every ``resync`` (events may have been lost between server processes),
  keeping everything it holds.
* A live ``message`` beyond the next expected ``seq`` is kept, but not counted as held until a
  ``sync`` (which it starts) fills the gap.
* A visitor reconnects with the token from its latest ``session``, so it stays the same visitor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from typing import Any

import socketio

from tests.peers import FENCE

log = logging.getLogger("tests.resuming")


class ResumingClient:
    """One Socket.IO connection to ``/visitor`` or ``/agent`` that recovers from drops by itself."""

    def __init__(self, base_url: str, namespace: str, *, token: str | None = None) -> None:
        self.base_url = base_url
        self.namespace = namespace
        self.token = token
        self.sio = socketio.AsyncClient(
            reconnection_delay=0.1, reconnection_delay_max=0.5, randomization_factor=0.05
        )
        self.connects = 0
        self.resumes = 0  # catch-ups finished after a reconnect
        self.resyncs = 0  # catch-ups finished after a ``resync``
        self.sessions: list[dict[str, Any]] = []
        self.live: list[dict[str, Any]] = []
        self.held: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
        # Per conversation, the seq up to which this client holds everything (what ``sync`` asks after).
        self.upto: dict[str, int] = defaultdict(int)
        self.pending: dict[str, dict[str, Any]] = {}
        self.conversations: set[str] = set()
        self.errors: list[BaseException] = []
        self._acked: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._sync_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._changed = asyncio.Condition()
        for event, handler in (
            ("connect", self._on_connect),
            ("session", self._on_session),
            ("message", self._on_message),
            ("resync", self._on_resync),
            ("conversation.assigned", self._on_assigned),
        ):
            self.sio.on(event, handler, namespace=namespace)

    # --- connection -----------------------------------------------------------------------------

    def _auth(self) -> dict[str, Any]:
        """Called by python-socketio on every (re)connect: always the latest token."""
        return {"token": self.token} if self.token else {}

    async def connect(self) -> dict[str, Any]:
        """Connect the first time; returns the ``session`` event."""
        await self.sio.connect(
            self.base_url,
            namespaces=[self.namespace],
            auth=self._auth,
            transports=["websocket"],
            wait_timeout=5,
        )
        await self.wait_for(lambda: len(self.sessions) >= 1)
        return self.sessions[0]

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.sio.shutdown()  # also ends a reconnection under way (tests/peers.py)

    async def _on_connect(self) -> None:
        self.connects += 1
        if self.connects > 1:
            # Not inside the handler: the acks of ``sync`` arrive on the loop that runs it.
            self._spawn(self._resume())

    async def _on_resync(self, _: Any = None) -> None:
        self._spawn(self._resume(resync=True))

    async def _on_session(self, data: dict[str, Any]) -> None:
        if self.namespace == "/visitor":
            self.token = data["token"]
            if data.get("conversation"):
                self.conversations.add(data["conversation"]["id"])
        else:
            self.conversations.update(c["id"] for c in data["conversations"])
        self.sessions.append(data)
        await self._notify()

    async def _on_assigned(self, data: dict[str, Any]) -> None:
        self.conversations.add(data["conversation"]["id"])
        await self._notify()

    async def _on_message(self, message: dict[str, Any]) -> None:
        self.live.append(message)
        conversation_id = message["conversation_id"]
        self.conversations.add(conversation_id)
        beyond = message["seq"] > self.last_seq(conversation_id) + 1
        self._hold(message)
        # A message beyond the next one expected is kept but not counted until a sync fills the gap.
        if beyond:
            self._spawn(self.sync(conversation_id))
        await self._notify()

    async def _resume(self, *, resync: bool = False) -> None:
        """Catch up after a reconnect or a ``resync``: sync every conversation, resend the pending."""
        for conversation_id in sorted(self.conversations):
            if not await self.sync(conversation_id):
                return
        for client_id in list(self.pending):
            await self._emit_send(client_id)
        if resync:
            self.resyncs += 1
        else:
            self.resumes += 1
        await self._notify()

    # --- messages -------------------------------------------------------------------------------

    def last_seq(self, conversation_id: str) -> int:
        """The highest seq this client holds with nothing missing before it."""
        return self.upto[conversation_id]

    def history(self, conversation_id: str) -> list[dict[str, Any]]:
        """The messages held, in seq order."""
        held = self.held[conversation_id]
        return [held[seq] for seq in sorted(held)]

    def _hold(self, message: dict[str, Any], *, replayed: bool = False) -> None:
        """Keep a message (once per seq). A replay holds everything up to its messages."""
        conversation_id = message["conversation_id"]
        held = self.held[conversation_id]
        known = held.setdefault(message["seq"], message)
        if known != message:
            self.errors.append(AssertionError(f"two messages with one seq: {known} and {message}"))
        if replayed:
            self.upto[conversation_id] = max(self.upto[conversation_id], message["seq"])
        while self.upto[conversation_id] + 1 in held:
            self.upto[conversation_id] += 1

    async def sync(self, conversation_id: str) -> bool:
        """Replay what this client missed in a conversation, page after page.

        False when the connection dropped meanwhile: the resume after the next connect syncs again.
        """
        async with self._sync_lock:
            while True:
                data = {"conversation_id": conversation_id, "last_seq": self.last_seq(conversation_id)}
                try:
                    ack = await self.sio.call("sync", data, namespace=self.namespace, timeout=2)
                except (TimeoutError, socketio.exceptions.SocketIOError) as error:
                    log.info("sync of %s interrupted: %r", conversation_id, error)
                    return False
                if not ack["ok"]:
                    self.errors.append(AssertionError(f"sync refused: {ack}"))
                    return False
                for message in ack["messages"]:
                    self._hold(message, replayed=True)
                await self._notify()
                if not ack["more"]:
                    return True

    async def fence(self) -> None:
        """Return once this client holds every event the server sent it before now
        (:meth:`tests.peers.Peer.fence`)."""
        ack = await self.sio.call("sync", FENCE, namespace=self.namespace, timeout=5)
        assert ack["ok"] is False, ack
        assert ack["error"]["code"] == "not_found", ack

    async def send(self, text: str, conversation_id: str | None = None, *, private: bool = False) -> str:
        """Start sending a message (an agent's note if ``private``); returns its client_id (await
        :meth:`acked` for the ack)."""
        client_id = str(uuid.uuid4())
        payload: dict[str, Any] = {"client_id": client_id, "text": text}
        if conversation_id is not None:
            payload["conversation_id"] = conversation_id
        if private:
            payload["private"] = True
        self.pending[client_id] = payload
        self._acked[client_id] = asyncio.get_running_loop().create_future()
        await self._emit_send(client_id)
        return client_id

    async def acked(self, client_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The acknowledgement of a send, once it arrives (after any number of resends)."""
        return await asyncio.wait_for(asyncio.shield(self._acked[client_id]), timeout)

    async def _emit_send(self, client_id: str) -> None:
        payload = self.pending.get(client_id)
        if payload is None:
            return

        def on_ack(ack: dict[str, Any]) -> None:
            self._on_ack(client_id, ack)

        try:
            await self.sio.emit("message.send", payload, namespace=self.namespace, callback=on_ack)
        except socketio.exceptions.SocketIOError as error:
            # Not connected: the resume after the next connect sends it again.
            log.info("send of %s deferred: %s", client_id, error)

    def _on_ack(self, client_id: str, ack: dict[str, Any]) -> None:
        if not ack.get("ok"):
            self.errors.append(AssertionError(f"send {client_id} refused: {ack}"))
            return
        self.pending.pop(client_id, None)
        self._hold(ack["message"])
        future = self._acked[client_id]
        if not future.done():
            future.set_result(ack)
        self._spawn(self._notify())

    # --- waiting --------------------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            error = None if t.cancelled() else t.exception()
            if error is not None:
                self.errors.append(error)

        task.add_done_callback(done)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is true (re-checked whenever something arrives)."""

        async def loop() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.2)
                return result

        return await asyncio.wait_for(loop(), timeout)
