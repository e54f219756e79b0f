"""Turn a run's results into JSON, a Markdown table (with the targets) and PNG charts."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench.scaleout_report import headline_rows
from bench.scaleout_report import markdown as scale_out_markdown

# The targets of issue 4, on this 2-core machine.
TARGET_A_P99_MS = 10.0
TARGET_B_RATIO = 0.8
TARGET_C_KB = 50.0
TARGET_D_RISE = 0.20
TARGET_E_P95_MS = 10.0


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _fmt(value: Any, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        value = f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value}{unit}"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def best_saturation(suite: dict[str, Any] | None) -> dict[str, Any] | None:
    """The closed-loop window with the most delivered messages a second."""
    windows = (suite or {}).get("saturation") or []
    return max(windows, key=lambda w: w["delivered_per_s"], default=None)


def rows(results: dict[str, Any]) -> list[list[str]]:
    """The summary table: scenario, Tandem, relay, Tandem/relay, target, verdict."""
    tandem, relay = results.get("tandem") or {}, results.get("relay") or {}
    return [
        *_steady_rows(tandem, relay),
        *_saturation_rows(tandem, relay),
        *_cost_rows(tandem, relay, results.get("sqlite_floor")),
        *_idle_rows(tandem, relay),
        *_assist_rows(results),
        *(headline_rows(results["scale_out"]) if "scale_out" in results else []),
    ]


def cpu_us_per_message(window: dict[str, Any] | None) -> float | None:
    """Server CPU time per delivered message in a window, in microseconds."""
    if not window or not window.get("delivered_per_s") or "cpu_cores" not in window.get("server", {}):
        return None
    return float(window["server"]["cpu_cores"]) * 1e6 / float(window["delivered_per_s"])


def _cost_rows(
    tandem: dict[str, Any], relay: dict[str, Any], floor: dict[str, Any] | None
) -> list[list[str]]:
    ours, theirs = cpu_us_per_message(best_saturation(tandem)), cpu_us_per_message(best_saturation(relay))
    if ours is None:
        return []
    sql = f"; the SQL alone: {floor['cpu_us_per_message']} µs" if floor else ""
    return [
        [
            "(b) server CPU per message at saturation",
            f"{_fmt(ours)} µs",
            f"{_fmt(theirs)} µs",
            _ratio(ours, theirs),
            f"plain sqlite3{sql}" if floor else "",
            "",
        ]
    ]


def all_persisted(tandem: dict[str, Any]) -> bool:
    """Every message Tandem acknowledged in the run is in its database."""
    persisted, acked = _get(tandem, "windows", "persisted"), _get(tandem, "windows", "acked_total")
    return persisted is not None and acked is not None and persisted >= acked


def _steady_rows(tandem: dict[str, Any], relay: dict[str, Any]) -> list[list[str]]:
    out: list[list[str]] = []
    steady_t, steady_r = _get(tandem, "windows", "steady"), _get(relay, "windows", "steady")
    if steady_t:
        p99 = steady_t["delivery_ms"]["p99"]
        conv = steady_t["conversations"]
        stored = (
            f"{_get(tandem, 'windows', 'persisted')} stored of {_get(tandem, 'windows', 'acked_total')} acked"
        )
        out.append(
            [
                f"(a) steady, {conv} conversations × 2 msgs/s: p50 / p99 delivery",
                f"{_fmt(steady_t['delivery_ms']['p50'])} / {_fmt(p99)} ms",
                f"{_fmt(_get(steady_r, 'delivery_ms', 'p50'))} / "
                f"{_fmt(_get(steady_r, 'delivery_ms', 'p99'))} ms",
                _ratio(p99, _get(steady_r, "delivery_ms", "p99")),
                f"p99 ≤ {TARGET_A_P99_MS:g} ms, all persisted",
                _verdict(p99 <= TARGET_A_P99_MS and not steady_t["overloaded"] and all_persisted(tandem)),
            ]
        )
        out.append(
            [
                "(a) delivered msgs/s (offered), server CPU",
                f"{_fmt(steady_t['delivered_per_s'])} ({_fmt(steady_t['offered_per_s'])}), "
                f"{_fmt(_get(steady_t, 'server', 'cpu_cores'))} cores",
                f"{_fmt(_get(steady_r, 'delivered_per_s'))}, "
                f"{_fmt(_get(steady_r, 'server', 'cpu_cores'))} cores",
                "",
                stored,
                "overloaded" if steady_t["overloaded"] else "",
            ]
        )
    return out


def _saturation_rows(tandem: dict[str, Any], relay: dict[str, Any]) -> list[list[str]]:
    out: list[list[str]] = []
    sat_t, sat_r = best_saturation(tandem), best_saturation(relay)
    if sat_t and sat_r:
        ratio = sat_t["delivered_per_s"] / max(sat_r["delivered_per_s"], 1e-9)
        out.append(
            [
                "(b) saturation, closed loop: most delivered msgs/s",
                f"{_fmt(sat_t['delivered_per_s'])} ({sat_t['conversations']} conv.)",
                f"{_fmt(sat_r['delivered_per_s'])} ({sat_r['conversations']} conv.)",
                f"{ratio:.2f}×",
                f"≥ {TARGET_B_RATIO}× relay",
                _verdict(ratio >= TARGET_B_RATIO),
            ]
        )
    return out


def _idle_rows(tandem: dict[str, Any], relay: dict[str, Any]) -> list[list[str]]:
    out: list[list[str]] = []
    idle_t, idle_r = tandem.get("idle"), relay.get("idle")
    if idle_t:
        kb = idle_t["rss_per_connection_kb"]
        out.append(
            [
                f"(c) idle: RSS per visitor connection ({idle_t['connections']:,} connected)",
                f"{_fmt(kb)} KB",
                f"{_fmt(_get(relay, 'idle', 'rss_per_connection_kb'))} KB" if idle_r else "—",
                _ratio(kb, _get(relay, "idle", "rss_per_connection_kb")),
                f"≤ {TARGET_C_KB:g} KB",
                _verdict(kb <= TARGET_C_KB),
            ]
        )
    return out


def _ratio(a: Any, b: Any) -> str:
    if a is None or b is None or not b or any(isinstance(v, float) and math.isnan(v) for v in (a, b)):
        return "—"
    return f"{a / b:.2f}×"


def _assist_rows(results: dict[str, Any]) -> list[list[str]]:
    out = []
    off_windows = _get(results, "tandem", "sweep") or []
    for on in _get(results, "assist_on", "windows") or []:
        off = next((w for w in off_windows if w["conversations"] == on["conversations"]), None)
        p99_on, p99_off = on["delivery_ms"]["p99"], _get(off or {}, "delivery_ms", "p99")
        rise = (p99_on / p99_off - 1) if p99_off else None
        flag = ", overloaded" if on["overloaded"] else ""
        out.append(
            [
                f"(d) assist on vs off, {on['conversations']} conversations: p99 delivery",
                f"on {_fmt(p99_on)} ms{flag} / off {_fmt(p99_off)} ms",
                "",
                "—" if rise is None else f"{rise:+.0%}",
                f"rise ≤ {TARGET_D_RISE:.0%}",
                _verdict(None if rise is None else rise <= TARGET_D_RISE),
            ]
        )
        out.append(
            [
                f"(d) suggestions, {on['conversations']} conversations: visitor send → agent sees them",
                f"p50 {_fmt(on['suggestion_ms']['p50'])} / p95 {_fmt(on['suggestion_ms']['p95'])} ms",
                "",
                "",
                f"server CPU {_fmt(_get(on, 'server', 'cpu_cores'))} cores",
                "",
            ]
        )
    for row in results.get("assist_alone") or []:
        p95 = row["one_chat_ms"]["p95"]
        target = row["passages"] >= 9_000 and row["passages"] <= 11_000
        out.append(
            [
                f"(e) assist alone, {row['passages']:,} passages: p50 / p95 (20 chats: p95)",
                f"{_fmt(row['one_chat_ms']['p50'])} / {_fmt(p95)} ms "
                f"({_fmt(row['twenty_chats_ms']['p95'])} ms)",
                "",
                "",
                f"p95 ≤ {TARGET_E_P95_MS:g} ms at 10k" if target else "",
                _verdict(p95 <= TARGET_E_P95_MS) if target else "",
            ]
        )
    return out


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    load = ", ".join(f"{x:.2f}" for x in meta["load_average_start"])
    load_end = ", ".join(f"{x:.2f}" for x in meta.get("load_average_end", ()))
    lines = [
        f"# Tandem benchmark, {meta['date']}",
        "",
        f"Commit `{meta['commit']}`{' (with uncommitted changes)' if meta['dirty'] else ''}; "
        f"{meta['cpus']} × {meta['cpu_model']}, {meta['memory_gb']} GB; Python {meta['python']}; "
        f"{meta['pinning']}; generator client: {results['plan']['client']}.",
        f"Load average (1, 5, 15 min) at start: {load}; at end: {load_end}. Took {meta.get('seconds')} s.",
        *(
            [f"**What-if tweaks applied to Tandem: `{meta['tweaks']}`** (bench/tweaks)."]
            if meta.get("tweaks")
            else []
        ),
        "",
        "| scenario | Tandem | bare relay | Tandem/relay | target | |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows(results)]
    if any(_get(results, t, "sweep") for t in ("tandem", "relay")):
        lines += _sweep_table(results)
    if any(_get(results, t, "saturation") for t in ("tandem", "relay")):
        lines += _saturation_table(results)
    lines += _profiles(results)
    if "scale_out" in results:
        lines += scale_out_markdown(results["scale_out"])
    return "\n".join(lines) + "\n"


def _profiles(results: dict[str, Any]) -> list[str]:
    """The py-spy summaries of profiled windows: threads, areas, top functions by self time."""
    profiled = [
        (f"{target} {label} {w['conversations']} conversations", w["profile"])
        for target, key, label in (("tandem", "sweep", "(a)"), ("tandem", "saturation", "(b)"))
        for w in _get(results, target, key) or []
        if "profile" in w
    ]
    for on in _get(results, "assist_on", "windows") or []:
        if "profile" in on:
            profiled.append((f"tandem (d) assist on, {on['conversations']} conversations", on["profile"]))
    lines = []
    for title, prof in profiled:
        lines += ["", f"### Profile: {title} ({prof['samples']} samples, py-spy 100 Hz)", ""]
        for key in ("threads", "areas"):
            if prof.get(key):
                lines.append(f"- {key}: " + ", ".join(f"{name} {share}%" for name, share in prof[key]))
        lines.append("- top self: " + "; ".join(f"{name} {share}%" for name, share in prof["self"][:8]))
    return ["", "## Where the server's time goes", *lines] if lines else []


def _md_table(title: str, headers: list[str], rows: list[list[str]]) -> list[str]:
    """A titled Markdown table."""
    lines = ["", f"## {title}", "", "| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _runs(results: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    """Each run of ``kind`` ("sweep", "saturation"), Tandem's first, with its target's name."""
    return [(target, w) for target in ("tandem", "relay") for w in _get(results, target, kind) or []]


def _sweep_table(results: dict[str, Any]) -> list[str]:
    headers = ["target", "conversations", "offered msgs/s", "delivered msgs/s", "p50", "p95", "p99 ms"]
    headers += ["probe RTT p99", "server CPU", "overloaded"]
    rows = [
        [
            target,
            str(w["conversations"]),
            _fmt(w["offered_per_s"]),
            _fmt(w["delivered_per_s"]),
            *(_fmt(w["delivery_ms"][p]) for p in ("p50", "p95", "p99")),
            _fmt(w["probe_rtt_ms"]["p99"]),
            _fmt(_get(w, "server", "cpu_cores")),
            "yes" if w["overloaded"] else "",
        ]
        for target, w in _runs(results, "sweep")
    ]
    return _md_table("Latency against load (open loop, 1 msg/s per side per conversation)", headers, rows)


def _saturation_table(results: dict[str, Any]) -> list[str]:
    headers = ["target", "conversations", "delivered msgs/s", "p50", "p99 ms", "server CPU"]
    rows = [
        [
            target,
            str(w["conversations"]),
            _fmt(w["delivered_per_s"]),
            _fmt(w["delivery_ms"]["p50"]),
            _fmt(w["delivery_ms"]["p99"]),
            _fmt(_get(w, "server", "cpu_cores")),
        ]
        for target, w in _runs(results, "saturation")
    ]
    return _md_table(
        "Saturation (closed loop: each side sends when its last message is acknowledged)", headers, rows
    )


def write_report(results: dict[str, Any], out_dir: Path, stamp: str) -> list[Path]:
    """Write ``<stamp>.json``, ``<stamp>.md`` and the charts; the paths written."""
    from bench.charts import draw_charts

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{stamp}.json"
    json_path.write_text(json.dumps(results, indent=1, default=str) + "\n")
    charts = draw_charts(results, out_dir, stamp)
    md = markdown(results)
    if charts:
        md += "\n" + "\n".join(f"![{p.stem}]({p.name})" for p in charts) + "\n"
    md_path = out_dir / f"{stamp}.md"
    md_path.write_text(md)
    return [json_path, md_path, *charts]


def main() -> None:
    """Re-render the Markdown table and charts of a results file: ``python -m bench.report X.json``."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", type=Path)
    args = parser.parse_args()
    results = json.loads(args.results.read_text())
    for path in write_report(results, args.results.parent, args.results.stem):
        print(path)


if __name__ == "__main__":
    main()
