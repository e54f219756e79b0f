"""The routing promises (docs/protocol.md, Routing), checked against the stored system events.

* no conversation is held by two agents at once (``double_assigned``): in the stored events an
  ``assigned`` while the chat is held (not right after a ``transferred``) or closed; and each time an
  agent was told it holds a chat (``conversation.assigned``, its ``session``), the stored events at
  that ``last_seq`` say it does;
* no agent holds more chats than its capacity at any moment (``over_capacity``), from the events in
  time order;
* routing serves the queue in order (``unfair_queue``): requeued chats first, then oldest; a chat
  routed while one ahead of it had been waiting for longer than one routing pass takes is unfair
  (a chat an agent took by hand may jump the queue);
* a vanished agent's chats go back to the queue after the grace period: not while the agent is
  connected or before the period ran out (``early_requeue``), and not much after it (``forgotten``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from bench.chaos.facts import Facts, Violation, number, state_at
from bench.chaos.truth import StoredConversation


@dataclass(frozen=True)
class Hold:
    conversation: str
    agent: str
    start: float
    end: float  # math.inf: still held at the end


@dataclass(frozen=True)
class Wait:
    conversation: str
    start: float
    end: float  # math.inf: still waiting at the end
    priority: int  # 1: requeued (served first), 0: new

    def rank(self) -> tuple[int, int]:
        return (-self.priority, number(self.conversation))


@dataclass(frozen=True)
class Assignment:
    conversation: str
    agent: str | None
    at: float
    seq: int
    wait: Wait | None  # the wait it ended; None for a transfer or a double assignment


@dataclass
class Lifecycle:
    holds: list[Hold] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    double: list[Violation] = field(default_factory=list)


def lifecycle(conv: StoredConversation, into: Lifecycle) -> None:
    """Holds, waits and assignments of one conversation, from its events in seq order."""
    waiting: tuple[float, int] | None = (conv.created_at, 0)
    holder: tuple[str, float] | None = None
    closed = False
    previous = None
    for m in conv.messages:
        if m.event == "assigned":
            if closed or (holder is not None and (previous is None or previous.event != "transferred")):
                held = f"held by {holder[0]}" if holder else "closed"
                into.double.append(Violation("double_assigned", conv.id, None, f"seq {m.seq}: {held}"))
            wait = Wait(conv.id, waiting[0], m.created_at, waiting[1]) if waiting else None
            if wait is not None:
                into.waits.append(wait)
            into.assignments.append(Assignment(conv.id, m.agent, m.created_at, m.seq, wait))
            if holder is not None:
                into.holds.append(Hold(conv.id, holder[0], holder[1], m.created_at))
            holder, waiting = ((m.agent, m.created_at) if m.agent else None), None
        elif m.event in ("requeued", "closed"):
            if holder is not None:
                into.holds.append(Hold(conv.id, holder[0], holder[1], m.created_at))
            if waiting is not None and m.event == "closed":
                into.waits.append(Wait(conv.id, waiting[0], m.created_at, waiting[1]))
            holder = None
            waiting = (m.created_at, 1) if m.event == "requeued" else None
            closed = m.event == "closed"
        previous = m
    if holder is not None:
        into.holds.append(Hold(conv.id, holder[0], holder[1], math.inf))
    if waiting is not None:
        into.waits.append(Wait(conv.id, waiting[0], math.inf, waiting[1]))


def lifecycles(facts: Facts) -> Lifecycle:
    result = Lifecycle()
    for conv in sorted(facts.truth.conversations.values(), key=lambda c: number(c.id)):
        lifecycle(conv, result)
    return result


def check_observed(facts: Facts) -> list[Violation]:
    """What agents were told they hold agrees with the stored events at that ``last_seq``."""
    found: list[Violation] = []
    for e in facts.events:
        if facts.role.get(e["actor"]) != "agent":
            continue
        if e["kind"] == "assigned":
            seen = [(e["conversation"], "assigned", e["last_seq"])]
        elif e["kind"] == "session":
            seen = [(c, status, seq) for c, status, seq in e["conversations"] if status == "assigned"]
        else:
            continue
        me = facts.who.get(e["actor"])
        for conv_id, _, last_seq in seen:
            conv = facts.truth.conversations.get(conv_id)
            status, holder = state_at(conv, last_seq) if conv else ("missing", None)
            if status != "assigned" or holder != me:
                detail = f"told it holds the chat at seq {last_seq}; stored: {status} by {holder}"
                found.append(Violation("double_assigned", conv_id, e["actor"], detail))
    return found


def check_capacity(facts: Facts, life: Lifecycle) -> list[Violation]:
    """Each agent's number of held chats, in time order, never above its capacity."""
    changes: list[tuple[float, int, str, str]] = []
    for hold in life.holds:
        changes.append((hold.start, +1, hold.agent, hold.conversation))
        if hold.end != math.inf:
            changes.append((hold.end, -1, hold.agent, hold.conversation))
    load: dict[str, int] = defaultdict(int)
    found: list[Violation] = []
    for _, delta, agent, conv_id in sorted(changes):  # at one instant, releases (-1) come first
        load[agent] += delta
        capacity = facts.truth.capacities.get(agent)
        if delta > 0 and capacity is not None and load[agent] == capacity + 1:
            detail = f"{agent} holds {load[agent]} chats, capacity {capacity}"
            found.append(Violation("over_capacity", conv_id, facts.actor_of.get(agent), detail))
    return found


