"""Two Tandem servers sharing one PostgreSQL database and Redis: the multi-process layout, with
each server an app of its own in this test's event loop (its own manager, presence, routing lock
and engine: nothing shared but what separate processes share)."""

from __future__ import annotations
