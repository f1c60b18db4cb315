# The two commands of the README: `make dev` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

## Start the dev Temporal server, a worker, the SQLite store and sample decisions.
dev: $(STAMP)
	$(BIN)/signoff dev --demo

## Lint, then run the whole suite against real Temporal, SQLite and PostgreSQL.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/lifecycle.py
