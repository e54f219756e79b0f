"""The Markdown of scenario (f): one Tandem process against two over Redis (bench/scaleout.py)."""

from __future__ import annotations

from typing import Any

CAVEAT = (
    "Both layouts' servers are pinned to one CPU (the generator has the other): two processes share "
    "the core one process has, so their throughput cannot exceed one's here, and delivered msgs/s "
    "compares the layouts on one core, not what a second core would add. The figure that compares "
    "them is the servers' CPU time (user + sys, summed over the server processes) per delivered "
    "message: near-linear scaling means two processes spend at most 1.2× one's. Redis and "
    "PostgreSQL are not pinned; their CPU is shown apart (redis-server is the machine's shared one)."
)


def _num(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
        return text + unit
    return f"{value}{unit}"


def _verdict(ratio: float | None, target: float) -> str:
    if ratio is None:
        return "—"
    return "met" if ratio <= target else "**missed**"


def headline_rows(scale: dict[str, Any]) -> list[list[str]]:
    """Rows for the run's summary table: two processes' CPU per message over one's, for the
    largest closed-loop window and the open-loop one."""
    rows = []
    target = scale.get("target_ratio", 1.2)
    summary = scale.get("summary") or []
    closed = [r for r in summary if r["window"].startswith("closed")]
    chosen = [r for r in (closed[-1:] + [r for r in summary if r["window"].startswith("open")]) if r]
    for row in chosen:
        one, two = row["one"], row["two"]
        rows.append(
            [
                f"(f) CPU per delivered message, {_describe(row['window'])}: two processes over Redis / one",
                f"{_num(two['cpu_us_per_message'], ' µs')} / {_num(one['cpu_us_per_message'], ' µs')}",
                "",
                "—" if row["ratio"] is None else f"{row['ratio']:.2f}×",
                f"≤ {target:g}× (CPU per message)",
                _verdict(row["ratio"], target),
            ]
        )
    return rows


def _describe(key: str) -> str:
    kind, count = key.split()
    return (
        f"closed loop, {count} conversations" if kind == "closed" else f"open loop, {count} conv. × 2 msgs/s"
    )


def markdown(scale: dict[str, Any]) -> list[str]:
    """The (f) section: the caveat, medians and ratios, every run, and the profiles' breakdown."""
    lines = ["", "## (f) One process versus two over Redis (PostgreSQL)", ""]
    if "skipped" in scale:
        return [*lines, f"Skipped: {scale['skipped']}."]
    lines += [CAVEAT, "", *_summary_table(scale), "", *_runs_table(scale), "", *_idle_line(scale)]
    return lines + _profile_table(scale)


def _idle_line(scale: dict[str, Any]) -> list[str]:
    """The servers' CPU with everyone connected and nobody sending, per run."""
    idle = [
        f"{r['layout']} (round {r['round']}) {r['idle']['cpu_cores']:.3f}"
        for r in scale["runs"]
        if "idle" in r
    ]
    return (
        [f"Server CPU cores with every conversation connected and no messages: {'; '.join(idle)}."]
        if idle
        else []
    )


def _summary_table(scale: dict[str, Any]) -> list[str]:
    target = scale.get("target_ratio", 1.2)
    lines = [
        "| window | one process: msgs/s, CPU µs/msg, p99 | two over Redis: msgs/s, CPU µs/msg, p99 "
        "| two / one, CPU per msg delivered | Redis server µs/msg (one / two) "
        "| PostgreSQL µs/msg (one / two) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in scale.get("summary") or []:
        one, two = row["one"], row["two"]
        ratio = "—" if row["ratio"] is None else f"{row['ratio']:.2f}× ({_verdict(row['ratio'], target)})"
        if _backlog(two) or _backlog(one):
            ratio += f"; per acked: {row['ratio_acked']:.2f}×"
        cells = [
            f"{_describe(row['window'])} (median of {one['rounds']} / {two['rounds']})",
            *(_layout_cell(s) for s in (one, two)),
            ratio,
            f"{_num(one['redis_us_per_message'])} / {_num(two['redis_us_per_message'])}",
            f"{_num(one['postgres_us_per_message'])} / {_num(two['postgres_us_per_message'])}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _backlog(medians: dict[str, Any]) -> bool:
    """Deliveries fell behind acknowledgements in the window (by more than 3 %)."""
    acked, delivered = medians.get("acked_per_s"), medians.get("delivered_per_s")
    return bool(acked and delivered and delivered < 0.97 * acked)


def _layout_cell(medians: dict[str, Any]) -> str:
    """msgs/s, CPU µs/msg, p99; with what was acked and its CPU per message when deliveries fell
    behind."""
    cell = f"{_num(medians['delivered_per_s'])}, {_num(medians['cpu_us_per_message'])}"
    if _backlog(medians):
        cell += f" (acked {_num(medians['acked_per_s'])}/s: {_num(medians['cpu_us_per_acked'])} µs each)"
    return f"{cell}, {_num(medians['p99_ms'], ' ms')}"


def _runs_table(scale: dict[str, Any]) -> list[str]:
    lines = [
        "Every run, in the order run (each layout on a fresh database):",
        "",
        "| round | layout | window | delivered msgs/s (offered) | server CPU cores (each) | CPU µs/msg "
        "| p50 / p95 / p99 ms | ack p50 ms | errors | unanswered | stored ≥ acked | load at start "
        "| CPUs busy (anyone) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in scale.get("runs") or []:
        stored = f"{run['persisted']} ≥ {run['acked_total']}" if "persisted" in run else "—"
        ok = "" if run.get("persisted", 0) >= run.get("acked_total", 0) else " **no**"
        for w in run["windows"]:
            server, d = w["server"], w["delivery_ms"]
            each = server.get("cpu_cores_each")
            cells = [
                str(run["round"]),
                run["layout"],
                f"{'closed' if w['offered_per_s'] is None else 'open'}, {w['conversations']} conv.",
                f"{_num(w['delivered_per_s'])} ({_num(w['offered_per_s'])})",
                f"{server.get('cpu_cores', 0):.2f}"
                + (f" ({' + '.join(f'{c:.2f}' for c in each)})" if each else ""),
                _num(w.get("cpu_us_per_message")),
                f"{_num(d['p50'])} / {_num(d['p95'])} / {_num(d['p99'])}",
                _num(w["ack_ms"]["p50"]),
                str(sum(w["errors"].values())),
                str(w["unanswered"]),
                stored + ok,
                _num(run.get("load_average_start", [None])[0]),
                " / ".join(f"{b:.2f}" for b in server.get("machine_cpu_busy", [])) or "—",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _profile_table(scale: dict[str, Any]) -> list[str]:
    """Each layout's busy samples by what they were for, and in µs per message: the share times
    the layout's median CPU per message in the same-sized closed-loop windows (the profiled
    window itself is slowed by py-spy)."""
    profiles = {r["layout"]: r["profile"] for r in scale.get("runs") or [] if "costs" in r.get("profile", {})}
    if set(profiles) != {"one", "two"}:
        return []
    n = profiles["two"]["conversations"]
    medians = next((r for r in scale["summary"] if r["window"] == f"closed {n}"), None)
    if medians is None:
        return []
    per = {name: medians[name]["cpu_us_per_message"] or 0.0 for name in ("one", "two")}
    lines = [
        "",
        f"Where the servers' CPU goes, closed loop at {n} conversations (py-spy, 100 Hz, all server "
        "processes; share of busy samples, and that share of the layout's median CPU per message):",
        "",
        "| what the time was for | one process | two over Redis | two − one, µs/msg |",
        "| --- | --- | --- | --- |",
    ]
    one, two = profiles["one"]["costs"], profiles["two"]["costs"]
    for label in dict.fromkeys([*one, *two]):
        shares = one.get(label, 0.0), two.get(label, 0.0)
        if any(shares):
            lines.append(_cost_row(label, shares, (per["one"], per["two"])))
    return [*lines, _cost_row("all", (100.0, 100.0), (per["one"], per["two"]))]


def _cost_row(label: str, shares: tuple[float, float], per_message: tuple[float, float]) -> str:
    one, two = (share * us / 100 for share, us in zip(shares, per_message, strict=True))
    return (
        f"| {label} | {shares[0]:g} %, {one:,.0f} µs | {shares[1]:g} %, {two:,.0f} µs | {two - one:+,.0f} |"
    )


def window_key(window: dict[str, Any]) -> str:
    """``closed 50`` or ``open 100``: windows of the same kind and size, compared across layouts."""
    kind = "closed" if window["offered_per_s"] is None else "open"
    return f"{kind} {window['conversations']}"
