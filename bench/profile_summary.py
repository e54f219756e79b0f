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


# Where a busy sample's time goes, by what it was done for. First the rules: the first whose
# patterns all occur in the stack, in order from the root (``(function, file prefix)``; a function
# matches its qualified name or its last part, None matches any). So a stack under python-socketio's
# Redis publish or its listener is pub/sub work whatever its leaf is. Failing those, the nearest
# frame to the leaf that is in a package of ``LIBRARIES`` names it: a socket write in asyncio counts
# for whoever wrote (asyncpg, aiohttp, ...).
PUBLISH = ("AsyncRedisManager._publish", "socketio/async_redis_manager.py")
LISTENER = ("AsyncPubSubManager._thread", "socketio/async_pubsub_manager.py")
PUBLISHING = "pub/sub: PUBLISH to Redis (redis-py, socket write, reply)"
DATABASE = "database: SQLAlchemy and asyncpg"
SOCKETS = "socket.io and engine.io: packets in and out"
COST_RULES: tuple[tuple[str, tuple[tuple[str | None, str | None], ...]], ...] = (
    ("pub/sub: JSON encode of each emit", (PUBLISH, ("dumps", None))),
    (PUBLISHING, (PUBLISH,)),
    # redis-py writes a command in a task of its own (under wait_for), out of the publisher's
    # stack; per message that is PUBLISH (presence and probes write once a second or less).
    (PUBLISHING, (("AbstractConnection._send_packed_command", "redis/"),)),
    ("pub/sub: JSON decode of each message heard", (LISTENER, ("loads", None))),
    ("pub/sub: delivering an emit heard from Redis", (LISTENER, ("_handle_emit", None))),
    ("pub/sub: reading the subscription (redis-py)", (LISTENER,)),
    # python-socketio encodes an emit's packet before it looks for recipients here, so with Redis
    # this includes encoding emits nobody on this process receives.
    ("emits handled on this process (packet encode, websocket send)", (("AsyncManager.emit", None),)),
    ("Redis: presence, queue places, probes, signals", ((None, "server/cluster/"),)),
    ("PostgreSQL: pool pre-ping (BEGIN, SELECT, ROLLBACK per checkout)", (("_async_ping", None),)),
)
LIBRARIES = (
    ("redis/", "Redis: other redis-py work"),
    ("sqlalchemy/", DATABASE),
    ("asyncpg/", DATABASE),
    ("socketio/", SOCKETS),
    ("engineio/", SOCKETS),
    ("aiohttp/", "aiohttp: websocket frames, HTTP"),
    ("server/", "Tandem's handlers (checks, views, locks)"),
)
# asyncpg's protocol is compiled: its reads show as asyncio's socket reads.
REST = "asyncio: the loop, socket reads (asyncpg's included), the rest"
COST_LABELS = tuple(dict.fromkeys([*(label for label, _ in COST_RULES), *(lb for _, lb in LIBRARIES), REST]))


def _frame(frame: str) -> tuple[str, str]:
    match = FRAME.match(frame)
    return (match.group("func"), match.group("file")) if match else (frame, "")


def _matches(frames: list[tuple[str, str]], patterns: tuple[tuple[str | None, str | None], ...]) -> bool:
    """True when every pattern matches a frame, each deeper than the one before."""
    at = 0
    for func, file in patterns:
        while at < len(frames):
            name, path = frames[at]
            at += 1
            if (func is None or name == func or name.endswith("." + func)) and (
                file is None or path.startswith(file)
            ):
                break
        else:
            return False
    return True


def cost_of(frames: list[str]) -> str:
    """What one stack (root first, no thread frame) was doing, as a ``COST_LABELS`` label."""
    parsed = [_frame(f) for f in frames]
    for label, patterns in COST_RULES:
        if _matches(parsed, patterns):
            return label
    # Below the loop's ``_run_once`` only: above it is start-up (the CLI, aiohttp's run_app).
    loop = max((n for n, (name, _) in enumerate(parsed) if name == "BaseEventLoop._run_once"), default=-1)
    for _, path in reversed(parsed[loop + 1 :]):
        for prefix, label in LIBRARIES:
            if path.startswith(prefix):
                return label
    return REST


def weighted_costs(profiles: list[tuple[dict[str, float], float]]) -> dict[str, float]:
    """Several processes' ``costs`` as one, each weighted by the CPU time it used: py-spy samples
    a runnable process that waits for its CPU as busy, so sample counts alone overweight a
    process sharing its core."""
    total = sum(weight for _, weight in profiles) or 1.0
    return {
        label: round(sum(shares[label] * weight for shares, weight in profiles) / total, 1)
        for label in COST_LABELS
    }


def costs(stacks: list[tuple[list[str], int]]) -> dict[str, float]:
    """Busy samples by what they were for, in percent of all busy samples; every label is
    present, in ``COST_LABELS`` order, so two profiles line up row by row."""
    shares = dict.fromkeys(COST_LABELS, 0.0)
    busy = 0
    for frames, count in stacks:
        if frames[0].startswith("thread ("):
            frames = frames[1:] or ["(idle)"]
        if area(frames[-1]) == "waiting (idle)":
            continue
        busy += count
        shares[cost_of(frames)] += count
    return {label: round(100 * n / max(busy, 1), 1) for label, n in shares.items()}


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
    print("\n## what the busy samples were for")
    for name, share in costs(parse(args.profile)).items():
        print(f"{share:6.1f}%  {name}")


if __name__ == "__main__":
    main()
