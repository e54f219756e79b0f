"""The history checker: a run's history against the stored truth, as a list of broken promises.

``check(events, truth, options)`` returns a :class:`Result`; ``python -m bench.chaos.checker
HISTORY TRUTH`` checks a saved run again (the options come from the history's ``run`` event).
The promises and the kinds of violation are described in ``delivery_checks`` and
``routing_checks``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

from bench.chaos.delivery_checks import (
    check_acks,
    check_receipts,
    check_streams,
    check_undelivered,
    check_views,
    collect_views,
)
from bench.chaos.facts import Facts, Violation
from bench.chaos.history import Event, read_history
from bench.chaos.routing_checks import (
    GraceRule,
    check_capacity,
    check_grace,
    check_observed,
    check_queue,
    lifecycles,
)
from bench.chaos.truth import Truth

KINDS = (
    "lost",
    "misplaced",
    "duplicated",
    "gap",
    "unseen",
    "diverged",
    "reordered",
    "skipped",
    "undelivered",
    "double_assigned",
    "over_capacity",
    "unfair_queue",
    "early_requeue",
    "forgotten",
)


@dataclass(frozen=True)
class CheckOptions:
    # The server's TANDEM_AGENT_GRACE_SECONDS; None skips the grace checks.
    grace_seconds: float | None = None
    # Clock noise between the clients' disconnects and the server's timers.
    grace_tolerance: float = 0.25
    # A requeue this long after the grace period ended is late but not forgotten.
    requeue_slack: float = 5.0
    # The longest a routing pass works from its snapshot of the queue.
    queue_tolerance: float = 1.0
    # Time for a live message to arrive; also how close to the settling sync a message may be
    # stored and still be fetched by it alone.
    delivery_tolerance: float = 1.0
    # One process sends a conversation's live messages in seq order. Several cannot (two processes
    # emit at once through Redis): there a message out of order is a gap like any other, which the
    # client fills with a sync (``skipped`` still holds them to that).
    ordered_live: bool = True

    @staticmethod
    def from_history(events: list[Event]) -> CheckOptions:
        for e in events:
            if e["kind"] == "run" and e.get("phase") == "start":
                return CheckOptions(**e.get("check", {}))
        return CheckOptions()


@dataclass
class Result:
    violations: list[Violation] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(v.kind for v in self.violations)
        return {kind: found.get(kind, 0) for kind in KINDS}

    @property
    def found(self) -> dict[str, int]:
        """Only the kinds with violations: ``{}`` for a clean run (handy in assertions)."""
        return {kind: n for kind, n in self.counts.items() if n}

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self, show: int = 20) -> str:
        s = self.stats
        faults = ", ".join(f"{name} ×{n}" for name, n in sorted(s.get("faults", {}).items())) or "none"
        types = ", ".join(f"{n} {t}" for t, n in sorted(s.get("stored_by_type", {}).items()))
        lines = [
            f"conversations {s.get('conversations', 0)}, messages stored {s.get('stored', 0)} ({types}),"
            f" sends acknowledged {s.get('acked', 0)} ({s.get('resends', 0)} resends),"
            f" live receipts {s.get('receipts', 0)}, syncs {s.get('syncs', 0)},"
            f" connections {s.get('connections', 0)}",
            f"faults injected {s.get('faults_total', 0)}: {faults}",
            " · ".join(f"{kind.replace('_', '-')} {n}" for kind, n in self.counts.items()),
        ]
        lines += [f"  {v}" for v in self.violations[:show]]
        if len(self.violations) > show:
            lines.append(f"  … and {len(self.violations) - show} more")
        lines.append("OK: every promise held" if self.ok else f"FAILED: {len(self.violations)} violations")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {"counts": self.counts, "stats": self.stats, "violations": [asdict(v) for v in self.violations]},
            indent=1,
        )


def check(events: list[Event], truth: Truth, options: CheckOptions | None = None) -> Result:
    """Every promise, checked; violations in the order of :data:`KINDS`."""
    options = options or CheckOptions()
    facts = Facts.build(events, truth)
    views = collect_views(facts)
    receipts, skipped = check_receipts(facts, ordered=options.ordered_live)
    life = lifecycles(facts)
    found = [
        *check_acks(facts),
        *check_streams(facts),
        *check_views(facts, views),
        *receipts,
        *check_undelivered(facts, views, skipped, options.delivery_tolerance),
        *life.double,
        *check_observed(facts),
        *check_capacity(facts, life),
        *check_queue(facts, life, options.queue_tolerance),
    ]
    if options.grace_seconds is not None:
        rule = GraceRule(options.grace_seconds, options.grace_tolerance, options.requeue_slack)
        found += check_grace(facts, life, rule)
    found.sort(key=lambda v: KINDS.index(v.kind))
    return Result(found, stats(events, truth))


def stats(events: list[Event], truth: Truth) -> dict[str, Any]:
    kinds = Counter(e["kind"] for e in events)
    acked = {(e["conversation"], e["client_id"]) for e in events if e["kind"] == "ack" and e["ok"]}
    sends = Counter(e["client_id"] for e in events if e["kind"] == "send")
    faults = Counter(e["name"] for e in events if e["kind"] == "fault" and e["phase"] == "start")
    stored = [m for c in truth.conversations.values() for m in c.messages]
    return {
        "conversations": len(truth.conversations),
        "stored": len(stored),
        "stored_by_type": dict(Counter(m.type for m in stored)),
        "acked": len(acked),
        "resends": sum(n - 1 for n in sends.values()),
        "receipts": kinds["receive"],
        "syncs": kinds["sync"],
        "connections": kinds["connect"],
        "faults": dict(faults),
        "faults_total": sum(faults.values()),
    }


@click.command()
@click.argument("history", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("truth", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def main(history: Path, truth: Path) -> None:
    """Check a saved HISTORY (JSON lines) against a saved TRUTH (JSON)."""
    events = read_history(history)
    result = check(events, Truth.load(truth), CheckOptions.from_history(events))
    click.echo(result.summary())
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
