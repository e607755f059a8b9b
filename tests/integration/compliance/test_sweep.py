"""The sweep on the real database: deadlines at window end plus grace, one statement per kind, events in the outbox."""
from __future__ import annotations

import json
import time as time_module
from datetime import date, datetime, time, timedelta

from shared import clock, events
from services.routes.compliance.sweep import sweep
from tests.integration.compliance.seed import Network, rows, run

DAY = date(2026, 3, 9)  # a Monday
WINDOW_END = clock.wib_instant(DAY, time(7, 0))  # 00:00 UTC
DEADLINE = WINDOW_END + timedelta(minutes=60)  # the default grace


def _statuses(url):
    return {r["id"]: r["status"] for r in rows(url, "SELECT CAST(id AS text) AS id, status FROM pickups")}


def _outbox(url, type_):
    return rows(url, "SELECT envelope FROM outbox WHERE type = :t ORDER BY seq", t=type_)


def test_a_pickup_one_second_before_window_end_plus_grace_is_not_missed(routes, seed):
    with seed() as s:
        pickup = Network(s).pickup(DAY)
    result = run(routes, sweep, DEADLINE - timedelta(seconds=1))
    assert result.missed == 0
    assert _statuses(routes)[pickup] == "scheduled"
    assert _outbox(routes, "routes.pickup.missed") == []


def test_a_pickup_at_window_end_plus_grace_is_missed_with_its_event(routes, seed):
    with seed() as s:
        network = Network(s, number="KTR-7/2026")
        pickup = network.pickup(DAY)
    result = run(routes, sweep, DEADLINE)
    assert result.missed_by_contract == {"KTR-7/2026": 1}
    row = rows(routes, "SELECT status, missed_at FROM pickups")[0]
    assert row["status"] == "missed" and row["missed_at"] == DEADLINE
    [envelope] = [r["envelope"] for r in _outbox(routes, "routes.pickup.missed")]
    assert envelope["data"] == {"pickup_id": pickup, "contract_id": network.contract_id,
                                "route_id": network.route_id, "point_id": network.point_id,
                                "date": "2026-03-09", "window_end": "2026-03-09T00:00:00+00:00"}


def test_the_contract_grace_decides_the_deadline(routes, seed):
    with seed() as s:
        Network(s, grace_minutes=0).pickup(DAY)
        Network(s, grace_minutes=120).pickup(DAY)
    assert run(routes, sweep, WINDOW_END).missed == 1
    assert run(routes, sweep, WINDOW_END + timedelta(minutes=119)).missed == 0
    assert run(routes, sweep, WINDOW_END + timedelta(minutes=120)).missed == 1


def test_an_envelope_built_in_sql_parses_with_the_shared_schema_exactly_as_make_builds_it(routes, seed):
    with seed() as s:
        network = Network(s)
        pickup = network.pickup(DAY, end=time(7, 0, 0))
    run(routes, sweep, DEADLINE + timedelta(microseconds=1500))
    [sql_built] = [r["envelope"] for r in _outbox(routes, "routes.pickup.missed")]
    parsed = events.parse(json.dumps(sql_built).encode())
    assert parsed.type == "routes.pickup.missed" and parsed.producer == "routes" and parsed.version == 1
    assert str(parsed.data["pickup_id"]) == pickup and parsed.data["window_end"] == WINDOW_END
    made = events.make("routes.pickup.missed", parsed.data, producer="routes").to_dict()
    assert made["data"] == sql_built["data"]
    assert set(made) == set(sql_built)
    assert sql_built["occurred_at"] == (DEADLINE + timedelta(microseconds=1500)).isoformat()
    assert sql_built["correlation_id"] and sql_built["id"] != pickup


def test_a_window_end_with_microseconds_is_written_as_isoformat_writes_it(routes, seed):
    with seed() as s:
        Network(s).pickup(DAY, end=time(7, 0, 0, 250))
    run(routes, sweep, DEADLINE + timedelta(seconds=1))
    [envelope] = [r["envelope"] for r in _outbox(routes, "routes.pickup.missed")]
    assert envelope["data"]["window_end"] == (WINDOW_END + timedelta(microseconds=250)).isoformat()


