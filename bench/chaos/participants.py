"""The two kinds of recording client: a visitor (``/visitor``) and an agent (``/agent``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.chaos.recorder import Link, Participant


class VisitorClient(Participant):
    """A visitor with one conversation; it reconnects with the token of its latest ``session``."""

    namespace = "/visitor"
    role = "visitor"

    def __init__(self, actor: str, link: Link, home: int) -> None:
        super().__init__(actor, link, home, token=None)
        self.who: str | None = None
        self.conversation: str | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether its conversation is over (told so, or it holds the ``closed`` event)."""
        held = self.held.get(self.conversation or "", {})
        return self._closed or any(m["event"] == "closed" for m in held.values())

    def handlers(self) -> dict[str, Callable[[Any], None]]:
        return {"conversation.updated": self._on_updated}

    def take_session(self, data: dict[str, Any]) -> None:
        self.token = data["token"]
        if self.who is None:
            self.who = data["visitor"]["id"]
            self.record("identity", who=self.who, role=self.role)
        if data.get("conversation"):
            self._track(data["conversation"]["id"])

    def session_conversations(self, data: dict[str, Any]) -> list[list[Any]]:
        conv = data.get("conversation")
        return [[conv["id"], conv["status"], conv["last_seq"]]] if conv else []

    def _track(self, conversation: str) -> None:
        self.conversation = conversation
        self.active = {conversation}

    def _on_updated(self, data: dict[str, Any]) -> None:
        if data.get("id") == self.conversation and data.get("status") == "closed":
            self._closed = True

    async def start_conversation(self) -> bool:
        """``conversation.start``; an open conversation of this visitor is returned as is."""
        self.record("action", what="start", conversation=None)
        ack = await self.call("conversation.start", {"name": self.actor})
        ok = bool(ack.get("ok"))
        conversation = ack["conversation"]["id"] if ok else None
        self.record("outcome", what="start", conversation=conversation, ok=ok, error=_error(ack))
        if conversation is not None:
            self._track(conversation)
        return ok


class AgentClient(Participant):
    """A signed-in agent; knows the chats it holds and the queue, from what the server tells it."""

    namespace = "/agent"
    role = "agent"

    def __init__(self, actor: str, who: str, link: Link, home: int, token: str) -> None:
        super().__init__(actor, link, home, token=token)
        self.who = who
        self.queue: list[str] = []
        self.closed: set[str] = set()  # closed while this agent held them
        # Every chat it was ever given: one it closed just before a crash (the ack and the event
        # lost) is in none of the above after the next session, yet it is this agent's to the end.
        self.known: set[str] = set()
        self.on_assigned: Callable[[str], None] | None = None
        self.record("identity", who=who, role=self.role)

    def handlers(self) -> dict[str, Callable[[Any], None]]:
        return {
            "conversation.assigned": self._on_assigned,
            "conversation.removed": self._on_removed,
            "conversation.updated": self._on_updated,
            "queue.updated": self._on_queue,
        }

    def take_session(self, data: dict[str, Any]) -> None:
        # The session is what this agent holds now: chats requeued while it was away are gone.
        self.active = {c["id"] for c in data["conversations"]}
        self.known |= self.active
        self.queue = [c["id"] for c in data["queue"]]

    def session_conversations(self, data: dict[str, Any]) -> list[list[Any]]:
        return [[c["id"], c["status"], c["last_seq"]] for c in data["conversations"]]

    def _on_assigned(self, data: dict[str, Any]) -> None:
        conv = data["conversation"]
        self.record("assigned", conversation=conv["id"], reason=data.get("reason"), last_seq=conv["last_seq"])
        self.active.add(conv["id"])
        self.known.add(conv["id"])
        self.closed.discard(conv["id"])
        self.spawn(self.sync(conv["id"], "assigned"))
        if self.on_assigned is not None:
            self.on_assigned(conv["id"])

    def _on_removed(self, data: dict[str, Any]) -> None:
        self.record("removed", conversation=data["conversation_id"], reason=data.get("reason"))
        self.active.discard(data["conversation_id"])

    def _on_updated(self, data: dict[str, Any]) -> None:
        conv = data.get("conversation") or {}
        if conv.get("status") == "closed" and conv.get("id") in self.active:
            self.active.discard(conv["id"])
            self.closed.add(conv["id"])

    def _on_queue(self, data: dict[str, Any]) -> None:
        self.queue = [c["id"] for c in data["queue"]]

    async def act(self, what: str, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """An action with an acknowledgement, recorded before (``action``) and after (``outcome``)."""
        conversation = data.get("conversation_id")
        self.record("action", what=what, conversation=conversation)
        ack = await self.call(event, data)
        self.record(
            "outcome", what=what, conversation=conversation, ok=bool(ack.get("ok")), error=_error(ack)
        )
        return ack

    async def set_status(self, status: str) -> bool:
        return bool((await self.act("status", "status.set", {"status": status})).get("ok"))

    async def take(self, conversation: str) -> bool:
        ok = bool((await self.act("take", "conversation.take", {"conversation_id": conversation})).get("ok"))
        if ok:
            self.active.add(conversation)
            self.known.add(conversation)
        return ok

    async def transfer(self, conversation: str, agent: str) -> bool:
        data = {"conversation_id": conversation, "agent_id": agent}
        ok = bool((await self.act("transfer", "conversation.transfer", data)).get("ok"))
        if ok:
            self.active.discard(conversation)
        return ok

    async def close_chat(self, conversation: str) -> bool:
        ok = bool(
            (await self.act("close", "conversation.close", {"conversation_id": conversation})).get("ok")
        )
        if ok:
            self.active.discard(conversation)
            self.closed.add(conversation)
        return ok

    def final_conversations(self) -> list[str]:
        """Every chat it ever had: those now another agent's refuse the sync, which is harmless."""
        return sorted(self.known)


def _error(ack: dict[str, Any]) -> str | None:
    error = ack.get("error")
    return str(error.get("code")) if isinstance(error, dict) else None
