"""Session fixtures: a RabbitMQ vhost and fresh, migrated databases per service, on the real servers."""
from __future__ import annotations

import os
import secrets

import pytest

from shared import clock
from tests.support import broker, databases

# No built-in secret (ARCHITECTURE.md, Security): the suite generates its own, which every process it starts inherits.
if len(os.environ.get("KAWAL_JWT_SECRET", "").encode()) < 32:
    os.environ["KAWAL_JWT_SECRET"] = secrets.token_urlsafe(48)


@pytest.fixture(scope="session")
def amqp_url():
    vhost = broker.create_vhost()
    url = broker.amqp_url(vhost)
    os.environ["KAWAL_AMQP_URL"] = url
    yield url
    broker.delete_vhost(vhost)


def _service_db(service: str):
    # KAWAL_TEST_DB_SUFFIX lets two suites run side by side without dropping each other's databases
    url = databases.fresh_service_database(service, os.environ.get("KAWAL_TEST_DB_SUFFIX", "test"))
    os.environ[f"KAWAL_{service.upper()}_DATABASE_URL"] = url
    return url


@pytest.fixture(scope="session")
def contracts_db():
    return _service_db("contracts")


@pytest.fixture(scope="session")
def routes_db():
    return _service_db("routes")


@pytest.fixture(scope="session")
def billing_db():
    return _service_db("billing")


@pytest.fixture(scope="session")
def portal_db():
    return _service_db("portal")


@pytest.fixture
def frozen_clock():
    """Freeze the shared clock for a test: call it with an aware datetime; restored afterwards."""
    yield clock.set_for_tests
    clock.set_for_tests(None)


@pytest.fixture
def tap(amqp_url):
    """Everything published on the events exchange during the test."""
    t = broker.Tap(amqp_url)
    yield t
    t.close()
