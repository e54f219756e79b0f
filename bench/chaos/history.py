"""The history of a chaos run: what every client did and saw, one JSON object per line.

Every line has ``t`` (wall-clock UNIX seconds, the same clock the server stamps ``created_at``
with, as both run on this machine), ``kind`` and ``actor`` (a label such as ``visitor-007`` or
``agent-2``; ``driver`` for the run itself). The kinds and their other fields:

==============  ==================================================================================
``identity``    ``who``: the Tandem id the actor has (``a_1``, ``v_3``), ``role``
``connect``     ``server``: index of the process, ``n``: the actor's connection number
``disconnect``  ``n``
``session``     ``n``, ``conversations``: ``[[id, status, last_seq], ...]`` it was given
``send``        ``client_id``, ``conversation`` (``None`` for a visitor), ``private``, ``attempt``, ``n``
``ack``         ``client_id``, ``n``, ``ok``; when ok ``conversation`` and ``message`` (a summary);
                else ``error`` (the code)
``receive``     a live ``message`` event: ``conversation``, ``message``, ``n``
``sync``        ``conversation``, ``after`` (the ``last_seq`` asked after), ``messages``, ``more``,
                ``ok`` (else ``error``: a server's code, or ``timeout`` / ``disconnected`` when
                no answer came), ``final`` (the settling sync at the end), ``reason``, ``n``
``assigned``    the agent was told it has a conversation: ``conversation``, ``reason``, ``last_seq``
``removed``     the agent was told it lost one: ``conversation``, ``reason``
``resync``      the server asked the client to sync: ``data``
``action``      what the actor chose to do, recorded as it starts: ``what`` (start, close,
                transfer, take, status, vanish, return), ``conversation``
``outcome``     how an action ended: ``what``, ``conversation``, ``ok``, ``error``
``abandoned``   a send given up after too many attempts: ``client_id``, ``attempts``
``fault``       ``name``, ``phase`` (start / end), ``target``, ``detail``
``run``         ``phase``: ``start`` (with the run's ``config`` and the checker's options,
                ``check``) or ``settled`` (with ``ok``)
==============  ==================================================================================

A message summary is ``{"seq", "client_id", "type", "private", "event", "author"}`` with the
author as its id (``a_1``, ``v_3``) or ``system``: what the checker compares with the database.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

Event = dict[str, Any]
Clock = Callable[[], float]

# The error codes a client records for a call that never got an answer from the server (any other
# code is the server's refusal).
UNANSWERED = frozenset({"timeout", "disconnected"})


def summarize(message: dict[str, Any]) -> dict[str, Any]:
    """The parts of a wire message (docs/protocol.md, Message) that identify it in the stream."""
    author = message.get("author") or {}
    return {
        "seq": message["seq"],
        "client_id": message.get("client_id"),
        "type": message.get("type"),
        "private": bool(message.get("private")),
        "event": message.get("event"),
        "author": author.get("id") or author.get("type") or "system",
    }


class History:
    """Appends events to a JSON-lines file (if given) and keeps them in memory, in order.

    ``clock`` is passed in so the checker's tests can build histories with chosen times.
    """

    def __init__(self, path: Path | None = None, clock: Clock = time.time) -> None:
        self.path = path
        self.events: list[Event] = []
        self._clock = clock
        self._file: IO[str] | None = path.open("w", buffering=1) if path is not None else None
        self.frozen = False

    def record(self, kind: str, actor: str, **fields: Any) -> Event:
        """Append one event stamped with the clock; nothing once :meth:`freeze` was called."""
        event: Event = {"t": round(self._clock(), 6), "kind": kind, "actor": actor, **fields}
        if self.frozen:
            return event
        self.events.append(event)
        if self._file is not None:
            self._file.write(json.dumps(event, separators=(",", ":")) + "\n")
        return event

    def freeze(self) -> None:
        """Stop recording: what clients see after the stored truth is read is not compared with it."""
        self.frozen = True

    def close(self) -> None:
        self.frozen = True
        if self._file is not None:
            self._file.close()
            self._file = None


def read_history(path: Path) -> list[Event]:
    """The events of a history file, in the order they were recorded."""
    with path.open() as file:
        return [json.loads(line) for line in file if line.strip()]
