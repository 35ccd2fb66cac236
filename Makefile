# Everyday commands. `make demo` and `make test` work on a fresh machine: they create .venv
# and install the pinned dependencies (constraints.txt) first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: install demo test bench lint lock clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,spark]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: install
	$(BIN)/safetynet demo run

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/import_bench.py

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
