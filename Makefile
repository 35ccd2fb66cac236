# Everyday commands. `make demo` and `make test` work on a fresh machine: they create .venv
# and install the pinned dependencies (constraints.txt) first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt package-lock.json | cksum | cut -d' ' -f1)

.PHONY: install demo test bench bench-link bench-world lint lock clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	npm ci --no-audit --no-fund --silent
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,spark]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The demo borough uses Sheffield's rules, so its self-check serves Sheffield's residents.
demo: install
	$(BIN)/safetynet demo run
	SAFETYNET_SELF_CHECK_COUNCILS='["Sheffield"]' \
	SAFETYNET_SELF_CHECK_COUNCIL_NAME="Demo Borough Council" \
	$(BIN)/safetynet serve --host 127.0.0.1 --port 8000

# PYTEST_ARGS: e.g. `-n 2` to spread the SQLite pass over two processes (each test has its own
# store file); the PostgreSQL pass shares one database, so it runs in one process.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/import_bench.py

# Linkage quality and speed, ours vs plain Splink (FEBRL4, a 50,000-person borough, 1M records).
# One part alone: make bench-link ARGS="--part scale --size 100000"
bench-link: install
	$(BIN)/python benchmarks/link_bench.py $(ARGS)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# Re-resolve constraints.txt for the whole planned stack (incl. the spark extra).
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra spark --python-version 3.11 \
		-o constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The harder test world and FEBRL1-3, ours beside plain Splink (a few minutes on 2 cores)
bench-world: install
	$(BIN)/python benchmarks/world_bench.py $(ARGS)
