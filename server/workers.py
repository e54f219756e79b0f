"""``tandem serve --workers N``: N server processes on one machine, sharing one port.

Each worker is an ordinary ``tandem serve`` that binds with SO_REUSEPORT, so the kernel spreads
new connections over them; they share the work through Redis and PostgreSQL like processes on
different machines. Clients connect over WebSocket only (the widget and the console do), so no
stickiness is needed: a long-polling client would need its requests to reach one worker.

This parent only supervises: it starts the workers, starts a worker again when one dies (its
clients have already moved to the others), and on SIGTERM or SIGINT stops them all.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

log = logging.getLogger("tandem.workers")

# A worker that exits with an error this soon after starting is failing to start (a bad setting, a
# port in use), not crashing now and then: starting it again would only fail again.
MIN_UPTIME = 5.0


class Supervisor:
    def __init__(self, count: int, command: Sequence[str]) -> None:
        self._count = count
        self._command = list(command)
        self._workers: list[tuple[subprocess.Popen[bytes], float]] = []
        self._stopping = False

    def _start(self, number: int) -> tuple[subprocess.Popen[bytes], float]:
        process = subprocess.Popen([*self._command, "--worker-of", str(number)])
        log.info("worker %d started (pid %d)", number, process.pid)
        return process, time.monotonic()

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self._stopping = True
        for process, _ in self._workers:
            if process.poll() is None:
                process.send_signal(signum)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self._workers = [self._start(n) for n in range(1, self._count + 1)]
        while not self._stopping:
            time.sleep(0.2)
            for number, (process, started) in enumerate(self._workers, start=1):
                code = process.poll()
                if code is None or self._stopping:
                    continue
                if code > 0 and time.monotonic() - started < MIN_UPTIME:
                    log.error("worker %d exited with %s while starting; stopping", number, code)
                    self._stop(signal.SIGTERM, None)
                    break
                log.warning("worker %d (pid %d) exited with %s; starting it again", number, process.pid, code)
                self._workers[number - 1] = self._start(number)
        codes = [process.wait() for process, _ in self._workers]
        return max((c for c in codes if c > 0), default=0)


def serve_workers(count: int) -> int:
    """Run ``count`` workers until told to stop; the exit status of the worst one."""
    return Supervisor(count, [sys.executable, "-m", "server", "serve"]).run()
