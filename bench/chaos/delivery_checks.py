"""The delivery promises (docs/protocol.md, Delivery), checked against the stored truth.

* every acknowledged message is stored exactly once, at the acknowledged seq (``lost``,
  ``misplaced``, ``duplicated``), and each stream is gap-free (``gap``);
* what a participant holds matches what is stored (``diverged``), and at the end the visitor and
  the conversation's last agent hold the whole stream as they may see it (``unseen``);
* on one connection live messages arrive in seq order (``reordered``); a live message beyond one
  the participant lacks is followed by a ``sync`` that covers it (``skipped``); a message announced
  while the participant was connected reaches it live or by a sync before the settling one at the
  end (``undelivered``: an emit lost with nothing to tell the client).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from bench.chaos.facts import Facts, Violation, holders, visible
from bench.chaos.history import UNANSWERED

Key = tuple[str, str]  # (actor, conversation)


@dataclass
class Held:
    """One message a participant holds, and how it got it (ack, live, sync, final)."""

    summary: dict[str, Any]
    sources: set[str] = field(default_factory=set)
    conflict: dict[str, Any] | None = None


@dataclass
class Views:
    held: dict[Key, dict[int, Held]] = field(default_factory=lambda: defaultdict(dict))
    first_final: dict[Key, float] = field(default_factory=dict)

    def hold(self, key: Key, summary: dict[str, Any], source: str) -> None:
        entry = self.held[key].setdefault(summary["seq"], Held(summary))
        entry.sources.add(source)
        if summary != entry.summary and entry.conflict is None:
            entry.conflict = summary


def collect_views(facts: Facts) -> Views:
    """What each participant holds of each conversation at the end, from its acks, live messages
    and syncs."""
    views = Views()
    for e in facts.events:
        kind = e["kind"]
        if kind == "ack" and e["ok"]:
            views.hold((e["actor"], e["conversation"]), e["message"], "ack")
        elif kind == "receive":
            views.hold((e["actor"], e["conversation"]), e["message"], "live")
        elif kind == "sync" and e["ok"]:
            key = (e["actor"], e["conversation"])
            source = "final" if e.get("final") else "sync"
            if source == "final":
                views.first_final.setdefault(key, e["t"])
            for summary in e["messages"]:
                views.hold(key, summary, source)
    return views


def check_acks(facts: Facts) -> list[Violation]:
    """Each acknowledged client_id is stored in its conversation, at the seq its ack gave."""
    stored: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for conv in facts.truth.conversations.values():
        for m in conv.messages:
            if m.client_id is not None:
                stored[conv.id][m.client_id].append(m.seq)
    found: list[Violation] = []
    reported: set[tuple[str, str, int | None]] = set()
    for e in facts.events:
        if e["kind"] != "ack" or not e["ok"]:
            continue
        conv, client_id, seq = e["conversation"], e["client_id"], e["message"]["seq"]
        seqs = stored[conv].get(client_id, [])
        if not seqs and (conv, client_id, None) not in reported:
            reported.add((conv, client_id, None))
            found.append(Violation("lost", conv, e["actor"], f"{client_id} acked at seq {seq}, not stored"))
        elif seqs and seq not in seqs and (conv, client_id, seq) not in reported:
            reported.add((conv, client_id, seq))
            found.append(
                Violation("misplaced", conv, e["actor"], f"{client_id} acked at seq {seq}, stored at {seqs}")
            )
    return found


def check_streams(facts: Facts) -> list[Violation]:
    """Each stored stream is 1, 2, 3, … once each, and holds each client_id once."""
    found: list[Violation] = []
    for conv in facts.truth.conversations.values():
        seqs = Counter(m.seq for m in conv.messages)
        for seq, n in sorted(seqs.items()):
            if n > 1:
                found.append(Violation("duplicated", conv.id, None, f"seq {seq} stored {n} times"))
        client_ids = Counter(m.client_id for m in conv.messages if m.client_id is not None)
        for client_id, n in sorted(client_ids.items()):
            if n > 1:
                found.append(Violation("duplicated", conv.id, None, f"{client_id} stored {n} times"))
        missing = [seq for seq in range(1, max(seqs, default=0) + 1) if seq not in seqs]
        for first, last in _runs(missing):
            found.append(Violation("gap", conv.id, None, f"no message at seq {first}..{last}"))
    return found


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """[3, 4, 7] -> [(3, 4), (7, 7)]: one gap per hole, however wide."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def check_views(facts: Facts, views: Views) -> list[Violation]:
    found: list[Violation] = []
    for (actor, conv_id), held in sorted(views.held.items()):
        conv = facts.truth.conversations.get(conv_id)
        by_seq = {m.seq: m for m in conv.messages} if conv else {}
        role = facts.role.get(actor, "agent")
        for seq, entry in sorted(held.items()):
            if entry.sources == {"ack"}:
                continue  # the sender's own message: check_acks judges it
            stored = by_seq.get(seq)
            if entry.conflict is not None:
                detail = f"two messages at seq {seq}: {entry.summary} and {entry.conflict}"
            elif stored is None:
                detail = f"holds seq {seq}, which is not stored"
            elif not visible(stored, role):
                detail = f"holds private seq {seq}"
            elif stored.summary() != entry.summary:
                detail = f"holds {entry.summary} at seq {seq}, stored {stored.summary()}"
            else:
                continue
            found.append(Violation("diverged", conv_id, actor, detail))
    for conv in facts.truth.conversations.values():
        for actor in facts.conversation_actors(conv):
            held = views.held.get((actor, conv.id), {})
            role = facts.role.get(actor, "agent")
            for m in conv.messages:
                if visible(m, role) and m.seq not in held:
                    found.append(Violation("unseen", conv.id, actor, f"never held seq {m.seq} ({m.type})"))
    return found


