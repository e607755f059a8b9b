"""Retention deletes old sent outbox rows and inbox ids in batches (in eventsd too); republish re-sends kept rows."""
from __future__ import annotations

import uuid
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import text

from kawal.cli import main as kawal
from shared import clock, config, db, outbox, retention
from shared.inbox import inbox
from tests.integration.platform import things
from tests.integration.platform.conftest import count, declare, metric, record
from tests.integration.platform.test_eventsd import _free_port, _scrape
from tests.support.broker import wait_until
from tests.support.processes import events_running, start_eventsd, terminate

SETTINGS = config.RetentionSettings(days=30, interval_seconds=0.2, batch_size=3)


def age(url: str, days_sent: dict[str, float | None], applied_days: list[float]) -> None:
    """Give outbox rows (by note) a sent_at this many days ago (None: unsent), and add inbox ids applied so long ago."""
    now = clock.now()
    with db.unit_of_work(url) as session:
        for note, days in days_sent.items():
            session.execute(text("UPDATE outbox SET sent_at = :at, created_at = :created "
                                 "WHERE envelope->'data'->>'note' = :note"),
                            {"at": None if days is None else now - timedelta(days=days),
                             "created": now - timedelta(days=days or 40), "note": note})
        for days in applied_days:
            session.execute(inbox.insert().values(event_id=str(uuid.uuid4()), type=things.HAPPENED,
                                                  applied_at=now - timedelta(days=days)))


def kept_notes(url: str) -> set[str]:
    with db.unit_of_work(url) as session:
        return set(session.execute(text("SELECT envelope->'data'->>'note' FROM outbox")).scalars())


def test_sent_rows_and_inbox_ids_older_than_the_age_are_deleted_in_batches_and_the_rest_kept(database_url, service):
    old = [f"old{n}" for n in range(7)]
    record(database_url, *old, "recent", "stuck unsent", "just under the age")
    age(database_url, {**{n: 31 for n in old}, "recent": 1, "stuck unsent": None, "just under the age": 29.9},
        applied_days=[45] * 5 + [29, 2])
    before = metric(f"kawal_{service}_retention_deleted_total", table="outbox")

    deleted = retention.purge(service, database_url, SETTINGS)

    assert deleted == {"outbox": 7, "inbox": 5}  # batches of 3: 3 + 3 + 1 and 3 + 2
    assert kept_notes(database_url) == {"recent", "stuck unsent", "just under the age"}
    assert count(database_url, inbox) == 2
    assert metric(f"kawal_{service}_retention_deleted_total", table="outbox") - before == 7
    assert retention.purge(service, database_url, SETTINGS) == {"outbox": 0, "inbox": 0}


def test_the_events_process_deletes_expired_rows_on_its_own_and_counts_them(database_url, amqp_url, service, settings):
    declare(amqp_url, service, settings)  # as `kawal events declare` does before any process starts
    record(database_url, "ancient", "fresh")
    age(database_url, {"ancient": 60, "fresh": 0}, applied_days=[60, 60])
    port = _free_port()
    process = start_eventsd(service, {
        f"KAWAL_{service.upper()}_DATABASE_URL": database_url, "KAWAL_AMQP_URL": amqp_url,
        f"KAWAL_{service.upper()}_EVENTS_METRICS_PORT": str(port), "KAWAL_LOG_FORMAT": "text",
        "KAWAL_RETENTION_DAYS": "30", "KAWAL_RETENTION_INTERVAL_SECONDS": "0.5",
    }, handlers="tests.integration.platform.things:HANDLERS")
    try:
        wait_until(lambda: kept_notes(database_url) == {"fresh"}, timeout=30, message="the ancient row deleted")
        page = wait_until(lambda: (p := _scrape(port)) and f'retention_deleted_total{{table="inbox"}} 2.0' in p and p,
                          timeout=20, message="the inbox deletions counted")
        assert f'kawal_{service}_retention_deleted_total{{table="outbox"}} 1.0' in page
    finally:
        terminate(process)


def test_republish_from_a_position_sends_kept_rows_again_and_consumers_apply_nothing_twice(
        database_url, amqp_url, service, settings, tap):
    with events_running(service, things.HANDLERS, database_url, amqp_url, settings=settings):
        ids = record(database_url, "a", "b", "c", "d")
        wait_until(lambda: count(database_url, things.effects) == 4, timeout=20, message="four effects")
        assert len(tap.drain(expect=4)) == 4
        with db.unit_of_work(database_url) as session:
            third = session.execute(text("SELECT min(seq) + 2 FROM outbox")).scalar_one()
            republished = outbox.republish(session, since_seq=third)
        assert republished == (2, third, third + 1)
        again = tap.drain(expect=2, timeout=10)
        wait_until(lambda: count(database_url, outbox.outbox, outbox.outbox.c.sent_at.is_(None)) == 0,
                   message="both rows sent again")
    assert sorted(m["data"]["thing_id"] for m in again) == sorted(ids[2:])
    assert count(database_url, things.effects) == 4  # the inbox recognised both


def test_kawal_events_republish_takes_a_seq_or_an_instant_and_refuses_anything_else(routes_db):
    with db.unit_of_work(routes_db) as session:
        session.execute(text("TRUNCATE outbox"))
        for n in range(3):
            outbox.record(session, things.HAPPENED, {"thing_id": str(uuid.uuid4()), "note": f"n{n}"}, producer="routes")
        session.execute(text("UPDATE outbox SET sent_at = created_at"))
        first = session.execute(text("SELECT min(seq) FROM outbox")).scalar_one()
    runner = CliRunner()
    by_seq = runner.invoke(kawal, ["events", "republish", "--service", "routes", "--since", str(first + 1)])
    assert by_seq.exit_code == 0, by_seq.output
    assert f"2 outbox rows (seq {first + 1}..{first + 2})" in by_seq.output
    by_time = runner.invoke(kawal, ["events", "republish", "--service", "routes", "--since",
                                    (clock.now() - timedelta(hours=1)).isoformat()])
    assert "1 outbox rows" in by_time.output  # the first row: the other two are already waiting for the relay
    assert count(routes_db, outbox.outbox, outbox.outbox.c.sent_at.is_(None)) == 3
    for bad in ("yesterday", "2026-11-01T00:00:00"):
        refused = runner.invoke(kawal, ["events", "republish", "--service", "routes", "--since", bad])
        assert refused.exit_code == 2 and "--since" in refused.output
