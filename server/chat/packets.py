"""Socket.IO packets as clients send them, including those python-socketio cannot decode.

python-socketio raises while decoding a packet whose JSON holds an integer of more than 100 digits
(its guard against slow int parsing), nests past the parser's stack, or whose ack id has a
non-ASCII digit: the exception escapes into Engine.IO's handler, which logs a stack trace and
answers nothing, so the client waits for an acknowledgement that never comes. Here such an event
arrives as the event :data:`UNDECODABLE`, which the namespaces answer with ``bad_request``.
"""

from __future__ import annotations

from typing import Any

from socketio import packet

UNDECODABLE = "\x00undecodable"  # a client that names its event so gets the same answer


class ClientPacket(packet.Packet):  # type: ignore[misc]
    """python-socketio's packet, that turns a client's undecodable payload into a bad request."""

    packet_type: int
    data: Any

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
