"""The place in the queue each waiting visitor was last told, so that only those whose place
moved are told again (telling every waiting visitor on every change would cost an emit per
visitor per assignment). Shared by every process: a place told by one is corrected by another."""

from __future__ import annotations

from typing import Protocol


class QueuePlaces(Protocol):
    async def moved(self, places: dict[int, int]) -> list[int]:
        """Record the queue as it is now (conversation id -> place); return the conversations
        whose place differs from the one last recorded for them (not those recorded first now)."""
        ...

    async def told(self, conversation_id: int, place: int) -> None:
        """A visitor is being told this place."""
        ...


class LocalQueuePlaces:
    def __init__(self) -> None:
        self._places: dict[int, int] = {}

    async def moved(self, places: dict[int, int]) -> list[int]:
        moved = [c for c, place in places.items() if self._places.get(c, place) != place]
        self._places = dict(places)
        return moved

    async def told(self, conversation_id: int, place: int) -> None:
        self._places[conversation_id] = place
