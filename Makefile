# One entry point for people, cron and CI. `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(or $(DBT),$(BIN)/dbt)
# The database is TARGET (duckdb|postgres) from the environment, `make build TARGET=postgres` or
# .env; scripts.locked passes it to dbt as DBT_TARGET (profiles.yml's target) and to the loaders.
DBT_ARGS := --profiles-dir . --project-dir .
# Targets that write a database hold the run lock (or refuse, exit 75, naming the holder).
LOCKED = $(BIN)/python -m scripts.locked $@

export RUNTIME__DLTHUB_TELEMETRY := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

# A switch (DRY_RUN, DOCS_SERVE) is off when empty, 0, false, no or off (in lower, Title or UPPER case),
# on for any other value: `$(call on,$(DRY_RUN))` is empty when off.
OFF_WORDS := 0 false False FALSE no No NO off Off OFF
on = $(filter-out $(OFF_WORDS),$(strip $(1)))
DOCS_SERVE ?= 1

# Settings and secrets a user keeps in .env (never committed) are read by the programs themselves
# (as a dotenv file, values literal; the environment wins over it), not by make.

.PHONY: help setup demo demo-faults load load-ozon load-wb build seed freshness docs bench summary test test-unit test-postgres lint fmt clean
.PHONY: run run-catalogue run-orders run-stock transform health reconcile retire-account prune cron-install cron-remove cron-show
.PHONY: serve api-key browser soak

help: ## List every target with one line each
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

setup: $(VENV)/.installed profiles.yml ## Create .venv and install the pinned dependencies (done by every target)

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

profiles.yml: | profiles.example.yml
	cp profiles.example.yml profiles.yml

demo: setup ## The runner (make run) against the built-in sandbox into DUCKDB_PATH (data/warehouse.duckdb unless it holds your data), then a summary
	$(BIN)/python -m devtools.demo

demo-faults: setup ## The demo with every data fault of the sandbox on (same database rule): quality issues, anomalies, reconcile
	$(BIN)/python -m devtools.demo --faults

load-ozon: setup ## Load every Ozon resource of every configured account into TARGET (exit 4: partial)
	$(LOCKED) $(BIN)/python -m loaders ozon

load-wb: setup ## Load every Wildberries resource of every configured account into TARGET (exit 4: partial)
	$(LOCKED) $(BIN)/python -m loaders wildberries

load: setup ## Load every configured marketplace and account in order (catalogue, orders, stock), no dbt; recorded in the run log
	$(RUN) --no-transform

build: setup ## dbt build (seeds, models, tests) on TARGET (duckdb|postgres); on DuckDB then publishes what make serve reads
	$(LOCKED) $(DBT) build $(DBT_ARGS)
	$(LOCKED) $(BIN)/python -m serving.publish --after-build

seed: setup ## Load the dbt seeds (warehouse list and aliases) into TARGET
	$(LOCKED) $(DBT) seed $(DBT_ARGS)

freshness: setup ## Check source freshness of the raw tables on TARGET
	$(LOCKED) $(DBT) source freshness $(DBT_ARGS)

docs: setup ## Document the database you have (every marketplace in it) and serve the site on DOCS_PORT (8080); DOCS_SERVE=0 only generates
	$(BIN)/python -m scripts.docs $(if $(call on,$(DOCS_SERVE)),,--no-serve)

bench: setup ## Benchmark floor, full and incremental load, dbt build at two sizes (BENCH_ARGS="--products 2000 8000 --destination duckdb --marketplaces ozon wildberries"; "--paced --time-scale F --accounts 1 3": the loads against the rate limits)
	$(BIN)/python -m devtools.bench $(BENCH_ARGS)

soak: setup ## Days of scheduled runs against the sandbox under random faults and kills, then marts = truth (SOAK_ARGS="--days 30 --engine duckdb --seed N")
	$(BIN)/python -m devtools.soak $(SOAK_ARGS)

summary: setup ## Per marketplace: products, stock, orders, the most urgent shipments, data quality (TARGET's database)
	$(BIN)/python -m scripts.summary

# Operations (scripts/run.py and friends; schedule, thresholds and retention in ops.toml).
# DRY_RUN=1 prints what a run target would do; HEALTH_ARGS=--json or --alert for `make health`.
RUN := $(BIN)/python -m scripts.run $(if $(call on,$(DRY_RUN)),--dry-run)

run: setup ## Load every configured source in order (catalogue, orders, stock), then dbt build; DRY_RUN=1 shows the plan
	$(RUN)

run-catalogue: setup ## Load the catalogue of every configured account, then dbt build
	$(RUN) catalogue

run-orders: setup ## Load orders (not after a catalogue load that never ran or whose credentials were rejected), then dbt build
	$(RUN) orders

run-stock: setup ## Load stock (not after a catalogue load that never ran or whose credentials were rejected), then dbt build
	$(RUN) stock

transform: setup ## dbt build only, recorded in the run log like a run
	$(RUN) --transform-only

health: setup ## Check database, freshness, last run, dbt tests, data quality scores, lock, log size; non-zero exit when unhealthy
	@$(BIN)/python -m scripts.health $(HEALTH_ARGS)

reconcile: setup ## Raw vs mart vs excluded/quarantined rows per marketplace, account and entity; non-zero exit when they do not add up
	$(BIN)/python -m scripts.reconcile

