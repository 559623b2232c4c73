# factor-engine: the only entry points. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ENGINE := $(BIN)/factor-engine
PACKAGE_FILES := $(shell find core loaders functions api -name '*.py' -o -name 'py.typed')
TIMESCALEDB_SERVER := tests/timescaledb

help: ## Show this help.
	@grep -E '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml $(PACKAGE_FILES)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "factor-engine needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# strict editable mode: mypy and IDEs see factor_engine.*; new files need a re-run (make does it)
	$(BIN)/pip install --quiet -e '.[dev]' --config-settings editable_mode=strict
	touch $@

install: $(VENV)/.installed ## Create .venv and install the engine with its dev tools.

$(TIMESCALEDB_SERVER)/node_modules/.package-lock.json: $(TIMESCALEDB_SERVER)/package-lock.json
	npm ci --prefix $(TIMESCALEDB_SERVER) --no-audit --no-fund --loglevel=error

timescaledb: $(TIMESCALEDB_SERVER)/node_modules/.package-lock.json ## Install the PGlite TimescaleDB test server (npm).

up: install ## Start the embedded database, migrate and check it, and run the demo.
	$(ENGINE) db start
	$(ENGINE) migrate
	$(ENGINE) doctor
	$(ENGINE) demo

demo: install ## Land the bundled sample data and build every factor (the database must be up).
	$(ENGINE) demo

down: ## Stop the embedded database (its data stays in .factor-engine/).
	$(ENGINE) db stop

migrate: install ## Migrate DATABASE_URL (or the embedded database) to head.
	$(ENGINE) migrate

doctor: install ## Check the database the engine would use.
	$(ENGINE) doctor

test: install timescaledb ## Run the whole test suite, the TimescaleDB branch included.
	FACTOR_ENGINE_REQUIRE_TIMESCALEDB=1 $(BIN)/pytest

lint: install ## ruff, mypy, sqlfluff and the import contracts.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy -p factor_engine.core -p factor_engine.loaders -p factor_engine.functions -p factor_engine.api
	$(BIN)/mypy tests migrations
	$(BIN)/sqlfluff lint dbt_project
	$(BIN)/lint-imports

fmt: install ## Format Python (ruff) and fix what ruff can fix.
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## Remove build and tool caches (keeps .venv and the embedded database).
	rm -rf build *.egg-info .mypy_cache .ruff_cache .pytest_cache .import_linter_cache \
		dbt_project/target dbt_project/logs

.PHONY: help install timescaledb up down migrate doctor test lint fmt clean
