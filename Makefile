# Tandem: `make run` serves on the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
FUZZ_STAMP := $(VENV)/.fuzz-stamp
WIDGET_SOURCES := $(shell find widget/src -name '*.js' 2>/dev/null) widget/build.mjs
PY_DIRS := common server assist tests $(wildcard bench)

.PHONY: install widget run test lint lint-js format bench chaos fuzz fuzz-kb fuzz-checks clean

install: $(STAMP) widget

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: an unpinned torch pulled in by sentence-transformers means GBs of CUDA.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[assist,dev]'
	touch $(STAMP)

widget/node_modules/.package-lock.json: widget/package.json widget/package-lock.json
	cd widget && npm ci --no-audit --no-fund --loglevel=error

widget/dist/widget.js: widget/node_modules/.package-lock.json $(WIDGET_SOURCES)
	cd widget && node build.mjs

widget: widget/dist/widget.js

run: install
	$(BIN)/tandem db upgrade
	$(BIN)/tandem kb load assist/demo_kb   # the demo shop's help articles; unchanged ones are skipped
	$(BIN)/tandem serve

# The browser code: TypeScript's checker over the JSDoc types, then ESLint (which fails on an
# import cycle).
lint-js: widget/node_modules/.package-lock.json
	cd widget && npm run --silent typecheck && npm run --silent lint

lint: $(STAMP) lint-js
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format $(PY_DIRS)
	$(BIN)/ruff check --fix $(PY_DIRS)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[assist,dev,bench]'
	touch $(BENCH_STAMP)

# The short benchmark run (a few minutes): bench/results/<date>.json, .md and charts. Its (f), one
# process against two over Redis, needs PostgreSQL and Redis on 127.0.0.1 and is skipped without.
# The full run behind docs/performance.md: $(BIN)/python -m bench.run --full
bench: $(BENCH_STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.run

# Chats through faults (kill -9 and restart), then the history checked against the database:
# nothing acknowledged lost or duplicated, streams in order, routing fair (bench/chaos/README.md).
chaos: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.chaos.run --seconds 60 --seed 7

# The property-based fuzz of every event and endpoint with >= 100,000 inputs (a few minutes; `make
# test` runs the same with 60 examples). Niced: it shares the cores. docs/security.md has the results.
fuzz: install
	TANDEM_FUZZ_EXAMPLES=30000 HF_HUB_OFFLINE=1 nice -n 19 $(BIN)/pytest -q -s -p no:cacheprovider \
		--timeout 3600 tests/server/test_fuzz.py

$(FUZZ_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[assist,dev,fuzz]'
	touch $(FUZZ_STAMP)

# Coverage-guided fuzzing (atheris), 10 minutes each, in a scratch folder (the fuzzer writes any
# crashing input there, named in its output).
FUZZ_SECONDS ?= 600
fuzz-kb: $(FUZZ_STAMP)
	cd $$(mktemp -d) && PYTHONPATH=$(CURDIR) nice -n 19 $(CURDIR)/$(BIN)/python -m bench.fuzz.kb_parsers \
		-max_total_time=$(FUZZ_SECONDS) -timeout=3 -max_len=65536 -len_control=0 -print_final_stats=1

fuzz-checks: $(FUZZ_STAMP)
	cd $$(mktemp -d) && PYTHONPATH=$(CURDIR) nice -n 19 $(CURDIR)/$(BIN)/python -m bench.fuzz.payload_checks \
		-max_total_time=$(FUZZ_SECONDS) -timeout=2 -max_len=4096 -print_final_stats=1

test: install lint
	HF_HUB_OFFLINE=1 $(BIN)/pytest

clean:
	rm -rf $(VENV) widget/node_modules widget/dist
