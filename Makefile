# Everything runs from .venv; embedded PostgreSQL and redis start unless DATABASE_URL / REDIS_URL are set.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install dev check test schema clean-data

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[embedded,test]'
	touch $(STAMP)

install: $(STAMP)

dev: install
	$(BIN)/tessera dev

# The static checks: lint, format, types (files and strictness in pyproject.toml, [tool.mypy]),
# then the import contracts. `make test` runs them first.
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: check
	$(BIN)/pytest

schema: install
	$(BIN)/tessera export-schema > schema.graphql

clean-data:
	rm -rf .data