def _taken(facts: Facts) -> list[tuple[str | None, str, float, int | None]]:
    """(agent, conversation, time, seq) of every take by hand: attempts, and announced takes."""
    takes: list[tuple[str | None, str, float, int | None]] = []
    for e in facts.events:
        if e["kind"] == "action" and e.get("what") == "take":
            takes.append((facts.who.get(e["actor"]), e["conversation"], e["t"], None))
        elif e["kind"] == "assigned" and e.get("reason") == "taken":
            takes.append((facts.who.get(e["actor"]), e["conversation"], e["t"], e["last_seq"]))
    return takes


def check_queue(facts: Facts, life: Lifecycle, tolerance: float) -> list[Violation]:
    """No chat routed while one ranked ahead of it had waited longer than ``tolerance``."""
    takes = _taken(facts)

    def by_hand(a: Assignment) -> bool:
        return any(
            agent == a.agent and conv == a.conversation and (seq == a.seq or a.at - 10 <= t <= a.at + 0.5)
            for agent, conv, t, seq in takes
        )

    found: list[Violation] = []
    for a in life.assignments:
        if a.wait is None or by_hand(a):
            continue
        ahead = [
            w
            for w in life.waits
            if w.conversation != a.conversation
            and w.start <= a.at - tolerance
            and w.end > a.at
            and w.rank() < a.wait.rank()
        ]
        if ahead:
            first = min(ahead, key=Wait.rank)
            detail = f"routed at seq {a.seq} while {first.conversation} waited since {first.start:.3f}"
            found.append(Violation("unfair_queue", a.conversation, None, detail))
    return found


@dataclass(frozen=True)
class GraceRule:
    seconds: float  # the server's grace period
    tolerance: float  # clock noise between a client's disconnect and the server's timer
    slack: float  # how late after the period a requeue may come


def check_grace(facts: Facts, life: Lifecycle, rule: GraceRule) -> list[Violation]:
    grace, tolerance = rule.seconds, rule.tolerance
    found: list[Violation] = []
    for conv in facts.truth.conversations.values():
        for m in conv.messages:
            actor = facts.actor_of.get(m.agent or "")
            if m.event != "requeued" or actor is None:
                continue
            t = m.created_at
            if facts.connected(actor, t - tolerance, t + tolerance):
                found.append(Violation("early_requeue", conv.id, actor, f"seq {m.seq} while connected"))
                continue
            gone = facts.last_disconnect(actor, t + tolerance)
            if gone is not None and t < gone + grace - tolerance:
                detail = f"seq {m.seq} {t - gone:.2f} s after the agent left (grace {grace} s)"
                found.append(Violation("early_requeue", conv.id, actor, detail))
    return found + _forgotten(facts, life, rule)


def _forgotten(facts: Facts, life: Lifecycle, rule: GraceRule) -> list[Violation]:
    """Chats held by an agent that vanished and stayed away past the grace period were let go."""
    grace, tolerance, slack = rule.seconds, rule.tolerance, rule.slack
    found: list[Violation] = []
    for e in facts.events:
        if e["kind"] != "action" or e.get("what") != "vanish":
            continue
        actor, left = e["actor"], e["t"]
        back = min(
            (r["t"] for r in facts.events if r["kind"] == "action" and r.get("what") == "return"
             and r["actor"] == actor and r["t"] > left),
            default=math.inf,
        )  # fmt: skip
        deadline = left + grace
        for reset in facts.timer_resets():
            if left < reset <= deadline + slack:
                deadline = max(deadline, reset + grace)
        if back < deadline - tolerance:
            continue  # back in time: the agent keeps its chats
        agent = facts.who.get(actor)
        for hold in life.holds:
            if hold.agent == agent and hold.start <= left < hold.end and hold.end > deadline + slack:
                until = "never" if hold.end == math.inf else f"{hold.end - left:.1f} s after it left"
                detail = f"held by a vanished agent, let go {until} (grace {grace} s)"
                found.append(Violation("forgotten", hold.conversation, actor, detail))
    return found
