#!/usr/bin/env bash
# The figures in docs/assist.md: cold start, then after learning, on the dev split.
# Needs ../shared/data; writes a scratch data dir (default /tmp/tandem-assist-eval), starts empty.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TANDEM_DATA_DIR="${TANDEM_DATA_DIR:-/tmp/tandem-assist-eval}"
rm -rf "$TANDEM_DATA_DIR"
.venv/bin/python bench/split_banking77.py
.venv/bin/tandem kb load ../shared/data/kb-northwind
for set in dev dev_oos_all; do
  echo "cold start, $set:"; .venv/bin/tandem assist eval "bench/data/$set.jsonl" --json | tail -1
done
.venv/bin/tandem assist learn bench/data/learn.jsonl
for set in dev dev_oos_all; do
  echo "after learning, $set:"; .venv/bin/tandem assist eval "bench/data/$set.jsonl" --json | tail -1
done
