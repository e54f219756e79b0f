"""A tiny model of a Tandem run for the checker's tests: it stores messages as the server would,
and records what recording clients would, with a controlled clock.

Each helper does what the real thing does (``send``: store, acknowledge, announce to everyone
entitled but the sender; ``assign``: store the event, tell the agent, which then syncs); a test
injects one fault by doing something else (dropping a delivery, storing twice, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.chaos.checker import CheckOptions, Result, check
from bench.chaos.history import History
from bench.chaos.truth import StoredConversation, StoredMessage, Truth


@dataclass
class Conv:
    id: str
    visitor: str
    created_at: float
    messages: list[StoredMessage] = field(default_factory=list)
    holder: str | None = None  # actor
    agent: str | None = None  # a_N as stored (kept after a close)
    status: str = "queued"


class Sim:
    def __init__(self) -> None:
        self.t = 0.0
        self.history = History(clock=lambda: self.t)
        self.capacities: dict[str, int] = {}
        self.convs: dict[str, Conv] = {}
        self.who: dict[str, str] = {}
        self.role: dict[str, str] = {}
        self.held: dict[tuple[str, str], set[int]] = {}
        self.connections: dict[str, int] = {}

    def at(self, t: float) -> None:
        assert t >= self.t, "time only moves forward"
        self.t = t

    def tick(self, dt: float = 0.01) -> None:
        self.t = round(self.t + dt, 6)

    # --- actors ---------------------------------------------------------------------------------

    def agent(self, actor: str, who: str, capacity: int = 3) -> None:
        self.capacities[who] = capacity
        self._actor(actor, who, "agent")

    def visitor(self, actor: str, who: str) -> None:
        self._actor(actor, who, "visitor")

    def _actor(self, actor: str, who: str, role: str) -> None:
        self.who[actor], self.role[actor] = who, role
        self.history.record("identity", actor, who=who, role=role)
        self.connect(actor)

    def connect(self, actor: str) -> None:
        self.connections[actor] = self.connections.get(actor, 0) + 1
        self.history.record("connect", actor, server=0, n=self.connections[actor])

    def disconnect(self, actor: str) -> None:
        self.history.record("disconnect", actor, n=self.connections[actor])

    # --- the server's side ----------------------------------------------------------------------

    def open(self, conv_id: str, visitor: str) -> None:
        self.convs[conv_id] = Conv(conv_id, self.who[visitor], self.t)

    def store(self, conv_id: str, **fields: Any) -> StoredMessage:
        """Append a message (at the next seq unless ``seq`` is given)."""
        conv = self.convs[conv_id]
        self.tick()
        seq = fields.pop("seq", None) or (max((m.seq for m in conv.messages), default=0) + 1)
        values: dict[str, Any] = {"client_id": None, "type": "text", "private": False, "event": None}
        message = StoredMessage(seq=seq, created_at=self.t, **{**values, **fields})
        conv.messages.append(message)
        return message

    def broadcast(self, conv_id: str, message: StoredMessage, drop: tuple[str, ...] = ()) -> None:
        """Announce to the holder and (unless private) the visitor, but not the author."""
        conv = self.convs[conv_id]
        visitor = next(a for a, w in self.who.items() if w == conv.visitor)
        audience = [conv.holder] if conv.holder else []
        audience += [] if message.private else [visitor]
        for actor in audience:
            if self.who[actor] != message.author and actor not in drop:
                self.receive(actor, conv_id, message)

    def event(self, conv_id: str, event: str, **fields: Any) -> StoredMessage:
        return self.store(conv_id, type="event", event=event, author=fields.pop("author", "system"), **fields)

    def assign(self, conv_id: str, actor: str, reason: str = "routed") -> StoredMessage:
        conv = self.convs[conv_id]
        message = self.event(conv_id, "assigned", agent=self.who[actor])
        conv.holder, conv.agent, conv.status = actor, self.who[actor], "assigned"
        self.tick()
        self.history.record("assigned", actor, conversation=conv_id, reason=reason, last_seq=message.seq)
        self.broadcast(conv_id, message)
        self.sync(actor, conv_id)
        return message

    def transfer(self, conv_id: str, to: str) -> None:
        conv = self.convs[conv_id]
        source = conv.holder
        assert source is not None
        who = self.who[source]
        note = self.event(conv_id, "transferred", private=True, author=who, agent=who)
        joined = self.event(conv_id, "assigned", agent=self.who[to])
        conv.holder, conv.agent = to, self.who[to]
        self.history.record("removed", source, conversation=conv_id, reason="transferred")
        self.history.record("assigned", to, conversation=conv_id, reason="transferred", last_seq=joined.seq)
        self.broadcast(conv_id, note)
        self.broadcast(conv_id, joined)
        self.sync(to, conv_id)

    def requeue(self, conv_id: str) -> StoredMessage:
        conv = self.convs[conv_id]
        assert conv.holder is not None
        message = self.event(conv_id, "requeued", private=True, agent=self.who[conv.holder])
        conv.holder, conv.agent, conv.status = None, None, "queued"
        return message

    def close(self, conv_id: str, by: str) -> StoredMessage:
        conv = self.convs[conv_id]
        message = self.event(conv_id, "closed", author=self.who[by], agent=self.who[by])
        conv.status = "closed"
        self.broadcast(conv_id, message)
        return message

    # --- the clients' side ----------------------------------------------------------------------

    def send(
        self, actor: str, conv_id: str, client_id: str, *, private: bool = False, drop: tuple[str, ...] = ()
    ) -> StoredMessage:
        """A send stored, acknowledged and announced (to all but ``drop``)."""
        self.tick()
        n = self.connections[actor]
        self.history.record("send", actor, conversation=conv_id, client_id=client_id, private=private, n=n)
        message = self.store(
            conv_id,
            client_id=client_id,
            author=self.who[actor],
            private=private,
            type="note" if private else "text",
        )
        self.ack(actor, conv_id, client_id, message.summary())
        self.broadcast(conv_id, message, drop)
        return message

    def ack(self, actor: str, conv_id: str, client_id: str, summary: dict[str, Any]) -> None:
        self.tick()
        n = self.connections[actor]
        self.history.record(
            "ack", actor, client_id=client_id, n=n, ok=True, conversation=conv_id, message=summary
        )
        self.held.setdefault((actor, conv_id), set()).add(summary["seq"])

    def receive(self, actor: str, conv_id: str, message: StoredMessage) -> None:
        self.tick()
        n = self.connections[actor]
        self.history.record("receive", actor, conversation=conv_id, message=message.summary(), n=n)
        self.held.setdefault((actor, conv_id), set()).add(message.seq)

    def upto(self, actor: str, conv_id: str) -> int:
        """What the recording client asks after: the highest seq it holds with none of its view
        missing before it."""
        held = self.held.get((actor, conv_id), set())
        seen = [m.seq for m in self.convs[conv_id].messages if self._visible(actor, m)]
        upto = 0
        for seq in sorted(set(seen) | held):
            if seq not in held:
                break
            upto = seq
        return upto

    def _visible(self, actor: str, message: StoredMessage) -> bool:
        return self.role[actor] == "agent" or not message.private

    def sync(
        self, actor: str, conv_id: str, *, final: bool = False, ok: bool = True, error: str = ""
    ) -> None:
        self.tick()
        after = self.upto(actor, conv_id)
        stored = sorted(self.convs[conv_id].messages, key=lambda m: m.seq)
        got = [m.summary() for m in stored if m.seq > after and self._visible(actor, m)] if ok else []
        self.history.record(
            "sync", actor, conversation=conv_id, after=after, messages=got, more=False,
            ok=ok, final=final, reason="final" if final else "test", n=self.connections[actor],
            **({} if ok else {"error": error or "forbidden"}),
        )  # fmt: skip
        self.held.setdefault((actor, conv_id), set()).update(s["seq"] for s in got)

    # --- the end --------------------------------------------------------------------------------

    def truth(self) -> Truth:
        return Truth(
            {
                c.id: StoredConversation(c.id, c.visitor, c.status, c.agent, c.created_at, tuple(c.messages))
                for c in self.convs.values()
            },
            dict(self.capacities),
        )

    def settle(self, failing: tuple[str, ...] = ()) -> None:
        """The settling syncs: each conversation's visitor and last agent sync it (those in
        ``failing`` get an error instead)."""
        self.tick(1.5)
        for conv in self.convs.values():
            holders = [a for a, w in self.who.items() if w in (conv.visitor, conv.agent)]
            for actor in holders:
                self.sync(actor, conv.id, final=True, ok=actor not in failing)

    def check(self, *, settle: bool = True, **options: Any) -> Result:
        if settle:
            self.settle()
        return check(self.history.events, self.truth(), CheckOptions(**options))
