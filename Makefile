# The two commands of the README: `make dev` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test bench

# Tools run as `python -m ...` so nothing depends on the shebangs of installed scripts.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(CURDIR)/$(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,test]"
	touch $(STAMP)

## Start the dev Temporal server, a worker, the SQLite store and sample decisions.
dev: $(STAMP)
	$(BIN)/python -m signoff.app.cli dev --demo

## Lint, check the layers' import contracts, then run the whole suite against real
## Temporal, SQLite and PostgreSQL.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m tests.helpers.layers
	$(BIN)/python -m pytest -q -n 2

## The lifecycle benchmark on SQLite and on PostgreSQL, after the bench extra (LangGraph,
## the peer it compares with, and py-spy).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,test,bench]"
	$(BIN)/python bench/lifecycle.py --rounds 3 --store sqlite
	$(BIN)/python bench/lifecycle.py --rounds 3 --store postgres
	$(BIN)/python bench/scale.py --store postgres
