# One entry point for people, cron and CI. `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TARGET ?= duckdb
DBT := $(BIN)/dbt
DBT_ARGS := --profiles-dir . --project-dir . --target $(TARGET)

export RUNTIME__DLTHUB_TELEMETRY := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

# Settings and secrets a user keeps in .env (never committed) reach every step.
ifneq (,$(wildcard .env))
include .env
export
endif

.PHONY: help setup demo load-ozon build seed freshness docs summary test test-postgres lint fmt clean

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

demo: setup ## Whole job end to end against the local sandbox into data/demo.duckdb, then a summary
	$(BIN)/python -m scripts.demo

load-ozon: setup ## Load Ozon catalogue and stock (OZON_CLIENT_ID, OZON_API_KEY) into TARGET
	$(BIN)/python -m loaders ozon --destination $(TARGET)

build: setup ## dbt build (seeds, models, tests) on TARGET (duckdb|postgres)
	$(DBT) build $(DBT_ARGS)

seed: setup ## Load the dbt seeds (warehouse list and aliases) into TARGET
	$(DBT) seed $(DBT_ARGS)

freshness: setup ## Check source freshness of the raw tables on TARGET
	$(DBT) source freshness $(DBT_ARGS)

docs: setup ## Generate the dbt docs site (open target/index.html, or run `dbt docs serve`)
	$(DBT) docs generate $(DBT_ARGS)

summary: setup ## Print products, warehouses, units in stock and the lowest stock from DUCKDB_PATH
	$(BIN)/python -m scripts.summary

test: setup ## All tests: pytest (DuckDB and PostgreSQL, incl. dbt build over sandbox data) and lint
	$(BIN)/pytest
	$(MAKE) --no-print-directory lint

test-postgres: setup ## Only the PostgreSQL path: loaders and dbt build against PostgreSQL (PG* env)
	$(BIN)/pytest -m postgres

lint: setup ## ruff on Python, sqlfluff on the dbt models
	$(BIN)/ruff check loaders scripts tests
	$(BIN)/ruff format --check loaders scripts tests
	DUCKDB_PATH=:memory: $(BIN)/sqlfluff lint dbt_project/models dbt_project/tests

fmt: setup ## Format Python (ruff) and fix SQL style (sqlfluff)
	$(BIN)/ruff format loaders scripts tests
	$(BIN)/ruff check --fix loaders scripts tests
	DUCKDB_PATH=:memory: $(BIN)/sqlfluff fix dbt_project/models dbt_project/tests

clean: ## Remove data/, dbt's target/ and logs/ (keeps .venv)
	rm -rf data target logs
