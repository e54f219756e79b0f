"""The baseline: a bare python-socketio relay on aiohttp, the floor of Tandem's stack.

Same transport and libraries as Tandem (python-socketio's ``AsyncServer`` on aiohttp, the same
``/visitor`` and ``/agent`` namespaces and event names), but no store, no routing, no checks: a
connection names its conversations in ``auth`` (``{"rooms": ["c_1", ...]}``); ``message.send``
is acknowledged with a message object shaped like Tandem's and emitted to the conversation's room
on both namespaces, skipping the sender (what Tandem's ``Broadcaster.message`` does). Any other
event is acknowledged at once (the load generator's loop-lag probe).

Run: ``python -m bench.relay --port 8765``.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import defaultdict
from typing import Any

import socketio
from aiohttp import web

NAMESPACES = ("/visitor", "/agent")


# python-socketio has no type hints, so its classes are Any to mypy: subclassing one needs this.
class RelayNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Joins rooms on connect; relays ``message.send`` to the room on every namespace."""

    def __init__(self, namespace: str, seqs: defaultdict[str, int], ids: itertools.count[int]) -> None:
        super().__init__(namespace)
        self._seqs = seqs
        self._ids = ids
        self._rooms: dict[str, list[str]] = {}

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event == "connect":
            sid, auth = args[0], args[2] if len(args) > 2 else None
            rooms = [str(r) for r in (auth or {}).get("rooms", [])]
            self._rooms[sid] = rooms
            for room in rooms:
                await self.enter_room(sid, room)
            return None
        if event == "disconnect":
            self._rooms.pop(args[0], None)
            return None
        if event == "message.send":
            return await self._relay(args[0], args[1] if len(args) > 1 else {})
        return {"ok": True}

    async def _relay(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        rooms = self._rooms.get(sid) or [""]
        room = str(data.get("conversation_id") or rooms[0])
        self._seqs[room] += 1
        message = {
            "id": f"m_{next(self._ids)}",
            "conversation_id": room,
            "seq": self._seqs[room],
            "client_id": data.get("client_id"),
            "type": "text",
            "private": False,
            "author": {"type": self.namespace.strip("/"), "id": sid, "name": None},
            "text": data.get("text"),
            "event": None,
            "created_at": time.time(),
        }
        for namespace in NAMESPACES:
            await self.server.emit("message", message, room=room, namespace=namespace, skip_sid=sid)
        return {"ok": True, "message": message}


def create_relay() -> web.Application:
    """The relay's aiohttp app, with a ``/healthz`` like Tandem's."""
    app = web.Application()
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*", logger=False)
    sio.attach(app)
    seqs: defaultdict[str, int] = defaultdict(int)
    ids = itertools.count(1)
    for namespace in NAMESPACES:
        sio.register_namespace(RelayNamespace(namespace, seqs, ids))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Bare python-socketio relay (benchmark baseline)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    web.run_app(create_relay(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