retire-account: setup ## Forget an account removed from the settings: its raw rows, dlt state and run-log rows, then a build (MARKETPLACE=ozon ACCOUNT=name; DRY_RUN=1 counts only)
	@test -n "$(MARKETPLACE)" -a -n "$(ACCOUNT)" || { echo "usage: make retire-account MARKETPLACE=ozon|wildberries ACCOUNT=<name>" >&2; exit 2; }
	$(BIN)/python -m scripts.retire "$(MARKETPLACE)" "$(ACCOUNT)" $(if $(call on,$(DRY_RUN)),--dry-run)
	$(if $(call on,$(DRY_RUN)),,$(RUN) --transform-only)

prune: setup ## Rotate big logs, delete logs and run-log rows older than the retention (ops.toml)
	$(BIN)/python -m scripts.prune

cron-install: setup ## Install the ops.toml schedule into your crontab (backup first; DRY_RUN=1 to preview)
	$(BIN)/python -m scripts.cron install $(if $(call on,$(DRY_RUN)),--dry-run)

cron-remove: setup ## Remove the schedule from your crontab, keeping every other line (DRY_RUN=1 to preview)
	$(BIN)/python -m scripts.cron remove $(if $(call on,$(DRY_RUN)),--dry-run)

cron-show: setup ## Show the installed schedule and the one in ops.toml
	$(BIN)/python -m scripts.cron show

# The tests run in PYTEST_WORKERS processes (pytest-xdist; 0 runs them in this one). Two on 2 cores:
# with three the suite's CPU time grew by the contention (fresh clones: pytest 887 and 899 s against
# 825 s with two). The lint runs beside them, in the time a worker waits on its loader or dbt; its
# output follows pytest's.
PYTEST_WORKERS ?= 2
LINT_LOG = logs/lint.log

test: setup browser ## All tests: pytest (DuckDB and PostgreSQL, incl. dbt build over sandbox data, PYTEST_WORKERS=2 processes) and lint beside it
	@mkdir -p $(dir $(LINT_LOG))
	@$(MAKE) --no-print-directory lint > $(LINT_LOG) 2>&1 & lint=$$!; \
	$(BIN)/pytest -n $(PYTEST_WORKERS); tests=$$?; \
	wait $$lint; linted=$$?; cat $(LINT_LOG); \
	if [ $$linted -ne 0 ]; then echo "make lint failed (exit $$linted): $(LINT_LOG)"; fi; \
	exit $$(( tests || linted ))

test-unit: setup ## Only the tests that need no load or build (no e2e or postgres mark): the quick check while editing
	$(BIN)/pytest -m "not e2e and not postgres"

test-postgres: setup ## Only the PostgreSQL path: loaders and dbt build against PostgreSQL (PG* env)
	$(BIN)/pytest -m postgres

# sqlfluff lints in a process per core (--processes 0): 50 s -> 34 s on 2 cores, the same findings;
# its dbt output goes to a folder of its own (it runs beside the tests).
lint: setup ## ruff on Python, sqlfluff on the dbt models
	$(BIN)/ruff check loaders sandbox scripts devtools serving tests
	$(BIN)/ruff format --check loaders sandbox scripts devtools serving tests
	DUCKDB_PATH=:memory: DBT_TARGET_PATH=target/lint MARKETPLACES=ozon,wildberries $(BIN)/sqlfluff lint --processes 0 dbt_project/models dbt_project/tests

fmt: setup ## Format Python (ruff) and fix SQL style (sqlfluff)
	$(BIN)/ruff format loaders sandbox scripts devtools serving tests
	$(BIN)/ruff check --fix loaders sandbox scripts devtools serving tests
	DUCKDB_PATH=:memory: MARKETPLACES=ozon,wildberries $(BIN)/sqlfluff fix dbt_project/models dbt_project/tests

# The stock API and dashboard (serving/); SERVE_HOST, SERVE_PORT, SERVE_RATE_LIMIT, SERVE_LOCAL_MODE.
serve: setup ## Stock API (/api/v1, /docs) and dashboard on http://SERVE_HOST:SERVE_PORT (127.0.0.1:8000) over TARGET
	$(BIN)/python -m serving

api-key: setup ## Create an API key for `make serve`: make api-key NAME=erp (printed once; data/api_keys.json keeps its hash)
	@test -n "$(NAME)" || { echo "usage: make api-key NAME=<who uses it>" >&2; exit 2; }
	$(BIN)/python -m serving.keys "$(NAME)"

# Debian's chromium for the dashboard's browser tests (Playwright drives it; nothing is downloaded
# from elsewhere). Needs root or sudo; without it the browser tests skip, or fail under CI=true.
browser: ## Install the system Chromium the browser tests drive (apt-get install chromium), if missing
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then APT="apt-get"; elif command -v sudo >/dev/null; then APT="sudo apt-get"; fi; \
	  [ -n "$$APT" ] && { DEBIAN_FRONTEND=noninteractive $$APT install -y --no-install-recommends chromium \
	    || { $$APT update && DEBIAN_FRONTEND=noninteractive $$APT install -y --no-install-recommends chromium; }; } \
	  || { echo "chromium could not be installed: install Debian's chromium package" >&2; [ "$$CI" != true ]; }; }

clean: ## Remove data/, dbt's target/ and logs/ (keeps .venv)
	rm -rf data target logs
