"""Errors a client can act on, with the codes of docs/protocol.md."""

from __future__ import annotations

from typing import Any


class ChatError(Exception):
    """A refusal with a protocol error code, turned into ``{"ok": false, "error": ...}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def ack(self) -> dict[str, Any]:
        return {"ok": False, "error": {"code": self.code, "message": self.message}}


def bad_request(message: str) -> ChatError:
    return ChatError("bad_request", message)


def not_found(what: str = "conversation") -> ChatError:
    return ChatError("not_found", f"No such {what}")
