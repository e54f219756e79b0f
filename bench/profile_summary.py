"""Summarise a py-spy ``record -f raw`` profile (collapsed stacks): where the server's CPU goes.

Prints the share of samples by thread (with ``py-spy record --threads``) and by area (the library
or our package a stack's leaf frame is in), the top functions by self time, and Tandem's own
functions by inclusive time (their callees included).
Run: ``python -m bench.profile_summary profile.txt [--top 25]``.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path
from typing import Any

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
# Leaf frames where a thread waits (py-spy samples them too): epoll, locks, queues, sleeps.
WAITING = re.compile(
    r"^(EpollSelector\.select|Condition\.wait|Event\.wait|_worker|Queue\.get|SimpleQueue\.get|"
    r"sleep|_wait_for_tstate_lock|\(idle\)) "
)
# Tandem's own code: the inclusive list shows only these (callers of everything else).
OURS = re.compile(r"\((server|assist)/")
# Checked in order: the first pattern found in a frame's file names its area.
AREAS = (
    ("sqlite3 (C, in aiosqlite's thread)", ("sqlite3/",)),
    ("aiosqlite", ("aiosqlite/",)),
    ("sqlalchemy", ("sqlalchemy/",)),
    ("socketio/engineio", ("socketio/", "engineio/")),
    ("aiohttp", ("aiohttp/",)),
    ("json", ("json/",)),
    ("asyncio", ("asyncio/",)),
    ("prometheus", ("prometheus_client/",)),
    ("assist/torch", ("assist/", "torch/", "sentence_transformers/", "transformers/", "numpy/")),
    ("server (Tandem)", ("server/",)),
    ("threading", ("threading.py", "concurrent/")),
)


def parse(path: Path) -> list[tuple[list[str], int]]:
    """(frames root first, sample count) for each line of a collapsed-stack file."""
    stacks = []
    for line in path.read_text().splitlines():
        head, _, count = line.rpartition(" ")
        if head and count.isdigit():
            stacks.append((head.split(";"), int(count)))
    return stacks


def area(frame: str) -> str:
    if WAITING.match(frame) or frame == "(idle)":
        return "waiting (idle)"
    match = FRAME.match(frame)
    file = match.group("file") if match else frame
    for name, patterns in AREAS:
        if any(p in file for p in patterns):
            return name
    return "other"


def short(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    return f"{match.group('func')} ({match.group('file').split('site-packages/')[-1]})"


def summarise(stacks: list[tuple[list[str], int]], top: int) -> dict[str, Any]:
    """Shares (percent of all samples) by thread and area, and the top functions by self and
    inclusive time. Samples of a thread waiting (in epoll, on a lock or a queue) count under
    ``waiting (idle)`` in areas and are left out of the thread and function lists."""
    total = sum(c for _, c in stacks) or 1
    by_thread: Counter[str] = Counter()
    by_area: Counter[str] = Counter()
    by_self: Counter[str] = Counter()
    by_incl: Counter[str] = Counter()
    for frames, count in stacks:
        thread = None
        if frames[0].startswith("thread ("):  # py-spy --threads: "thread (0x7f..): MainThread"
            thread, frames = _thread_name(frames[0]), frames[1:] or ["(idle)"]
        where = area(frames[-1])
        by_area[where] += count
        if where == "waiting (idle)":
            continue
        if thread is not None:
            by_thread[thread] += count
        by_self[short(frames[-1])] += count
        for frame in {short(f) for f in frames if OURS.search(f)}:
            by_incl[frame] += count

    def pct(counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(k, round(100 * v / total, 1)) for k, v in counter.most_common(n)]

    return {
        "samples": total,
        "threads": pct(by_thread, len(by_thread)),
        "areas": pct(by_area, len(by_area)),
        "self": pct(by_self, top),
        "inclusive": pct(by_incl, top),
    }


def _thread_name(frame: str) -> str:
    """``MainThread``, or the thread's function (``_connection_worker_thread``) without its number."""
    name = frame.split(": ", 1)[-1]
    return re.sub(r"^Thread-\d+ \((.*)\)$", r"\1", name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    result = summarise(parse(args.profile), args.top)
    print(f"{result['samples']} samples")
    for title in ("threads", "areas", "self", "inclusive"):
        print(f"\n## {title}")
        for name, share in result[title]:
            print(f"{share:6.1f}%  {name}")


if __name__ == "__main__":
    main()
