"""Split ../shared/data for the assist evaluation (see docs/assist.md), deterministically.

banking77/train.csv is split per category, 80 % to the learning part and 20 % to the dev part (a
fixed seed, so every run gives the same split); clinc150-oos is split in halves the same way, one
half to tune the threshold with, the other to report. Writes JSONL into ``--out`` (default
bench/data/, which gets its own .gitignore: the datasets' text is not ours to commit):

- ``learn.jsonl``      {"message", "article_id"}   for ``tandem assist learn``
- ``tune.jsonl``       {"query", "relevant"}       learning part + OOS tuning half (tuning only)
- ``dev.jsonl``        {"query", "relevant"}       dev part + OOS reporting half (the figures)
- ``dev_oos_all.jsonl`` {"query", "relevant"}      dev part + all 200 OOS messages
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

SEED = 77
DEV_SHARE = 0.2


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def split(data: Path, out: Path) -> dict[str, int]:
    """Write the split files into ``out``; returns the number of lines of each."""
    rng = random.Random(SEED)
    by_category: dict[str, list[str]] = defaultdict(list)
    with (data / "banking77" / "train.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            by_category[row["category"]].append(row["text"].strip())
    learn, dev = [], []
    for category in sorted(by_category):
        texts = sorted(set(by_category[category]))
        rng.shuffle(texts)
        n_dev = round(len(texts) * DEV_SHARE)
        dev += [{"query": t, "relevant": [category]} for t in texts[:n_dev]]
        learn += [{"message": t, "article_id": category} for t in texts[n_dev:]]
    oos_lines = (data / "clinc150-oos" / "oos_train_val.jsonl").read_text(encoding="utf-8").splitlines()
    oos = [json.loads(line) for line in oos_lines if line.strip()]
    rng.shuffle(oos)
    oos_tune, oos_dev = oos[: len(oos) // 2], oos[len(oos) // 2 :]
    learn_queries = [{"query": r["message"], "relevant": [r["article_id"]]} for r in learn]
    files = {
        "learn.jsonl": learn,
        "tune.jsonl": learn_queries + oos_tune,
        "dev.jsonl": dev + oos_dev,
        "dev_oos_all.jsonl": dev + oos,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / ".gitignore").write_text("*\n")
    for name, rows in files.items():
        _write(out / name, rows)
    return {name: len(rows) for name, rows in files.items()}


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=here.parent.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=here / "data")
    args = parser.parse_args()
    for name, n in split(args.data, args.out).items():
        print(f"{args.out / name}: {n} lines")


if __name__ == "__main__":
    main()
