"""Routing: who gets which conversation.

A new conversation goes to the online, connected agent with the most free capacity (ties: idle
longest). With no room anywhere it waits, first in first out; requeued chats go first. One routing
pass runs at a time, so no conversation is assigned twice and no agent goes over capacity.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from server.chat.background import Background
from server.chat.broadcast import Broadcaster
from server.chat.errors import ChatError, not_found
from server.chat.locks import ConversationLocks, RoutingLock
from server.chat.presence import Presence, PresenceUnavailable
from server.chat.queue_places import QueuePlaces
from server.chat.suggestions import Suggestions
from server.metrics import Metrics
from server.store.bundle import Stores
from server.store.conversations import Change, OverCapacity, VisitorBusy
from server.store.models import QUEUED, Agent, Author, Conversation

log = logging.getLogger("tandem.routing")


@dataclass
class _Candidate:
    agent: Agent
    load: int
    idle_since: float

    @property
    def free(self) -> int:
        return self.agent.capacity - self.load


class Router:
    """Assigns, takes, transfers, closes and requeues conversations."""

    def __init__(
        self,
        stores: Stores,
        presence: Presence,
        broadcaster: Broadcaster,
        locks: ConversationLocks,
        routing_lock: RoutingLock,
        places: QueuePlaces,
        metrics: Metrics,
        background: Background,
        suggestions: Suggestions,
    ) -> None:
        self._stores = stores
        self._suggestions = suggestions
        self._presence = presence
        self._out = broadcaster
        self._locks = locks
        self._metrics = metrics
        self._background = background
        # Serialises routing decisions, manual takes and transfers, in every process.
        self._routing = routing_lock
        self._pending = False
        # The place last told to each waiting visitor, to tell only those whose place moved.
        self._places = places

    def kick(self) -> None:
        """Ask for a routing pass soon; many kicks while one is pending make one pass."""
        if not self._pending:
            self._pending = True
            self._background.spawn(self._kicked(), "route")

    async def _kicked(self) -> None:
        self._pending = False
        await self.route()

    async def route(self) -> None:
        """Assign waiting conversations while some online agent has room."""
        async with self._routing():
            queue = await self._stores.conversations.queued()
            candidates = await self._candidates() if queue else []
            assigned = False
            for conv in queue:
                best = max(candidates, key=lambda c: (c.free, -c.idle_since), default=None)
                if best is None or best.free <= 0:
                    break
                try:
                    change = await self._assign(conv, best.agent, "routed", capacity=best.agent.capacity)
                except OverCapacity:  # a take or transfer elsewhere filled the agent meanwhile
                    best.load = best.agent.capacity
                    continue
                if change is not None:
                    best.load += 1
                    # Now the most recently served (presence clocks differ: wall or monotonic).
                    best.idle_since = max(c.idle_since for c in candidates) + 1
                    assigned = True
            if assigned:
                await self._queue_changed()

    async def take(self, agent: Agent, conversation_id: int, *, over_capacity: bool = False) -> Conversation:
        """An agent picks a waiting conversation by hand; with ``over_capacity`` (admins) even at
        capacity, and the conversation records that they did."""
        async with self._routing():
            conv = await self._stores.conversations.get(conversation_id)
            if conv is None:
                raise not_found()
            if conv.status != QUEUED:
                raise ChatError("not_queued", "The conversation is no longer waiting")
            try:
                change = await self._assign(conv, agent, "taken", capacity=agent.capacity)
            except OverCapacity:
                if not over_capacity:
                    raise ChatError("over_capacity", "You are at your capacity") from None
                held = len(await self._stores.conversations.assigned_to(agent.id))
                note = (
                    f"{agent.name} took the chat over their capacity "
                    f"({held + 1} chats, capacity {agent.capacity})"
                )
                log.info("a_%s takes c_%s over capacity", agent.id, conv.id)
                change = await self._assign(conv, agent, "taken", capacity=None, note=note)
            if change is None:
                raise ChatError("not_queued", "The conversation is no longer waiting")
            await self._queue_changed()
            return change.conversation

    async def transfer(self, agent: Agent, conv: Conversation, target: Agent, note: str) -> Conversation:
        """Hand an assigned conversation to another online agent with room."""
        async with self._routing():
            if (
                not (target.status == "online" and await self._presence.is_connected(target.id))
                or target.disabled
            ):
                raise ChatError("agent_unavailable", f"{target.name} is not online")
            async with self._locks(conv.id):
                try:
                    change = await self._stores.conversations.transfer(conv.id, agent, target, note)
                except OverCapacity:
                    raise ChatError("over_capacity", f"{target.name} is at capacity") from None
                if change is None:
                    raise ChatError("forbidden", "The conversation is not yours")
                await self._presence.mark_assigned(target.id)
                await self._out.removed(agent.id, conv, "transferred")
                await self._announce(change, target.id, "transferred")
        log.info("conversation c_%s transferred from a_%s to a_%s", conv.id, agent.id, target.id)
        await self._out.agents_changed()
        self.kick()  # the source agent has room again
        return change.conversation

    async def close(self, conv: Conversation, by: Author) -> Conversation:
        async with self._locks(conv.id):
            change = await self._stores.conversations.close(conv.id, by)
            if change is None:
                raise ChatError("conversation_closed", "The conversation is closed")
            closed = change.conversation
            if closed.agent_id is not None:
                await self._out.to_agent(
                    closed.agent_id,
                    "conversation.updated",
                    {"conversation": await self._out.agent_view(closed)},
                )
            await self._out.visitor_state(closed)
            for event in change.events:
                await self._out.message(closed, event)
        log.info("conversation c_%s closed by %s", conv.id, by.type)
        if conv.status == QUEUED:
            await self.queue_changed()
        else:
            await self._out.agents_changed()
            self.kick()
        return closed

    async def reopen(self, agent: Agent, conv: Conversation) -> Conversation:
        """Open a closed conversation again for the agent who asks: they meant to pick it up, so it
        is theirs, not the queue's (docs/protocol.md, ``conversation.reopen``)."""
        async with self._routing(), self._locks(conv.id):
            try:
                change = await self._stores.conversations.reopen(conv.id, agent, capacity=agent.capacity)
            except OverCapacity:
                raise ChatError("over_capacity", "You are at your capacity") from None
            except VisitorBusy as busy:
                message = f"The visitor is in another open conversation (c_{busy.args[0]})"
                raise ChatError("conflict", message) from None
            if change is None:
                raise ChatError("not_closed", "The conversation is open")
            await self._presence.mark_assigned(agent.id)
            await self._announce(change, agent.id, "reopened")
        log.info("conversation c_%s reopened by a_%s", conv.id, agent.id)
        await self._out.agents_changed()
        return change.conversation

    async def requeue(self, agent: Agent) -> None:
        """Put a vanished agent's conversations back at the front of the queue."""
        changes = await self._stores.conversations.requeue_agent(agent)
        for change in changes:
            async with self._locks(change.conversation.id):
                await self._out.removed(agent.id, change.conversation, "requeued")
                # The visitor hears they are waiting again (docs/protocol.md: sent on requeue).
                position = await self.queue_position(change.conversation)
                await self._out.visitor_state(change.conversation, position)
                for event in change.events:
                    await self._out.message(change.conversation, event)
        if changes:
            log.info("requeued %d conversations of a_%s", len(changes), agent.id)
            await self.queue_changed()
            await self._out.agents_changed()
            await self.route()

    async def queue_changed(self) -> None:
        """Tell agents the queue, and waiting visitors whose place in it moved."""
        async with self._routing():
            await self._queue_changed()

    async def _queue_changed(self) -> None:
        # Under the routing lock: what one process tells is ordered before what the next tells.
        queue = await self._stores.conversations.queued()
        self._metrics.queue_length.set(len(queue))
        places = {c.id: n for n, c in enumerate(queue, start=1)}
        moved = set(await self._places.moved(places))
        await self._out.queue_changed(queue, [(c, places[c.id]) for c in queue if c.id in moved])

    async def queue_position(self, conv: Conversation) -> int | None:
        if conv.status != QUEUED:
            return None
        async with self._routing():
            ids = [c.id for c in await self._stores.conversations.queued()]
            if conv.id not in ids:
                return None
            # Every caller tells the visitor this place: remember it, so the next queue_changed()
            # corrects it if the queue moved meanwhile (else a place read just before a routing
            # pass stays stale).
            place = ids.index(conv.id) + 1
            await self._places.told(conv.id, place)
            return place

    async def agents_online(self) -> bool:
        """Whether any agent could take a chat now (the widget offers "leave a message" if not);
        False while presence cannot be read (Redis away): visitors are still served."""
        try:
            return bool(await self._candidates())
        except PresenceUnavailable as error:
            log.warning("who is online is unknown now: %s", error)
            return False

    async def _candidates(self) -> list[_Candidate]:
        connected = await self._presence.connected()
        agents = [
            a
            for a in await self._stores.agents.all()
            if a.id in connected and a.status == "online" and not a.disabled
        ]
        loads = await self._stores.conversations.loads()
        idle = await self._presence.idle_since([a.id for a in agents])
        return [_Candidate(a, loads.get(a.id, 0), idle[a.id]) for a in agents]

    async def _assign(
        self, conv: Conversation, agent: Agent, reason: str, *, capacity: int | None, note: str | None = None
    ) -> Change | None:
        async with self._locks(conv.id):
            change = await self._stores.conversations.assign(conv.id, agent, capacity=capacity, note=note)
            if change is None:
                return None
            await self._presence.mark_assigned(agent.id)
            assigned = change.conversation
            if assigned.queued_at is not None and assigned.assigned_at is not None:
                self._metrics.wait_seconds.observe(assigned.assigned_at - assigned.queued_at)
            await self._announce(change, agent.id, reason)
        log.info("conversation c_%s assigned to a_%s (%s)", conv.id, agent.id, reason)
        await self._out.agents_changed()
        return change

    async def _announce(self, change: Change, agent_id: int, reason: str) -> None:
        conv = change.conversation
        view = await self._out.agent_view(conv)
        await self._out.to_agent(agent_id, "conversation.assigned", {"conversation": view, "reason": reason})
        await self._out.visitor_state(conv)
        for event in change.events:
            await self._out.message(conv, event)
        # The agent who now has the chat sees suggestions for the conversation so far.
        self._suggestions.for_conversation(conv)
