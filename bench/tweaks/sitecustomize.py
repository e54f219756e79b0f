"""What-if experiments on a server the benchmark starts; never used by Tandem itself.

``python -m bench.run --tweaks switch=0.0005,noreset`` puts this folder first on the server's
``PYTHONPATH`` with ``BENCH_TWEAKS`` set, so Python runs this at start-up:

- ``switch=<seconds>``: ``sys.setswitchinterval`` (default 0.005). aiosqlite runs every statement
  on a worker thread; while the event loop is busy, that thread can wait up to this long for the
  GIL at each hand-off.
- ``noreset``: SQLite engines skip the ROLLBACK SQLAlchemy issues each time a connection goes back
  to the pool (one more worker-thread round trip per checkout).
- ``gc=<t0>:<t1>:<t2>``: ``gc.set_threshold`` (CPython's defaults are 700:10:10). With thousands of
  connections the heap is large, and each full (generation 2) collection stops the loop for
  hundreds of milliseconds.
- ``gclog``: print each full collection's pause to the server's log (``bench-gc gen2 <ms>``).

The results record the tweaks; docs/performance.md reports what each would buy.
"""

from __future__ import annotations

import os
import sys
from typing import Any

TWEAKS = {
    name: value
    for name, _, value in (item.partition("=") for item in os.environ.get("BENCH_TWEAKS", "").split(","))
    if name
}

if "switch" in TWEAKS:
    sys.setswitchinterval(float(TWEAKS["switch"]))

if "noreset" in TWEAKS:
    import sqlalchemy.ext.asyncio as sa_asyncio

    _create = sa_asyncio.create_async_engine

    def _create_without_reset(url: Any, **kwargs: Any) -> Any:
        if str(url).startswith("sqlite"):
            kwargs.setdefault("pool_reset_on_return", None)
        return _create(url, **kwargs)

    sa_asyncio.create_async_engine = _create_without_reset

if "gc" in TWEAKS:  # gc=700:10:10 sets the collector's thresholds (those are CPython's defaults)
    import gc

    gc.set_threshold(*(int(n) for n in TWEAKS["gc"].split(":")))

if "gclog" in TWEAKS:
    import gc
    import time

    _started: list[float] = []

    def _log_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            _started[:] = [time.perf_counter()]
        elif _started and info["generation"] == 2:
            pause = (time.perf_counter() - _started[0]) * 1000
            print(f"bench-gc gen2 {pause:.1f} ms collected {info['collected']}", file=sys.stderr, flush=True)

    gc.callbacks.append(_log_gc)