def test_a_confirmed_excused_or_already_confirming_pickup_is_never_missed(routes, seed):
    with seed() as s:
        network = Network(s)
        network.pickup(DAY, status="confirmed", on_time=True, off_site=False)
        network.pickup(DAY, status="excused")
        syncing = network.pickup(DAY)
        network.confirm_late_arrival(syncing, WINDOW_END - timedelta(minutes=5))
    assert run(routes, sweep, DEADLINE + timedelta(hours=3)).missed == 0
    assert sorted(_statuses(routes).values()) == ["confirmed", "excused", "scheduled"]


def test_only_pickups_on_days_in_force_are_swept(routes, seed):
    # second edition: days in force decide, not the status now (the last day is swept also after expiry)
    the_day_before = clock.wib_instant(DAY - timedelta(days=1), time(12, 0))
    with seed() as s:
        suspended = Network(s)
        suspended.pickup(DAY)
        suspended.status_change("suspended", the_day_before)
        terminated = Network(s)
        terminated.pickup(DAY)
        terminated.status_change("terminated", the_day_before)
        expired = Network(s, end=DAY)
        last_day = expired.pickup(DAY)
        expired.status_change("expired", clock.wib_instant(DAY + timedelta(days=1), time(0, 0)))
        active = Network(s).pickup(DAY)
    run(routes, sweep, DEADLINE + timedelta(days=1))
    assert sorted(p for p, status in _statuses(routes).items() if status == "missed") == sorted([active, last_day])


def test_running_the_sweep_twice_marks_and_announces_each_miss_once(routes, seed):
    with seed() as s:
        network = Network(s)
        for _ in range(3):
            network.pickup(DAY)
    assert run(routes, sweep, DEADLINE).missed == 3
    assert run(routes, sweep, DEADLINE + timedelta(minutes=1)).missed == 0
    assert len(_outbox(routes, "routes.pickup.missed")) == 3


def test_a_sweep_after_days_of_downtime_catches_up_every_overdue_pickup_but_not_the_future(routes, seed):
    with seed() as s:
        network = Network(s)
        for offset in range(5):
            network.pickup(DAY + timedelta(days=offset))
        tomorrow = network.pickup(DAY + timedelta(days=6))
    result = run(routes, sweep, DEADLINE + timedelta(days=4, hours=2))
    assert result.missed == 5
    assert _statuses(routes)[tomorrow] == "scheduled"


def test_an_open_complaint_past_its_deadline_becomes_overdue_with_its_event(routes, seed):
    due = datetime(2026, 3, 9, 10, 0, tzinfo=clock.UTC)
    with seed() as s:
        network = Network(s)
        late = network.complaint(due - timedelta(hours=72), due)
        network.complaint(due - timedelta(hours=72), due + timedelta(hours=1))
        network.complaint(due - timedelta(hours=72), due, resolved_at=due - timedelta(hours=1))
    assert run(routes, sweep, due - timedelta(seconds=1)).complaints_overdue == 0
    assert run(routes, sweep, due).complaints_overdue == 1
    assert run(routes, sweep, due + timedelta(minutes=30)).complaints_overdue == 0
    row = rows(routes, "SELECT status, overdue_at FROM complaints WHERE id = :id", id=late)[0]
    assert row == {"status": "overdue", "overdue_at": due}
    [envelope] = [r["envelope"] for r in _outbox(routes, "routes.complaint.overdue")]
    assert envelope["data"]["complaint_id"] == late and envelope["data"]["due_at"] == due.isoformat()
    assert envelope["data"]["overdue_days"] == 1


def test_the_accelerated_clock_drives_the_sweep_deadline(routes, seed, monkeypatch):
    with seed() as s:
        Network(s).pickup(DAY)
    real_now = time_module.time()
    # START is one simulated minute before the deadline, at 600x: one real second later it is past it
    monkeypatch.setenv("KAWAL_CLOCK_START", (DEADLINE - timedelta(minutes=1)).isoformat())
    monkeypatch.setenv("KAWAL_CLOCK_EPOCH", str(real_now - 1.0))
    monkeypatch.setenv("KAWAL_CLOCK_SPEED", "600")
    assert clock.now() >= DEADLINE + timedelta(minutes=9)
    assert run(routes, sweep, clock.now()).missed == 1
