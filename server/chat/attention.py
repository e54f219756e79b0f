"""What gets an agent's attention: how far they have read each conversation (unread counts that
survive a reload) and how they want to be told of new chats and messages (sound, desktop
notification). Both are kept per agent in the database, so they follow the agent to any tab,
browser or server process; the agent's other tabs hear of a change through their room."""

from __future__ import annotations

import logging
from typing import Any

from server.chat.broadcast import Broadcaster
from server.chat.checks import check_int
from server.chat.errors import bad_request
from server.chat.views import cid
from server.store.bundle import Stores
from server.store.models import Agent, Conversation
from server.store.preferences import PREFERENCE_NAMES
from server.store.reads import ReadState

log = logging.getLogger("tandem.attention")


def read_view(state: ReadState) -> dict[str, Any]:
    return {
        "conversation_id": cid(state.conversation_id),
        "last_read_seq": state.last_read_seq,
        "unread": state.unread,
    }


def check_preferences(data: dict[str, Any]) -> dict[str, bool]:
    """The switches a ``preferences.set`` names: at least one, each true or false."""
    changes = {name: data[name] for name in PREFERENCE_NAMES if name in data}
    if not changes:
        raise bad_request(f"Name at least one of {', '.join(PREFERENCE_NAMES)}")
    for name, value in changes.items():
        if not isinstance(value, bool):
            raise bad_request(f"'{name}' must be true or false")
    return changes


class Attention:
    def __init__(self, stores: Stores, broadcaster: Broadcaster) -> None:
        self._stores = stores
        self._out = broadcaster

    async def session_part(self, agent: Agent, conversations: list[Conversation]) -> dict[str, Any]:
        """The ``reads`` and ``preferences`` of an agent's ``session``."""
        states = await self._stores.reads.states(agent.id, [c.id for c in conversations])
        preferences = await self._stores.preferences.get(agent.id)
        return {"reads": [read_view(s) for s in states], "preferences": preferences.view()}

    async def do_mark_read(
        self, agent: Agent, conv: Conversation, data: dict[str, Any], sid: str
    ) -> dict[str, Any]:
        """The agent has seen ``conv`` up to ``data["seq"]`` (never past its last message); their
        other tabs hear of it when the mark moved."""
        if "seq" not in data:
            raise bad_request("'seq' is required")
        seq = min(check_int(data, "seq"), conv.last_seq)
        state, moved = await self._stores.reads.mark(agent.id, conv.id, seq)
        view = read_view(state)
        if moved:
            await self._out.to_agent(agent.id, "read.updated", view, skip_sid=sid)
        return view

    async def do_set_preferences(self, agent: Agent, data: dict[str, Any], sid: str) -> dict[str, Any]:
        preferences = (await self._stores.preferences.update(agent.id, check_preferences(data))).view()
        log.info("agent a_%s notification preferences: %s", agent.id, preferences)
        await self._out.to_agent(agent.id, "preferences.updated", {"preferences": preferences}, skip_sid=sid)
        return preferences
