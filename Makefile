# Kawal: `make demo` runs a month of Pekanbaru; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KAWAL := $(VENV)/bin/kawal
RUN_DIR := .run

.PHONY: help venv services tools db up down demo test test-unit test-integration test-e2e fuzz bandit lint lock bench chaos soak clean
.DEFAULT_GOAL := help

help: ## this list
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z0-9-]+):.*## (.*)/\1\t\2/' | expand -t 20

venv: $(VENV)/.installed ## create .venv and install Kawal with its test tools

$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[test]'
	@touch $@

services: ## start PostgreSQL and RabbitMQ if they are not answering
	@bash scripts/ensure-services.sh

# promtool and prometheus (the deploy tests) and chromium (the portal's browser tests): Debian's packages
tools: ## install promtool/prometheus and chromium (Debian) for the deploy and browser tests
	@bash scripts/ensure-tools.sh

db: venv services ## create and migrate every database, declare the broker topology and one broker user per service
	$(KAWAL) db upgrade
	$(KAWAL) events declare --users --env-file $(RUN_DIR)/broker.env

# no built-in secret: the development one is generated once into .run/jwt-secret unless KAWAL_JWT_SECRET is set;
# every process connects to the broker as its own service's user (URLs from $(RUN_DIR)/broker.env, written by `db`);
# each process supervised on its own (kawal/supervisor.py): one that dies is restarted, the others keep running
up: db ## run every process in the foreground, each restarted if it dies (Ctrl-C stops all)
	set -a && . ./$(RUN_DIR)/broker.env && set +a && \
	  KAWAL_JWT_SECRET="$${KAWAL_JWT_SECRET:-$$(bash scripts/jwt-secret.sh)}" PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
	  $(KAWAL) supervise -f Procfile

down: venv ## stop what `make demo` started (kawal demo stop)
	@$(KAWAL) demo stop

# the demo resets its own databases (kawal_<service>_demo) and broker vhost (kawal_demo) itself: `make up`'s stay
demo: venv services ## a clean demo city: seed it, simulate last month, print compliance and invoices (kawal demo start)
	@$(KAWAL) demo start

test: venv services tools ## the whole suite against real PostgreSQL and RabbitMQ
	$(PY) -m pytest -q tests

# pyproject.toml keeps the ranges; requirements.lock pins what the image and CI install (after a dependency change)
lock: venv ## regenerate requirements.lock from pyproject.toml (pip-compile, runtime and test extras)
	$(PY) -m pip install -q pip-tools
	$(VENV)/bin/pip-compile -q --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
	  -o requirements.lock pyproject.toml

lint: venv ## ruff (lint and format) and mypy on shared/, services/ (and kawal/ for ruff) (configured in pyproject.toml; make test runs them too)
	$(VENV)/bin/ruff check shared services kawal
	$(VENV)/bin/ruff format --check shared services kawal
	$(VENV)/bin/mypy

test-unit: venv ## unit tests only
	$(PY) -m pytest -q tests/unit

test-integration: venv services tools ## integration tests only
	$(PY) -m pytest -q tests/integration

test-e2e: venv services ## end-to-end tests only
	$(PY) -m pytest -q tests/e2e

# make test runs a short seeded pass of the same (tests/integration/hardening/test_schemathesis.py)
fuzz: venv services ## schemathesis on each service's OpenAPI document as each role, 10 minutes of fresh data
	KAWAL_JWT_SECRET="$${KAWAL_JWT_SECRET:-$$(bash scripts/jwt-secret.sh)}" KAWAL_TEST_DB_SUFFIX=$${KAWAL_TEST_DB_SUFFIX:-fuzz} \
	  $(PY) -m tests.support.fuzz --minutes $${FUZZ_MINUTES:-10}

bandit: venv ## security lint: nothing above low unless silenced with a reason (also a test in make test)
	$(VENV)/bin/bandit -q -c pyproject.toml -r services shared kawal --severity-level medium

bench: db ## benchmarks: each figure beside its baseline, median of three interleaved rounds
	export KAWAL_JWT_SECRET="$${KAWAL_JWT_SECRET:-$$(bash scripts/jwt-secret.sh)}"; \
	  $(PY) bench/events.py && $(PY) bench/ingest.py && $(PY) bench/sweep.py && $(PY) bench/invoice.py && \
	  $(PY) bench/latency.py && $(PY) bench/portal.py

chaos: venv services ## 6,000 confirmations under 23 faults; RESTARTS RabbitMQ and PostgreSQL (not in make test)
	KAWAL_TEST_DB_SUFFIX=$${KAWAL_TEST_DB_SUFFIX:-chaos} $(PY) -m tests.support.chaos.run --full

soak: venv services ## an hour of the city at a day a minute, every process sampled; fails on growth
	KAWAL_TEST_DB_SUFFIX=$${KAWAL_TEST_DB_SUFFIX:-soak} $(PY) -m tests.support.soak

clean: ## remove .venv and .run
	rm -rf $(VENV) $(RUN_DIR) .pytest_cache
