"""What-if experiments on a server the benchmark starts; never used by Tandem itself.

``python -m bench.run --tweaks gclog`` puts this folder first on the server's ``PYTHONPATH`` with
``BENCH_TWEAKS`` set, so Python runs this at start-up:

- ``gclog``: print each full (generation 2) collection's pause to the server's log
  (``bench-gc gen2 <ms>``). With thousands of connections the heap is large and a full collection
  stops the loop; ``tandem serve`` now sets larger thresholds and freezes its start-up heap
  (server/cli.py), which this shows the effect of.

Earlier what-ifs (``switch``, ``noreset``, ``gc``) became Tandem's defaults or lost their reason
when SQLite moved onto the loop's thread (docs/performance.md). The results record the tweaks.
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
