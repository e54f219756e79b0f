"""Logging: one line per event that matters; JSON lines when asked. Never message text or passwords."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter


def setup_logging(fmt: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"}
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    # The handler filters too: a library that sets its own logger to DEBUG (bm25s does, on
    # import) still prints nothing below the level asked for.
    handler.setLevel(level)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Per-request access lines and Socket.IO packet traces would drown the events that matter.
    for noisy in ("aiohttp.access", "socketio.server", "engineio.server"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
