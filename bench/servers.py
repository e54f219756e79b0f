"""The servers under test, as subprocesses: Tandem (``python -m server serve``) and the bare relay.

Each runs pinned to its own CPU (``taskset``) when the machine has more than one, and is watched
with psutil (CPU time and RSS of its process).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from argon2 import PasswordHasher as Argon2Hasher
from argon2 import profiles as argon2_profiles

ROOT = Path(__file__).resolve().parent.parent


def server_root() -> Path:
    """Where Tandem's code is run from: this checkout, or another one (``--server-root``, e.g. a
    ``git worktree`` of an older commit, to measure a change before and after in one run)."""
    return Path(os.environ.get("BENCH_SERVER_ROOT") or ROOT)


PYTHON = sys.executable
# Tandem caps an agent's capacity at 50 (the CLI's range); the generator uses N/50 agents.
AGENT_CAPACITY = 50
# All load comes from 127.0.0.1: lift the per-connection and per-address limits out of the way.
GENEROUS_LIMITS = {
    "TANDEM_EVENTS_PER_SECOND": "100000",
    "TANDEM_EVENTS_BURST": "100000",
    "TANDEM_CONVERSATIONS_PER_IP_HOUR": "1000000",
    "TANDEM_CONVERSATIONS_PER_VISITOR_HOUR": "1000",
    "TANDEM_LOG_LEVEL": "WARNING",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Read at import, before the generator pins itself to its own CPUs.
ALL_CPUS = sorted(os.sched_getaffinity(0))


def cpu_plan() -> tuple[list[str], set[int] | None]:
    """``taskset`` prefix for servers (CPU 0) and the generator's CPUs (the rest), if possible."""
    cpus = ALL_CPUS
    if len(cpus) < 2 or shutil.which("taskset") is None:
        return [], None
    return ["taskset", "-c", str(cpus[0])], set(cpus[1:])


def _raise_fd_limit() -> None:
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@dataclass
class ServerProcess:
    """A running server: its URL, process and (for Tandem) its data directory and agent tokens."""

    name: str
    url: str
    proc: subprocess.Popen[bytes]
    data_dir: Path | None = None
    agent_tokens: list[str] = field(default_factory=list)
    admin_token: str | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(self.proc.wait, 20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait)


async def wait_healthy(url: str, exited: Callable[[], int | None], timeout: float = 60.0) -> None:
    """Until ``url``/healthz answers 200; ``exited`` gives the server's exit status (None: running)."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if (code := exited()) is not None:
                raise RuntimeError(f"server exited with {code} before it was healthy")
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} not healthy after {timeout} s")


def spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    prefix, _ = cpu_plan()
    with log.open("ab") as out:
        return subprocess.Popen(
            [*prefix, *argv],
            env=env,
            cwd=env.get("BENCH_CWD", ROOT),
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_raise_fd_limit,
        )


async def start_relay(work: Path) -> ServerProcess:
    """The bare python-socketio relay (bench/relay.py)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = spawn([PYTHON, "-m", "bench.relay", "--port", str(port)], env, work / "relay.log")
    url = f"http://127.0.0.1:{port}"
    await wait_healthy(url, proc.poll)
    return ServerProcess("relay", url, proc)


def tandem_env(data_dir: Path, port: int, assist: bool) -> dict[str, str]:
    """The server's environment; with ``BENCH_TWEAKS`` set, bench/tweaks runs at its start-up."""
    path = str(server_root())
    if os.environ.get("BENCH_TWEAKS"):
        path = f"{ROOT / 'bench' / 'tweaks'}{os.pathsep}{path}"
    return {
        **os.environ,
        **GENEROUS_LIMITS,
        "TANDEM_DATA_DIR": str(data_dir),
        "PORT": str(port),
        "TANDEM_ASSIST": "on" if assist else "off",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": path,
        "BENCH_CWD": str(server_root()),
    }


async def seed_agents(data_dir: Path, count: int, database_url: str | None = None) -> tuple[list[str], str]:
    """Create ``count`` agents of capacity 50 plus an admin, each with a session token, in the
    database of ``data_dir`` (SQLite) or at ``database_url``.

    Written to the database before the server starts, through Tandem's own stores, with argon2's
    cheapest profile: signing in through ``POST /api/login`` costs half a second of server CPU per
    agent at the real profile, which is start-up work, not what is measured.
    """
    from common.db.engine import open_engine
    from common.db.fast import open_fast
    from common.db.migrate import upgrade
    from server.auth.passwords import PasswordHasher
    from server.settings import load_settings
    from server.store.agents import AgentStore
    from server.store.sessions import SessionStore

    class CheapHasher(PasswordHasher):
        def __init__(self) -> None:
            self._hasher = Argon2Hasher.from_parameters(argon2_profiles.CHEAPEST)

    env = {"TANDEM_DATA_DIR": str(data_dir)} | ({"TANDEM_DATABASE_URL": database_url} if database_url else {})
    engine = open_engine(load_settings(env).database_url)
    fast = None
    try:
        await upgrade(engine)
        fast = await open_fast(engine)
        agents, sessions = AgentStore(engine, CheapHasher()), SessionStore(engine, fast, 86400.0)
        admin = await agents.add("admin@bench.local", "Bench Admin", "bench-password", role="admin")
        tokens = []
        for n in range(count):
            agent = await agents.add(
                f"agent{n}@bench.local", f"Agent {n}", "bench-password", capacity=AGENT_CAPACITY
            )
            tokens.append(await sessions.create(agent.id))
        return tokens, await sessions.create(admin.id)
    finally:
        if fast is not None:
            await fast.close()
        await engine.dispose()


