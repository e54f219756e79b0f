"""Live agent assist: suggestions to a conversation's agent, and what agents do with them.

The assist loads its model in the background at start-up; until it is ready (or when it is off)
chats work exactly the same, without suggestions.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from server.chat.assist_port import AssistPort
from server.chat.background import Background
from server.chat.broadcast import Broadcaster
from server.chat.views import cid
from server.store.bundle import Stores
from server.store.models import Agent, Conversation

log = logging.getLogger("tandem.assist")

# Recent visitor turns give context ("it still hasn't come" after "I ordered a card").
VISITOR_TURNS = 3
URL_RE = re.compile(r"https?://\S+")


class AssistSlot:
    """Holds the assist once it has loaded; empty while loading, or when the assist is off."""

    def __init__(self) -> None:
        self.assist: AssistPort | None = None


class Suggestions:
    """Asks the assist about conversations and tells their agents; records agents' choices."""

    def __init__(
        self, slot: AssistSlot, stores: Stores, broadcaster: Broadcaster, background: Background
    ) -> None:
        self._slot = slot
        self._stores = stores
        self._out = broadcaster
        self._background = background
        # Conversations with a suggestion round running → whether a newer visitor message came
        # in meanwhile (one more round follows, for the conversation as it is then).
        self._rounds: dict[int, bool] = {}

    @property
    def ready(self) -> bool:
        return self._slot.assist is not None

    def for_conversation(self, conv: Conversation) -> None:
        """Suggest for the conversation so far, in the background (chat delivery never waits).

        At most one round per conversation runs at a time: messages that arrive during a round
        collapse into one more round afterwards, so a visitor typing in bursts, or an assist that
        falls behind, costs one query per conversation instead of one per message, and the agent
        always ends with suggestions for the latest message.
        """
        if not self.ready or conv.agent_id is None:
            return
        if conv.id in self._rounds:
            self._rounds[conv.id] = True
            return
        self._rounds[conv.id] = False
        self._background.spawn(self._run_rounds(conv.id), f"suggest-c_{conv.id}")

    async def _run_rounds(self, conversation_id: int) -> None:
        try:
            while True:
                await self._suggest(conversation_id)
                if not self._rounds[conversation_id]:
                    return
                self._rounds[conversation_id] = False
        finally:
            del self._rounds[conversation_id]

    async def _suggest(self, conversation_id: int) -> None:
        assist = self._slot.assist
        conv = await self._stores.conversations.get(conversation_id)
        if assist is None or conv is None or conv.agent_id is None or not conv.is_open:
            return
        turns = await self._stores.messages.recent_texts(conv.id, "visitor", VISITOR_TURNS)
        if not turns:
            return
        suggestions = await assist.suggest([m.text for m in turns])
        payload = {
            "conversation_id": cid(conv.id),
            "for_seq": turns[-1].seq,
            "suggestions": [s.to_json() for s in suggestions],
        }
        await self._out.to_agent(conv.agent_id, "assist.suggestions", payload)
        for s in suggestions:
            await assist.record(
                "shown",
                conversation_id=conv.id,
                agent_id=conv.agent_id,
                article_id=s.article_id,
                message=turns[-1].text,
                score=s.score,
            )
        if not suggestions:
            await assist.record("no_suggestion", conversation_id=conv.id, message=turns[-1].text)

    async def do_search(self, query: str) -> list[dict[str, Any]]:
        """An agent's own search (no confidence threshold)."""
        assist = self._slot.assist
        if assist is None:
            return []
        return [s.to_json() for s in await assist.search(query)]

    async def do_feedback(self, agent: Agent, conv: Conversation, article_id: str, action: str) -> None:
        """Record an insert or a dismissal; both teach the assist about the latest visitor turn."""
        assist = self._slot.assist
        if assist is None:
            return
        message = await self._last_visitor_text(conv)
        if action == "inserted":
            await assist.record(
                "inserted", conversation_id=conv.id, agent_id=agent.id, article_id=article_id, message=message
            )
        else:
            await assist.record(
                "dismissed",
                conversation_id=conv.id,
                agent_id=agent.id,
                article_id=article_id,
                message=message,
            )

    async def on_agent_sent(
        self, agent: Agent, conv: Conversation, text: str, used: dict[str, Any] | None
    ) -> None:
        """An agent sent a reply: record a sent suggestion (and how much they changed it), or a
        sent article link, as a use of that article for the visitor's message."""
        assist = self._slot.assist
        if assist is None:
            return
        message = await self._last_visitor_text(conv)
        article_id = used.get("article_id") if used else None
        if article_id is None and URL_RE.search(text):
            urls = {m.group(0).rstrip(".,;:!?)") for m in URL_RE.finditer(text)}
            article_id = next((a.id for a in await assist.articles() if a.url in urls), None)
        if isinstance(article_id, str):
            draft = used.get("draft") if used and isinstance(used.get("draft"), str) else None
            await assist.record(
                "sent",
                conversation_id=conv.id,
                agent_id=agent.id,
                article_id=article_id,
                message=message,
                draft=draft,
                sent_text=text if draft is not None else None,
            )

    async def _last_visitor_text(self, conv: Conversation) -> str | None:
        turns = await self._stores.messages.recent_texts(conv.id, "visitor", 1)
        return turns[-1].text if turns else None
