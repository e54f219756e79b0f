"""Socket.IO packets as clients send them, including those python-socketio cannot decode.

python-socketio raises while decoding a packet whose JSON holds an integer of more than 100 digits
(its guard against slow int parsing), nests past the parser's stack, or whose ack id has a
non-ASCII digit: the exception escapes into Engine.IO's handler, which logs a stack trace and
answers nothing, so the client waits for an acknowledgement that never comes. Here such an event
arrives as the event :data:`UNDECODABLE`, which the namespaces answer with ``bad_request``.
"""

from __future__ import annotations

from typing import Any

import orjson
from socketio import packet

UNDECODABLE = "\x00undecodable"  # a client that names its event so gets the same answer


class OrjsonCodec:
    """The JSON codec of our packets: orjson, several times faster than the standard library's on
    the small payloads of chat events (docs/performance.md). What it refuses to read (numbers out
    of a double's range, lone surrogates, nesting past 1,024) arrives as :data:`UNDECODABLE`."""

    @staticmethod
    def dumps(obj: Any, *_args: Any, **_kwargs: Any) -> str:
        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(text: str | bytes, *_args: Any, **_kwargs: Any) -> Any:
        return orjson.loads(text)


class ClientPacket(packet.Packet):  # type: ignore[misc]
    """python-socketio's packet, that turns a client's undecodable payload into a bad request."""

    packet_type: int
    data: Any
    json = OrjsonCodec

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        """The same answer as python-socketio's, which builds a list of every item of every list and
        dict it walks (run on every emit): here it stops at the first bytes."""
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, bytes | bytearray):
                return True
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                stack.extend(item.values())
        return False

    def decode(self, encoded_packet: Any) -> int:
        try:
            return int(super().decode(encoded_packet) or 0)
        except (ValueError, RecursionError):
            self.data = self._stand_in()
            if self.packet_type == packet.BINARY_EVENT:
                self.packet_type = packet.EVENT  # no attachments are awaited for it
            return 0

    def _stand_in(self) -> Any:
        """What the server is to handle instead of the payload it could not read."""
        if self.packet_type in (packet.EVENT, packet.BINARY_EVENT):
            return [UNDECODABLE]
        if self.packet_type == packet.CONNECT:
            return {"token": UNDECODABLE}  # refused as a token no one issued
        return None
