"""What the people do: visitors chat, agents answer, close, transfer and take chats by hand, one
agent vanishes for longer than the grace period. Every choice comes from seeded generators."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench.chaos.participants import AgentClient, VisitorClient
from bench.chaos.scenario import AgentPlan, VisitorPlan


class RunClock:
    """Seconds since the run started; sleeps that end early when the run stops."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.started = time.monotonic()
        self.stop = stop

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    async def sleep(self, seconds: float) -> bool:
        """Sleep; False if the run stopped meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), max(0.0, seconds))
        return not self.stop.is_set()

    async def until(self, at: float) -> bool:
        return await self.sleep(at - self.elapsed())

    async def wait_for(self, condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline or not await self.sleep(0.05):
                return False
        return True


def client_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


async def visitor_script(client: VisitorClient, plan: VisitorPlan, clock: RunClock, seed: int) -> None:
    """Arrive at the planned time, start a chat (through faults: retried), send the planned
    messages until the chat is closed."""
    rng = random.Random(f"{seed}/{plan.actor}")
    if not await clock.until(plan.start_at):
        return
    client.start()
    if not await clock.wait_for(lambda: client.who is not None, timeout=30):
        return
    for _ in range(60):
        if await client.start_conversation():
            break
        if not await clock.sleep(0.5):
            return
    for k, gap in enumerate(plan.gaps):
        if not await clock.sleep(gap) or client.closed:
            return
        client.send(client_id(rng), f"{client.actor} says {k}")


class AgentBrain:
    """Answers each visitor message (a private note now and then); after 2-4 answers closes the
    chat, or sometimes hands it to a colleague; closes chats gone quiet. A taker stays away and
    takes waiting chats by hand."""

    def __init__(
        self, client: AgentClient, plan: AgentPlan, colleagues: list[str], clock: RunClock, seed: int
    ) -> None:
        self.client, self.plan, self.clock = client, plan, clock
        self.colleagues = colleagues  # ids of agents chats may be transferred to
        self.seed = seed
        self.rng = random.Random(f"{seed}/{plan.actor}")
        self.inbox: asyncio.Queue[str] = asyncio.Queue()
        self.replies: dict[str, int] = {}
        self.transferred: set[str] = set()
        self.last_heard: dict[str, float] = {}
        client.on_message = self._heard
        client.on_assigned = lambda conv: self.last_heard.__setitem__(conv, time.monotonic())

    def _heard(self, conversation: str, message: dict[str, Any]) -> None:
        if message.get("author", {}).get("type") == "visitor":
            self.last_heard[conversation] = time.monotonic()
            self.inbox.put_nowait(conversation)

    async def run(self) -> None:
        status = "away" if self.plan.taker else "online"
        for _ in range(20):
            if await self.client.set_status(status) or not await self.clock.sleep(0.5):
                break
        await asyncio.gather(self._answer(), self._sweep(), *([self._take()] if self.plan.taker else []))

    def _target(self, conversation: str) -> int:
        return random.Random(f"{self.seed}/{self.plan.actor}/{conversation}").randint(2, 4)

    async def _answer(self) -> None:
        while not self.clock.stop.is_set():
            try:
                conv = await asyncio.wait_for(self.inbox.get(), 0.5)
            except TimeoutError:
                continue
            if not await self.clock.sleep(self.rng.uniform(0.1, 0.5)):
                return
            if conv not in self.client.active or not self.client.connected:
                continue
            n = self.replies[conv] = self.replies.get(conv, 0) + 1
            if self.rng.random() < 0.15:
                self.client.send(client_id(self.rng), f"note {n}", conversation=conv, private=True)
            self.client.send(client_id(self.rng), f"{self.plan.actor} answers {n}", conversation=conv)
            if n >= self._target(conv):
                await self._finish(conv)

    async def _finish(self, conv: str) -> None:
        if conv not in self.transferred and self.colleagues and self.rng.random() < 0.2:
            self.transferred.add(conv)
            if await self.client.transfer(conv, self.rng.choice(self.colleagues)):
                return
        await self.client.close_chat(conv)

    async def _sweep(self) -> None:
        """Close chats whose visitor has been quiet a while (their plan ran out)."""
        while await self.clock.sleep(1.0):
            now = time.monotonic()
            for conv in sorted(self.client.active):
                heard = self.last_heard.setdefault(conv, now)
                if self.client.connected and now - heard > 6.0:
                    await self.client.close_chat(conv)

    async def _take(self) -> None:
        while await self.clock.sleep(self.rng.uniform(1.5, 3.0)):
            client = self.client
            if client.connected and len(client.active) < self.plan.capacity and client.queue:
                await client.take(self.rng.choice(client.queue))


async def vanish_script(client: AgentClient, at: float, away: float, clock: RunClock) -> None:
    """The agent's connection goes at ``at`` and stays gone ``away`` seconds (the run's end
    brings it back too)."""
    if not await clock.until(at):
        return
    client.record("action", what="vanish", conversation=None)
    await client.leave()
    await clock.sleep(away)
    client.record("action", what="return", conversation=None)
    client.come_back()
