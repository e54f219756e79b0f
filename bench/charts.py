"""PNG charts of a run: delivery latency against load, saturation throughput, assist latency, and
one process against two over Redis (CPU per message and throughput)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from bench.scaleout_report import window_key

STYLES = {"tandem": ("tab:blue", "-"), "relay": ("tab:gray", "--")}


def draw_charts(results: dict[str, Any], out_dir: Path, stamp: str) -> list[Path]:
    """The charts this run has data for; empty without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:
        return []
    paths = []
    charts = (
        ("latency", _latency),
        ("saturation", _saturation),
        ("assist", _assist),
        ("scaleout", _scaleout),
    )
    for name, draw in charts:
        path = out_dir / f"{stamp}-{name}.png"
        if draw(results, path):
            paths.append(path)
    return paths


def _latency(results: dict[str, Any], path: Path) -> bool:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    drawn = False
    for target, (color, style) in STYLES.items():
        sweep = [w for w in (results.get(target) or {}).get("sweep") or [] if w["delivery_ms"]["n"]]
        if not sweep:
            continue
        drawn = True
        load = [w["offered_per_s"] for w in sweep]
        for q, width in (("p50", 1.0), ("p95", 1.6), ("p99", 2.4)):
            ax.plot(
                load,
                [w["delivery_ms"][q] for w in sweep],
                color=color,
                linestyle=style,
                linewidth=width,
                marker="o",
                markersize=3,
                label=f"{target} {q}",
            )
    assisted = [w for w in (results.get("assist_on") or {}).get("windows") or [] if w["delivery_ms"]["n"]]
    if assisted:
        ax.plot(
            [w["offered_per_s"] for w in assisted],
            [w["delivery_ms"]["p99"] for w in assisted],
            color="tab:orange",
            linewidth=2.4,
            marker="s",
            markersize=4,
            label="tandem, assist on, p99",
        )
    if not drawn:
        plt.close(fig)
        return False
    ax.axhline(10, color="tab:red", linewidth=0.8, linestyle=":", label="(a) target p99 10 ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_numbers(ax)
    ax.set_xlabel("offered load, messages/s (1 msg/s per side per conversation)")
    ax.set_ylabel("delivery latency, ms (send → receipt)")
    ax.set_title("Delivery latency against load")
    _finish(fig, ax, path, grid=dict(which="both", alpha=0.3), legend=dict(fontsize=7, ncol=2))
    return True


def _saturation(results: dict[str, Any], path: Path) -> bool:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    drawn = False
    for target, (color, style) in STYLES.items():
        windows = (results.get(target) or {}).get("saturation") or []
        if windows:
            drawn = True
            ax.plot(
                [w["conversations"] for w in windows],
                [w["delivered_per_s"] for w in windows],
                color=color,
                linestyle=style,
                marker="o",
                label=target,
            )
    if not drawn:
        plt.close(fig)
        return False
    ax.set_xscale("log")
    _plain_numbers(ax)
    ax.set_xlabel("conversations in the closed loop (2 messages in flight each)")
    ax.set_ylabel("delivered messages/s")
    ax.set_title("Saturation throughput")
    _finish(fig, ax, path, grid=dict(alpha=0.3), legend=dict())
    return True


def _assist(results: dict[str, Any], path: Path) -> bool:
    import matplotlib.pyplot as plt

    rows = results.get("assist_alone") or []
    if not rows:
        return False
    fig, ax = plt.subplots(figsize=(7, 4))
    sizes = [r["passages"] for r in rows]
    for key, label, style in (("one_chat_ms", "one chat", "-"), ("twenty_chats_ms", "20 chats", "--")):
        for q in ("p50", "p95"):
            ax.plot(sizes, [r[key][q] for r in rows], linestyle=style, marker="o", label=f"{label} {q}")
    ax.axhline(10, color="tab:red", linewidth=0.8, linestyle=":", label="(e) target p95 10 ms")
    ax.set_xscale("log")
    _plain_numbers(ax)
    ax.set_xlabel("passages in the knowledge base")
    ax.set_ylabel("suggest() latency, ms")
    ax.set_title("Assist alone: embed and search")
    _finish(fig, ax, path, grid=dict(which="both", alpha=0.3), legend=dict(fontsize=8))
    return True


def _scaleout(results: dict[str, Any], path: Path) -> bool:
    """(f): per window, each layout's CPU per delivered message and delivered msgs/s; a bar is
    the median over rounds, a dot one run, a red dash 1.2 × one process's median (the target)."""
    import matplotlib.pyplot as plt

    runs = (results.get("scale_out") or {}).get("runs") or []
    keys = list(dict.fromkeys(window_key(w) for run in runs for w in run["windows"]))
    if not keys:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, field, label in (
        (axes[0], "cpu_us_per_message", "server CPU per delivered message, µs"),
        (axes[1], "delivered_per_s", "delivered messages/s (both layouts on one core)"),
    ):
        for k, key in enumerate(keys):
            one = _layout_bar(ax, _values(runs, "one", key, field), k - 0.19, "tab:blue", "one process", k)
            _layout_bar(ax, _values(runs, "two", key, field), k + 0.19, "tab:orange", "two over Redis", k)
            if field == "cpu_us_per_message" and one is not None:
                ax.hlines(1.2 * one, k + 0.01, k + 0.37, colors="tab:red", linestyles="dashed",
                          label="1.2 × one (target)" if k == 0 else None)  # fmt: skip
        ax.set_xticks(range(len(keys)), keys)
        ax.set_ylabel(label)
    axes[0].set_title("(f) CPU per message: one process vs two")
    axes[1].set_title("(f) throughput (servers pinned to one core)")
    _finish(fig, axes[0], path, grid=dict(axis="y", alpha=0.3), legend=dict(fontsize=8))
    return True


def _values(runs: list[dict[str, Any]], layout: str, key: str, field: str) -> list[float]:
    """``field`` of every run's window ``key`` in ``layout``."""
    windows = [w for r in runs if r["layout"] == layout for w in r["windows"] if window_key(w) == key]
    return [float(w[field]) for w in windows if w.get(field) is not None]


def _layout_bar(ax: Any, values: list[float], x: float, color: str, name: str, k: int) -> float | None:
    """A bar at the median of ``values`` with a dot for each; the median (None without values)."""
    if not values:
        return None
    middle = statistics.median(values)
    ax.bar(x, middle, width=0.36, color=color, alpha=0.6, label=name if k == 0 else None)
    ax.plot([x] * len(values), values, "o", color=color, markersize=4)
    return middle


def _plain_numbers(ax: Any) -> None:
    """Log axes labelled 200, 1,000 … rather than 2×10²."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    plain = FuncFormatter(lambda value, _pos: f"{value:,.0f}" if value >= 1 else f"{value:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(plain)


def _finish(fig: Any, ax: Any, path: Path, *, grid: dict[str, Any], legend: dict[str, Any]) -> None:
    """Grid, legend, tight layout; written to ``path`` and the figure released."""
    import matplotlib.pyplot as plt

    ax.grid(True, **grid)
    ax.legend(**legend)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
