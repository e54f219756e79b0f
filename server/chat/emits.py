"""Emitting to rooms, as python-socketio's manager does, at less cost per event.

Every chat message is emitted twice (to the agent's room on ``/agent``, to the visitor's on
``/visitor``). python-socketio's manager encodes an emit's packet before it looks for recipients,
and starts a task per recipient to hand the packet to its socket's queue, which never waits
(docs/performance.md). :class:`LeanEmits` looks for recipients first, encodes once for those it
found, and hands the packet over in line. :meth:`emit_each` sends several emits at once, which the
Redis manager (server/cluster/fanout.py) publishes as one message instead of one per emit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import socketio
from engineio import packet as eio_packet
from socketio import packet


@dataclass(frozen=True)
class Emit:
    """One event for the sockets in a room of a namespace (but ``skip_sid``)."""

    event: str
    data: Any
    namespace: str
    room: str | list[str]  # several: a socket in more than one gets it once
    skip_sid: str | None = None


class EmitEach(Protocol):
    """What the chat needs of the Socket.IO manager beside python-socketio's own methods."""

    async def emit_each(self, emits: Sequence[Emit]) -> None: ...


class LeanEmits(socketio.AsyncManager):  # type: ignore[misc]
    """python-socketio's manager with the callback-less emit done in line."""

    server: Any

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: str | list[str] | None = None,
        skip_sid: str | list[str] | None = None,
        callback: Any = None,
        to: str | list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None or kwargs:
            await super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs
            )
            return
        if namespace not in self.rooms:
            return
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        recipients = [eio for sid, eio in self.get_participants(namespace, to or room) if sid not in skip]
        if not recipients:
            return
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        encoded = self.server.packet_class(packet.EVENT, namespace=namespace, data=[event, *args]).encode()
        parts = encoded if isinstance(encoded, list) else [encoded]
        packets = [eio_packet.Packet(eio_packet.MESSAGE, p) for p in parts]
        for eio_sid in recipients:
            for eio_pkt in packets:
                # Engine.IO queues the packet for the socket's writer: this never waits on the network.
                await self.server._send_eio_packet(eio_sid, eio_pkt)

    async def emit_each(self, emits: Sequence[Emit]) -> None:
        for e in emits:
            await self.emit(e.event, e.data, e.namespace, room=e.room, skip_sid=e.skip_sid)
