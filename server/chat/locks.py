"""Ordering within a conversation (its changes are stored and announced one at a time, in this
process), and routing decisions one at a time (in every process)."""

from __future__ import annotations

import asyncio
import weakref
from contextlib import AbstractAsyncContextManager
from typing import Protocol


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


class RoutingLock(Protocol):
    """One routing pass (or manual take, or transfer) at a time, across every process."""

    def __call__(self) -> AbstractAsyncContextManager[None]: ...


class LocalRoutingLock:
    """One process: an asyncio lock."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    def __call__(self) -> AbstractAsyncContextManager[None]:
        return self._lock