async def start_tandem(
    work: Path,
    agents: int,
    *,
    assist: bool = False,
    name: str = "tandem",
    prepare: Callable[[Path], object] | None = None,
) -> ServerProcess:
    """Tandem with a fresh database in ``work/<name>`` holding ``agents`` agents (capacity 50);
    ``prepare(data_dir)`` runs (on a thread) before the server starts, e.g. to load a knowledge base."""
    data_dir = work / name
    data_dir.mkdir(parents=True, exist_ok=True)
    tokens, admin = await seed_agents(data_dir, agents)
    if prepare is not None:
        await asyncio.to_thread(prepare, data_dir)
    port = free_port()
    proc = spawn([PYTHON, "-m", "server", "serve"], tandem_env(data_dir, port, assist), work / f"{name}.log")
    url = f"http://127.0.0.1:{port}"
    await wait_healthy(url, proc.poll)
    return ServerProcess(name, url, proc, data_dir, tokens, admin)


async def wait_assist_ready(server: ServerProcess, timeout: float = 300.0) -> float:
    """Wait until ``GET /api/admin/kb`` answers 200 (503 while the model loads); the seconds waited."""
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        while time.monotonic() - started < timeout:
            async with session.get(server.url + "/api/admin/kb") as response:
                if response.status == 200:
                    return time.monotonic() - started
            await asyncio.sleep(0.5)
    raise TimeoutError("the assist did not become ready")


def py_spy() -> str | None:
    """The py-spy binary (installed with the ``bench`` extras), if any."""
    beside = Path(PYTHON).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


async def profile(pid: int, delay: float, seconds: float, out: Path) -> Path | None:
    """Sample ``pid`` with py-spy (100 Hz, per thread) for ``seconds`` after ``delay``; the
    collapsed-stack file, or None without py-spy (or without the right to attach)."""
    binary = py_spy()
    if binary is None:
        return None
    await asyncio.sleep(delay)
    argv = [binary, "record", "-p", str(pid), "-d", str(max(1, int(seconds))), "-r", "100"]
    proc = await asyncio.create_subprocess_exec(
        *argv, "--threads", "-f", "raw", "-o", str(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    await proc.wait()
    return out if await asyncio.to_thread(out.exists) else None


class Monitor:
    """Samples the CPU time and RSS of one or more server processes (summed); ``mark()`` starts a
    window, ``usage()`` reads it. ``others`` names more processes measured alongside but kept
    apart (Redis, PostgreSQL's backends): a callable listing their pids, asked at both ends."""

    def __init__(self, *pids: int, others: dict[str, Callable[[], list[int]]] | None = None) -> None:
        self.pid = pids[0]
        self.pids = pids
        self._procs = [psutil.Process(p) for p in pids]
        self._others = others or {}
        self._mark = self._sample()
        self._cpus_mark = psutil.cpu_times(percpu=True)
        self._others_mark: dict[int, float] = {}
        self._peak_rss = 0

    def _sample(self) -> tuple[float, list[float]]:
        return time.monotonic(), [_cpu_seconds(p) for p in self._procs]

    def rss(self) -> int:
        rss = sum(int(p.memory_info().rss) for p in self._procs)
        self._peak_rss = max(self._peak_rss, rss)
        return rss

    def mark(self) -> None:
        self._mark = self._sample()
        self._cpus_mark = psutil.cpu_times(percpu=True)
        self._others_mark = {
            pid: cpu for pids in self._others.values() for pid, cpu in _cpu_of(pids()).items()
        }
        self._peak_rss = self.rss()

    def usage(self) -> dict[str, Any]:
        """CPU use since ``mark()`` (1.0 = one core busy), and RSS now and at its peak."""
        now, cpus = self._sample()
        wall, cpus0 = self._mark
        seconds = max(now - wall, 1e-9)
        each = [(c - c0) / seconds for c, c0 in zip(cpus, cpus0, strict=True)]
        rss = self.rss()
        usage: dict[str, Any] = {
            "cpu_cores": round(sum(each), 3),
            "rss_mb": round(rss / 2**20, 1),
            "peak_rss_mb": round(self._peak_rss / 2**20, 1),
        }
        if len(each) > 1:
            usage["cpu_cores_each"] = [round(c, 3) for c in each]
        # How busy each CPU was, by anyone: whether the servers' CPU had time to spare.
        usage["machine_cpu_busy"] = [
            round((_busy(now) - _busy(then)) / max(sum(now) - sum(then), 1e-9), 3)
            for now, then in zip(psutil.cpu_times(percpu=True), self._cpus_mark, strict=True)
        ]
        if self._others:
            # A process that started after mark() counts from zero; one that ended is missed.
            usage["others_cpu_cores"] = {
                name: round(
                    sum(c - self._others_mark.get(p, 0.0) for p, c in _cpu_of(pids()).items()) / seconds, 3
                )
                for name, pids in self._others.items()
            }
        return usage


def _busy(times: Any) -> float:
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def _cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def _cpu_of(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each pid still running."""
    out = {}
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            out[pid] = _cpu_seconds(psutil.Process(pid))
    return out