def _by_conversation(facts: Facts) -> dict[Key, list[tuple[int, dict[str, Any]]]]:
    """Each participant's acks, live messages and answered syncs per conversation, with their
    index. A sync the server refused (the chat is someone else's now) was answered: the client did
    ask again."""
    result: dict[Key, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for i, e in enumerate(facts.events):
        if not e.get("conversation") or e["kind"] not in ("ack", "receive", "sync"):
            continue
        if e.get("ok", True) or (e["kind"] == "sync" and e.get("error") not in UNANSWERED):
            result[(e["actor"], e["conversation"])].append((i, e))
    return result


def check_receipts(
    facts: Facts, *, ordered: bool = True
) -> tuple[list[Violation], set[tuple[str, str, int]]]:
    """``reordered`` (when live messages must arrive in order: ``ordered``) and ``skipped``; also
    the (actor, conversation, seq) each skip left out."""
    found: list[Violation] = []
    skipped: set[tuple[str, str, int]] = set()
    for (actor, conv_id), items in sorted(_by_conversation(facts).items()):
        conv = facts.truth.conversations.get(conv_id)
        role = facts.role.get(actor, "agent")
        stream = [m.seq for m in conv.messages if visible(m, role)] if conv else []
        held: set[int] = set()
        top: dict[int, int] = {}  # connection -> highest seq heard live on it
        gaps: list[tuple[int, int, list[int]]] = []
        syncs: list[tuple[int, int]] = []  # (index, after) of the syncs before the settling one
        for i, e in items:
            if e["kind"] == "ack" and e["ok"]:
                held.add(e["message"]["seq"])
            elif e["kind"] == "sync":
                held.update(s["seq"] for s in e["messages"])
                if not e.get("final"):
                    syncs.append((i, e["after"]))
            else:
                seq, n = e["message"]["seq"], e.get("n", 0)
                if ordered and seq < top.get(n, 0):
                    found.append(Violation("reordered", conv_id, actor, f"seq {seq} after {top[n]}"))
                top[n] = max(top.get(n, 0), seq)
                missing = [v for v in stream if v < seq and v not in held]
                if missing:
                    gaps.append((i, seq, missing))
                held.add(seq)
        for i, seq, missing in gaps:
            left = [v for v in missing if not any(j > i and after < v for j, after in syncs)]
            if left:
                skipped.update((actor, conv_id, v) for v in left)
                found.append(Violation("skipped", conv_id, actor, f"heard {seq} live without {left}"))
    return found, skipped


def check_undelivered(
    facts: Facts, views: Views, skipped: set[tuple[str, str, int]], tolerance: float
) -> list[Violation]:
    """A message announced to a connected participant that only the settling sync brought."""
    found: list[Violation] = []
    for conv in facts.truth.conversations.values():
        hold = holders(conv)
        for m in conv.messages:
            audience = [conv.visitor] if not m.private else []
            audience += [a for a in (hold.get(m.seq),) if a is not None]
            for who in audience:
                actor = facts.actor_of.get(who)
                key = (actor or "", conv.id)
                entry = views.held.get(key, {}).get(m.seq)
                if actor is None or who == m.author or entry is None or entry.sources != {"final"}:
                    continue
                if (actor, conv.id, m.seq) in skipped or m.created_at > views.first_final[key] - tolerance:
                    continue
                if facts.connected(actor, m.created_at, m.created_at + tolerance):
                    detail = f"seq {m.seq} ({m.type}) announced while connected, held only after settling"
                    found.append(Violation("undelivered", conv.id, actor, detail))
    return found
