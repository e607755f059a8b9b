"""`kawal demo reset`, twice: each time the demo's own databases are dropped, recreated and migrated to head, and its
vhost recreated with its queues empty, whatever the previous run left (a table, a queued event)."""
from __future__ import annotations

import os

import pika
import psycopg
import pytest
from click.testing import CliRunner

from kawal.cli import main
from kawal.demo.instance import Demo
from shared import config, topology
from tests.support import broker


@pytest.fixture
def demo(tmp_path, monkeypatch):
    saved = dict(os.environ)  # the reset points this process at the demo's vhost: restore everything after
    # the demo derives its names from config's defaults: the suite's own database and broker URLs stay out of it
    for service in config.DATABASES:
        monkeypatch.delenv(f"KAWAL_{service.upper()}_DATABASE_URL", raising=False)
        monkeypatch.delenv(f"KAWAL_{service.upper()}_MIGRATE_DATABASE_URL", raising=False)
    for name in ("KAWAL_AMQP_URL", "KAWAL_AMQP_ADMIN_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAWAL_DEMO_NAME", f"{os.environ.get('KAWAL_TEST_DB_SUFFIX', 'test')}_reset")
    monkeypatch.setenv("KAWAL_DEMO_HOME", str(tmp_path))
    here = Demo.configured()
    yield here
    for service in config.DATABASES:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{here.migration_url(service).database}" WITH (FORCE)')
    broker.delete_vhost(here.vhost)
    broker.delete_users(f"{here.user_prefix}{s}" for s in config.DATABASES)
    os.environ.clear()
    os.environ.update(saved)


def state(here: Demo) -> dict[str, tuple]:
    """Per database: its Alembic revisions and every table with its row count."""
    found = {}
    for service in config.DATABASES:
        url = here.migration_url(service).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(url) as conn:
            versions = tuple(sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version")))
            tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                                 "AND tablename <> 'alembic_version' ORDER BY 1")]
            counts = tuple((t, conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables)
        found[service] = (versions, counts)
    return found


def queued(here: Demo, queue: str) -> int:
    url = here.broker_env()["KAWAL_AMQP_ADMIN_URL"]
    connection = pika.BlockingConnection(topology.parameters(url, "test.demo-reset"))
    try:
        return topology.message_count(connection.channel(), queue)
    finally:
        connection.close()


def leave_a_mess(here: Demo) -> None:
    """What an earlier demo leaves: rows in its databases and an event nobody consumed yet."""
    for service in config.DATABASES:
        url = here.migration_url(service).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE left_by_the_last_run (note text)")
            conn.execute("INSERT INTO left_by_the_last_run VALUES ('an old city')")
    connection = pika.BlockingConnection(topology.parameters(here.broker_env()["KAWAL_AMQP_ADMIN_URL"], "test"))
    try:
        connection.channel().basic_publish("", topology.service_queue("routes"), b'{"type": "stale"}',
                                           pika.BasicProperties(delivery_mode=2))
    finally:
        connection.close()


def test_reset_twice_leaves_clean_migrated_databases_and_an_empty_vhost(demo):
    runner = CliRunner()
    first = runner.invoke(main, ["demo", "reset"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "Kota demo direset" in first.output
    fresh = state(demo)
    for service, (versions, counts) in fresh.items():
        assert versions, f"{service} not migrated"
        assert counts and all(rows == 0 for _, rows in counts), (service, counts)  # an empty city
    assert "pickups" in dict(fresh["routes"][1]) and "invoices" in dict(fresh["billing"][1])
    assert queued(demo, topology.service_queue("routes")) == 0

    leave_a_mess(demo)
    assert queued(demo, topology.service_queue("routes")) == 1
    assert state(demo) != fresh

    again = runner.invoke(main, ["demo", "reset"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert "Kota demo direset: kota sebelumnya dihapus" in again.output
    assert state(demo) == fresh  # the same revisions, the same tables, the same (empty) rows
    for service in config.SERVICES:
        assert queued(demo, topology.service_queue(service)) == 0
    # each service's broker user was declared again on the new vhost, and the processes' env names them
    assert {f"KAWAL_{s.upper()}_AMQP_URL" for s in config.DATABASES} <= set(demo.broker_env())
    assert not demo.pid_file.exists()
