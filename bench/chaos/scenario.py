"""The seeded plan of a run: who connects where and when, how chatty each visitor is, which agent
takes chats by hand, which agent vanishes and when, and the faults' times."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    """The run's size, from the command line."""

    seconds: float = 60.0
    conversations: int = 50
    agents: int = 4
    capacity: int = 2
    processes: int = 1
    grace: float = 5.0
    vanish: bool = True


@dataclass(frozen=True)
class VisitorPlan:
    actor: str
    home: int  # index of the process it connects to first
    start_at: float  # seconds into the run
    gaps: tuple[float, ...]  # seconds before each of its messages


@dataclass(frozen=True)
class AgentPlan:
    actor: str
    name: str
    email: str
    capacity: int
    home: int
    # Away: routing gives it nothing, so it takes waiting chats by hand, in any order.
    taker: bool


@dataclass(frozen=True)
class Plan:
    visitors: tuple[VisitorPlan, ...]
    agents: tuple[AgentPlan, ...]
    vanish: tuple[float, str] | None  # (seconds into the run, agent actor); away grace + 1.5 s


def make_plan(shape: Shape, rng: random.Random) -> Plan:
    """Visitors start over the first 65% of the run, each sending 4-10 messages 0.3-1.2 s apart;
    agents and visitors are spread over the processes round robin."""
    starts = sorted(rng.uniform(0.0, 0.65 * shape.seconds) for _ in range(shape.conversations))
    visitors = tuple(
        VisitorPlan(
            actor=f"visitor-{n:03d}",
            home=n % shape.processes,
            start_at=round(at, 3),
            gaps=tuple(round(rng.uniform(0.3, 1.2), 3) for _ in range(rng.randint(4, 10))),
        )
        for n, at in enumerate(starts)
    )
    agents = tuple(
        AgentPlan(
            actor=f"agent-{n}",
            name=f"Chaos Agent {n}",
            email=f"agent{n}@chaos.local",
            capacity=shape.capacity,
            home=n % shape.processes,
            taker=shape.agents > 1 and n == shape.agents - 1,
        )
        for n in range(shape.agents)
    )
    vanish = None
    if shape.vanish and shape.agents > 2 and shape.seconds >= shape.grace + 10:
        vanish = (round(rng.uniform(0.25, 0.45) * shape.seconds, 3), agents[0].actor)
    return Plan(visitors, agents, vanish)
