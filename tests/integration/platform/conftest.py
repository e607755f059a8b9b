"""Platform test fixtures: a throwaway database with the platform tables and a test service's tables."""
from __future__ import annotations

import os
import uuid
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, func, select

from shared import config, db, outbox
from shared.db import platform_metadata
from tests.integration.platform import things
from tests.support import databases


@pytest.fixture(scope="session")
def platform_db():
    name = f"kawal_platform_{os.environ.get('KAWAL_TEST_DB_SUFFIX', 'test')}"
    databases.recreate(name)
    url = databases.url_for(name)
    engine = create_engine(url)
    platform_metadata.create_all(engine)
    things.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def database_url(platform_db):
    databases.truncate_all(platform_db)
    return platform_db


@pytest.fixture
def service():
    """A service name of the test's own, so its queues are its own on the session's vhost."""
    return f"pt{uuid.uuid4().hex[:8]}"


@pytest.fixture
def settings():
    return replace(config.events(), retry_delays_seconds=(0.2, 0.4), relay_idle_seconds=0.05,
                   reconnect_seconds=0.2, batch_wait_seconds=0.05)


def record(url: str, *notes: str, service: str = "platformtest", commit: bool = True) -> list[str]:
    """Record one thing.happened event per note in one transaction; returns their thing ids."""
    ids = [str(uuid.uuid4()) for _ in notes]
    session = db.session_factory(url)()
    try:
        for thing_id, note in zip(ids, notes):
            outbox.record(session, things.HAPPENED, {"thing_id": thing_id, "note": note}, producer=service)
        session.commit() if commit else session.rollback()
    finally:
        session.close()
    return ids


def count(url: str, table, *where) -> int:
    with db.unit_of_work(url) as session:
        return session.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def metric(name: str, **labels) -> float:
    from prometheus_client import REGISTRY
    return REGISTRY.get_sample_value(name, labels) or 0.0


def queue_depth(amqp_url: str, queue: str) -> int:
    """Ready messages on a queue, 0 when it does not exist yet."""
    import pika
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    except pika.exceptions.ChannelClosedByBroker:
        return 0
    finally:
        if connection.is_open:
            connection.close()


def declare(amqp_url: str, service: str, settings) -> None:
    """The service's queues and bindings, as its consumer would declare them."""
    import pika
    from shared import topology
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        topology.declare_service(connection.channel(), service, things.HANDLERS, settings)
    finally:
        connection.close()
