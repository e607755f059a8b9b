# Kawal: `make demo` runs a month of Pekanbaru; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KAWAL := $(VENV)/bin/kawal
RUN_DIR := .run

.PHONY: venv services tools db up down demo test test-unit test-integration test-e2e bench chaos soak clean

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

# each process supervised on its own (kawal/supervisor.py): one that dies is restarted, the others keep running
up: db
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(KAWAL) supervise -f Procfile

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

bench: db
	$(PY) bench/events.py
	$(PY) bench/ingest.py
	$(PY) bench/sweep.py
	$(PY) bench/invoice.py

# the whole city supervised, 6,000 confirmations under 23 faults; RESTARTS RabbitMQ and PostgreSQL (not in make test)
chaos: venv services
	KAWAL_TEST_DB_SUFFIX=$${KAWAL_TEST_DB_SUFFIX:-chaos} $(PY) -m tests.support.chaos.run --full

# an hour of the reference city on an accelerated clock (a day a minute), every process sampled (not in make test)
soak: venv services
	KAWAL_TEST_DB_SUFFIX=$${KAWAL_TEST_DB_SUFFIX:-soak} $(PY) -m tests.support.soak

clean:
	rm -rf $(VENV) $(RUN_DIR) .pytest_cache
