"""Message delivery: store first, then announce, in seq order; replay what a client missed."""

from __future__ import annotations

import time
from dataclasses import dataclass

from server.chat.broadcast import Broadcaster
from server.chat.errors import ChatError
from server.chat.locks import ConversationLocks
from server.chat.suggestions import Suggestions
from server.metrics import Metrics
from server.store.bundle import Stores
from server.store.messages import Appended, ConversationClosed
from server.store.models import QUEUED, Author, Conversation, Message

# One replay page: enough for any normal gap, small enough to keep one acknowledgement light.
REPLAY_PAGE = 500


@dataclass(frozen=True)
class Replay:
    messages: list[Message]
    more: bool


class Delivery:
    """Sends messages into conversations and replays them."""

    def __init__(
        self,
        stores: Stores,
        broadcaster: Broadcaster,
        locks: ConversationLocks,
        metrics: Metrics,
        suggestions: Suggestions,
    ) -> None:
        self._stores = stores
        self._suggestions = suggestions
        self._out = broadcaster
        self._locks = locks
        self._metrics = metrics

    async def do_send(
        self,
        conv: Conversation,
        author: Author,
        text: str,
        client_id: str,
        *,
        private: bool = False,
        skip_sid: str | None = None,
    ) -> Appended:
        """Store a message (once per client_id) and pass it on; says whether this call stored it."""
        async with self._locks(conv.id):
            try:
                appended = await self._stores.messages.append(
                    conv.id, author, text, client_id=client_id, private=private
                )
            except ConversationClosed:
                raise ChatError("conversation_closed", "The conversation is closed") from None
            if appended.created:
                self._metrics.messages.labels(author=author.type).inc()
                if author.type == "agent" and not private and conv.first_response_at is None:
                    self._metrics.first_response_seconds.observe(time.time() - conv.created_at)
                # The conversation as the append's transaction left it (under this lock), not as the
                # caller loaded it: it may have been transferred since.
                current = appended.conversation or conv
                await self._out.message(current, appended.message, skip_sid)
                if author.type == "visitor":
                    self._suggestions.for_conversation(current)
                if current.status == QUEUED:
                    # Agents see each waiting chat's latest message in the queue.
                    await self._out.queue_changed(await self._stores.conversations.queued(), [])
        return appended

    async def replay(self, conv: Conversation, last_seq: int, *, include_private: bool) -> Replay:
        """Messages after ``last_seq``, in order, one page at a time."""
        messages = await self._stores.messages.since(
            conv.id, last_seq, include_private=include_private, limit=REPLAY_PAGE + 1
        )
        return Replay(messages[:REPLAY_PAGE], more=len(messages) > REPLAY_PAGE)
