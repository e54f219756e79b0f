"""What the checks share: the history and the stored truth, indexed.

* who each actor is (its Tandem id) and back;
* when each actor was connected, and to which process: a connection to a process that was paused
  (SIGSTOP) counts as cut from the moment of the pause;
* per conversation, who held it at each ``seq`` (the agent that hears that message live) and the
  conversation's state changes in time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from bench.chaos.history import Event
from bench.chaos.truth import StoredConversation, StoredMessage, Truth

# Faults after which a grace timer may run again from the start (a restarted or resumed process).
TIMER_RESETS = frozenset({"kill", "kill_one", "pause", "redis_restart"})


@dataclass(frozen=True)
class Violation:
    """One broken promise: its kind (see ``bench.chaos.checker.KINDS``) and where."""

    kind: str
    conversation: str | None
    actor: str | None
    detail: str

    def __str__(self) -> str:
        where = " ".join(x for x in (self.conversation, self.actor) if x)
        return f"{self.kind} [{where}] {self.detail}"


@dataclass(frozen=True)
class Interval:
    start: float
    end: float  # math.inf: still connected when the history ends
    server: int

    def covers(self, start: float, end: float) -> bool:
        return self.start <= start and self.end >= end


@dataclass
class Facts:
    events: list[Event]
    truth: Truth
    who: dict[str, str] = field(default_factory=dict)  # actor -> a_1 / v_3
    actor_of: dict[str, str] = field(default_factory=dict)  # a_1 / v_3 -> actor
    role: dict[str, str] = field(default_factory=dict)
    intervals: dict[str, list[Interval]] = field(default_factory=lambda: defaultdict(list))
    faults: list[Event] = field(default_factory=list)  # fault events, start and end

    @staticmethod
    def build(events: list[Event], truth: Truth) -> Facts:
        facts = Facts(events, truth)
        for e in events:
            if e["kind"] == "identity":
                facts.who[e["actor"]] = e["who"]
                facts.actor_of[e["who"]] = e["actor"]
                facts.role[e["actor"]] = e["role"]
            elif e["kind"] == "fault":
                facts.faults.append(e)
        facts._build_intervals()
        return facts

    def _build_intervals(self) -> None:
        opened: dict[tuple[str, int], Event] = {}
        for e in self.events:
            key = (e["actor"], e.get("n", -1))
            if e["kind"] == "connect":
                opened[key] = e
            elif e["kind"] == "disconnect" and key in opened:
                start = opened.pop(key)
                self.intervals[e["actor"]].append(Interval(start["t"], e["t"], start["server"]))
        for (actor, _), start in opened.items():
            self.intervals[actor].append(Interval(start["t"], math.inf, start["server"]))
        pauses = self.pauses()
        for actor, spans in self.intervals.items():
            self.intervals[actor] = sorted((_cut(s, pauses) for s in spans), key=lambda s: s.start)

    def pauses(self) -> list[tuple[int, float, float]]:
        """(server, start, end) of every pause fault."""
        starts: dict[int, float] = {}
        spans = []
        for e in self.faults:
            if e["name"] != "pause":
                continue
            if e["phase"] == "start":
                starts[int(e["target"])] = e["t"]
            elif int(e["target"]) in starts:
                spans.append((int(e["target"]), starts.pop(int(e["target"])), e["t"]))
        spans += [(server, t, math.inf) for server, t in starts.items()]
        return spans

    def timer_resets(self) -> list[float]:
        """When each fault that may restart grace timers ended, in order."""
        return sorted(e["t"] for e in self.faults if e["phase"] == "end" and e["name"] in TIMER_RESETS)

    def connected(self, actor: str, start: float, end: float) -> bool:
        """Whether one connection of ``actor`` lasted from ``start`` to ``end``."""
        return any(s.covers(start, end) for s in self.intervals.get(actor, ()))

    def last_disconnect(self, actor: str, before: float) -> float | None:
        ends = [s.end for s in self.intervals.get(actor, ()) if s.end <= before]
        return max(ends) if ends else None

    def conversation_actors(self, conv: StoredConversation) -> list[str]:
        """The actors who must end up holding the whole stream: the visitor and the last agent."""
        ids = [conv.visitor, conv.agent] if conv.agent else [conv.visitor]
        return [self.actor_of[i] for i in ids if i in self.actor_of]


def _cut(span: Interval, pauses: list[tuple[int, float, float]]) -> Interval:
    """A connection to a paused process hears nothing from the pause on."""
    end = span.end
    for server, start, _ in pauses:
        if server == span.server and span.start <= start < end:
            end = start
    return Interval(span.start, end, span.server)


def visible(message: StoredMessage, role: str) -> bool:
    """Whether a participant of ``role`` may see the message (visitors never see private ones)."""
    return role == "agent" or not message.private


def holders(conv: StoredConversation) -> dict[int, str | None]:
    """For each seq, the agent that held the conversation when that message was stored: the one
    it is announced to. A ``transferred`` note goes to the new agent (named by the ``assigned``
    event stored right after it); after ``requeued`` nobody holds it; ``closed`` goes to the holder."""
    result: dict[int, str | None] = {}
    holder: str | None = None
    messages = conv.messages
    for i, m in enumerate(messages):
        if m.event == "assigned":
            holder = m.agent
        elif m.event == "requeued":
            holder = None
        elif m.event == "transferred":
            following = messages[i + 1] if i + 1 < len(messages) else None
            if following is not None and following.event == "assigned":
                holder = following.agent
        result[m.seq] = holder
    return result


def state_at(conv: StoredConversation, seq: int) -> tuple[str, str | None]:
    """(status, agent) of the conversation as the messages up to ``seq`` leave it."""
    status, holder = "queued", None
    for m in conv.messages:
        if m.seq > seq:
            break
        if m.event == "assigned":
            status, holder = "assigned", m.agent
        elif m.event == "requeued":
            status, holder = "queued", None
        elif m.event == "closed":
            status = "closed"
    return status, holder


def number(conversation_id: str) -> int:
    """c_12 -> 12: conversations arrive in id order (the queue's tie-break)."""
    return int(conversation_id.rsplit("_", 1)[-1])
