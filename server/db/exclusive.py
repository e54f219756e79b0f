"""One serving process per SQLite database.

SQLite is the one-process default: this server keeps live state in memory and runs its statements
on the loop's thread, so a second server on the same file would split visitors and agents between
two processes that cannot hear each other. The first server holds an exclusive lock on a file
beside the database (the kernel's ``flock``: released however the process ends); a second one
stops at once, saying why. Command-line tools (``tandem agent add``, ``tandem kb load``) take no
such lock and work beside a running server.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class DatabaseInUse(RuntimeError):
    """Another server process serves this SQLite database."""


class ServeLock:
    def __init__(self, database: str) -> None:
        self.path = Path(f"{database}.serving")
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseInUse(
                f"another Tandem server is serving the SQLite database {self.path.with_suffix('')} "
                "(SQLite serves one process): stop it, or run several processes on PostgreSQL "
                "with TANDEM_REDIS_URL (docs/deploy.md)"
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
