# Kawal: `make demo` runs a month of Pekanbaru; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KAWAL := $(VENV)/bin/kawal
RUN_DIR := .run

.PHONY: venv services tools db up down demo test test-unit test-integration test-e2e fuzz bandit bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

services:
	@bash scripts/ensure-services.sh

# promtool and prometheus (Debian's package) for the deploy tests
tools:
	@bash scripts/ensure-tools.sh

db: venv services
	$(KAWAL) db upgrade
	$(KAWAL) events declare

# no built-in secret: the development one is generated once into .run/jwt-secret unless KAWAL_JWT_SECRET is set
up: db
	KAWAL_JWT_SECRET="$${KAWAL_JWT_SECRET:-$$(bash scripts/jwt-secret.sh)}" PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
	  $(VENV)/bin/honcho -f Procfile start

down:
	@bash scripts/demo.sh stop

demo: db
	@bash scripts/demo.sh start

test: venv services tools
	$(PY) -m pytest -q tests

test-unit: venv tools
	$(PY) -m pytest -q tests/unit

test-integration: venv services tools
	$(PY) -m pytest -q tests/integration

test-e2e: venv services
	$(PY) -m pytest -q tests/e2e

# schemathesis against each service's OpenAPI document as each role, ten minutes of fresh data (make test runs
# a short seeded pass: tests/integration/hardening/test_schemathesis.py)
fuzz: venv services
	KAWAL_JWT_SECRET="$${KAWAL_JWT_SECRET:-$$(bash scripts/jwt-secret.sh)}" KAWAL_TEST_DB_SUFFIX=$${KAWAL_TEST_DB_SUFFIX:-fuzz} \
	  $(PY) -m tests.support.fuzz --minutes $${FUZZ_MINUTES:-10}

# security lint: nothing above low that is not explained where it is silenced (also a test in make test)
bandit: venv
	$(VENV)/bin/bandit -q -r services shared kawal --severity-level medium

bench: db
	$(PY) bench/events.py
	$(PY) bench/ingest.py
	$(PY) bench/sweep.py
	$(PY) bench/invoice.py

clean:
	rm -rf $(VENV) $(RUN_DIR) .pytest_cache
