"""The outbox's SQL for a caller's own statement: one envelope (the confirmation's single round trip) and one event
per row (the sweep), written exactly as outbox.record writes them, in the rows' order."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from sqlalchemy import select, text

from shared import clock, db, events, outbox
from tests.integration.platform import things

AT = datetime(2026, 3, 9, 1, 30, 0, 250, tzinfo=timezone.utc)


def rows(url: str) -> list:
    with db.unit_of_work(url) as session:
        return session.execute(select(outbox.outbox).order_by(outbox.outbox.c.seq)).all()


def test_one_envelope_inside_a_callers_statement_is_the_row_record_writes(database_url):
    envelope = events.make(things.HAPPENED, {"thing_id": uuid.uuid4(), "note": "ditimbang"}, producer="platformtest",
                           correlation_id="req-7")
    with db.unit_of_work(database_url) as session:
        answer = session.execute(text(f"WITH event AS ({outbox.INSERT_ONE}) SELECT 42"),
                                 outbox.one_params(envelope, created_at=AT)).scalar()
    assert answer == 42  # one statement did the caller's work and wrote the event
    [row] = rows(database_url)
    assert (row.id, row.type, row.created_at, row.sent_at, row.attempts) == (envelope.id, things.HAPPENED, AT, None, 0)
    assert row.envelope == envelope.to_dict()
    assert row.envelope["correlation_id"] == "req-7" and row.envelope["producer"] == "platformtest"
    assert events.parse(json.dumps(row.envelope).encode()).data["note"] == "ditimbang"


def _announce(correlation_id: str | None):
    return text(f"""
WITH source AS (
    SELECT CAST(v.thing_id AS uuid) AS thing_id, v.note, v.n
      FROM (VALUES ('{THINGS[0]}', 'kedua', 2), ('{THINGS[1]}', 'pertama', 1), ('{THINGS[2]}', 'ketiga', 3))
           AS v(thing_id, note, n)
), announced AS (
    {ANNOUNCE}
)
SELECT count(*) FROM source
"""), outbox.rows_params(AT, correlation_id)


THINGS = [str(uuid.uuid4()) for _ in range(3)]
ANNOUNCE = outbox.insert_from_rows(things.HAPPENED, "source", {
    "thing_id": outbox.dumped_uuid("r.thing_id"), "note": outbox.dumped_value("r.note")}, producer="platformtest", order_by=("n",))


def test_one_event_per_row_is_built_in_sql_as_make_builds_it_and_takes_seq_in_the_rows_order(database_url):
    statement, params = _announce("sweep-run-1")
    with db.unit_of_work(database_url) as session:
        assert session.execute(statement, params).scalar() == 3
    written = rows(database_url)
    assert [row.envelope["data"]["note"] for row in written] == ["pertama", "kedua", "ketiga"]  # ordered by n
    assert [row.envelope["data"]["thing_id"] for row in written] == [THINGS[1], THINGS[0], THINGS[2]]
    for row in written:
        assert row.type == things.HAPPENED and row.created_at == AT and row.sent_at is None
        assert row.envelope["id"] == row.id  # the key in the row and in the envelope is the same fresh uuid
        made = events.make(things.HAPPENED, row.envelope["data"], producer="platformtest",
                           correlation_id="sweep-run-1")
        assert row.envelope == {**made.to_dict(), "id": row.id, "occurred_at": AT.isoformat(),
                                "data": {key: value for key, value in made.data.items() if key != "pad"}}
        parsed = events.parse(json.dumps(row.envelope).encode())
        assert (parsed.type, parsed.producer, parsed.version, parsed.correlation_id) == (
            things.HAPPENED, "platformtest", 1, "sweep-run-1")
        assert str(parsed.data["thing_id"]) == row.envelope["data"]["thing_id"]
    assert len({row.id for row in written}) == 3


def test_without_a_correlation_id_each_built_event_correlates_to_itself(database_url):
    statement, params = _announce(None)
    with db.unit_of_work(database_url) as session:
        session.execute(statement, params)
    assert [row.envelope["correlation_id"] for row in rows(database_url)] == [row.id for row in rows(database_url)]


def test_a_value_is_escaped_as_json_and_null_is_written_null(database_url):
    tricky = 'kata "kutip" \\ dan\nbaris'
    with db.unit_of_work(database_url) as session:
        written = session.execute(text(f"SELECT {outbox.dumped_value('CAST(:note AS text)')}"), {"note": tricky})
        assert json.loads(written.scalar_one()) == tricky
    statement = outbox.insert_from_rows(things.HAPPENED, "source", {"thing_id": outbox.dumped_uuid("r.id"),
                                        "note": outbox.dumped_value("r.note")}, producer="platformtest", order_by=())
    with db.unit_of_work(database_url) as session:
        session.execute(text(f"WITH source AS (SELECT gen_random_uuid() AS id, CAST(NULL AS text) AS note), "
                             f"announced AS ({statement}) SELECT 1"), outbox.rows_params(AT))
    [row] = rows(database_url)
    assert row.envelope["data"]["note"] is None


def test_no_rows_write_no_events(database_url):
    empty = outbox.insert_from_rows(things.HAPPENED, "source", {"thing_id": "CAST(r.id AS text)", "note": outbox.dumped_value("CAST('x' AS text)")},
                                    producer="platformtest", order_by=())
    with db.unit_of_work(database_url) as session:
        session.execute(text(f"WITH source AS (SELECT gen_random_uuid() AS id WHERE false), announced AS ({empty}) "
                             "SELECT 1"), outbox.rows_params(AT))
    assert rows(database_url) == []


def test_dates_and_instants_are_dumped_in_sql_as_the_event_schemas_dump_them(database_url):
    instants = [datetime(2026, 3, 9, 1, 30, tzinfo=timezone.utc), datetime(2026, 3, 9, 1, 30, 0, 250, tzinfo=timezone.utc),
                datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=clock.WIB)]
    with db.unit_of_work(database_url) as session:
        for instant in instants:
            dumped, day, thing = session.execute(text(
                f"SELECT {outbox.dumped_instant('CAST(:at AS timestamptz)')}, {outbox.dumped_date('CAST(:day AS date)')},"
                f" {outbox.dumped_uuid('CAST(:id AS uuid)')}"), {"at": instant, "day": instant.date(), "id": THINGS[0]}
            ).one()
            assert json.loads(dumped) == instant.astimezone(timezone.utc).isoformat()
            assert (json.loads(day), json.loads(thing)) == (instant.date().isoformat(), THINGS[0])
