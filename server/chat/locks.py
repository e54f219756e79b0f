"""Ordering within a conversation: its changes are stored and announced one at a time."""

from __future__ import annotations

import asyncio
import weakref


class ConversationLocks:
    """One asyncio lock per conversation, alive only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, conversation_id: int) -> asyncio.Lock:
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation_id] = lock
        return lock
