"""The floor under Tandem's store: a visitor send's SQL, run with plain ``sqlite3`` on one thread.

Same schema (Tandem's migrations), same pragmas (WAL, synchronous=NORMAL), the same statements a
visitor's ``message.send`` runs (open conversation, visitor, then the UPDATE ... RETURNING and the
INSERT in one transaction), without SQLAlchemy, aiosqlite's worker thread or the event loop. The
gap between this and the server's CPU per message is the cost of the async plumbing.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

INSERT = (
    "INSERT INTO messages (conversation_id, seq, client_id, type, private, author_type, author_id, "
    "author_name, text, event, created_at) VALUES (?, ?, ?, 'text', 0, 'visitor', ?, 'Ada', ?, NULL, ?)"
)


async def _schema(path: Path) -> None:
    from common.db.engine import open_engine
    from common.db.migrate import upgrade

    engine = open_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _send(db: sqlite3.Connection, conversation_id: int, visitor_id: int) -> None:
    db.execute(
        "SELECT * FROM conversations WHERE visitor_id = ? AND status != 'closed'", (visitor_id,)
    ).fetchone()
    db.execute("SELECT * FROM visitors WHERE id = ?", (visitor_id,)).fetchone()
    db.execute("BEGIN IMMEDIATE")
    row = db.execute(
        "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ? AND status != 'closed' "
        "RETURNING last_seq",
        (conversation_id,),
    ).fetchone()
    db.execute(
        INSERT, (conversation_id, row[0], str(uuid.uuid4()), visitor_id, "b 0 visitor hello", time.time())
    )
    db.execute("COMMIT")


def measure(messages: int = 3000) -> dict[str, Any]:
    """Microseconds of wall and CPU time per visitor send, over ``messages`` sends."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "floor.db"
        asyncio.run(_schema(path))
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        now = time.time()
        db.execute("INSERT INTO visitors (id, created_at, last_seen_at) VALUES (1, ?, ?)", (now, now))
        db.execute(
            "INSERT INTO conversations (id, visitor_id, status, created_at) VALUES (1, 1, 'assigned', ?)",
            (now,),
        )
        for _ in range(100):  # warm-up
            _send(db, 1, 1)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(messages):
            _send(db, 1, 1)
        result = {
            "messages": messages,
            "wall_us_per_message": round((time.perf_counter() - wall) / messages * 1e6, 1),
            "cpu_us_per_message": round((time.process_time() - cpu) / messages * 1e6, 1),
        }
        db.close()
    return result


if __name__ == "__main__":
    print(measure())
