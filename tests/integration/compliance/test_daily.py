"""The daily evaluation on the real database: WIB days, figures, shortfall, catch-up, revisions when evidence changes."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import text

from shared import clock
from services.routes.compliance.daily import evaluate_days
from tests.integration.compliance.seed import Network, rows, run

START = date(2026, 3, 1)
NOW = clock.wib_instant(date(2026, 3, 4), time(9, 0))  # days 1-3 March WIB have ended


def _days(url):
    return {r["date"]: r for r in rows(url, "SELECT * FROM daily_evaluations ORDER BY date")}


def _published(url):
    return [r["envelope"]["data"] for r in rows(
        url, "SELECT envelope FROM outbox WHERE type = 'routes.compliance.evaluated' ORDER BY seq")]


def test_every_ended_wib_day_since_the_contract_start_is_evaluated_once_and_published(routes, seed):
    with seed() as s:
        Network(s, start=START)
    result = run(routes, evaluate_days, NOW)
    assert (result.evaluated, result.revised) == (3, 0)
    assert sorted(_days(routes)) == [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]
    assert [d["date"] for d in _published(routes)] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    again = run(routes, evaluate_days, NOW + timedelta(hours=1))
    assert (again.evaluated, again.revised) == (0, 0)
    assert len(_published(routes)) == 3


def test_a_worker_down_for_days_catches_up_every_missing_day(routes, seed):
    with seed() as s:
        Network(s, start=START)
    run(routes, evaluate_days, NOW)
    result = run(routes, evaluate_days, NOW + timedelta(days=6))
    assert result.evaluated == 6
    assert max(_days(routes)) == date(2026, 3, 9)


def test_a_day_counts_pickups_by_outcome_and_off_site_unverified_as_missed(routes, seed):
    day = date(2026, 3, 2)
    with seed() as s:
        network = Network(s, start=START)
        network.pickup(day, status="confirmed", on_time=True, off_site=False)
        network.pickup(day, status="confirmed", on_time=True, off_site=False)
        network.pickup(day, status="confirmed", on_time=False, off_site=False)
        network.pickup(day, status="confirmed", on_time=False, off_site=True)  # unverified: missed
        network.pickup(day, status="confirmed", on_time=False, off_site=True, verified=True)  # verified: late
        network.pickup(day, status="missed")
        network.pickup(day, status="excused")
    run(routes, evaluate_days, NOW)
    figures = _days(routes)[day]
    assert {k: figures[k] for k in ("scheduled", "on_time", "late", "missed", "off_site", "excused")} == {
        "scheduled": 7, "on_time": 2, "late": 2, "missed": 2, "off_site": 2, "excused": 1}


def test_a_weighing_at_2359_wib_counts_for_that_day_and_one_at_0001_wib_for_the_next(routes, seed):
    with seed() as s:
        network = Network(s, start=START)
        network.weighing(clock.wib_instant(date(2026, 3, 1), time(23, 59)), 7_000)
        network.weighing(clock.wib_instant(date(2026, 3, 2), time(0, 1)), 6_000)
        network.weighing(clock.wib_instant(date(2026, 3, 2), time(12, 0)), 9_000, cleared=False)
    run(routes, evaluate_days, NOW)
    days = _days(routes)
    assert (days[date(2026, 3, 1)]["net_kg"], days[date(2026, 3, 2)]["net_kg"]) == (7_000, 6_000)


def test_a_day_under_the_shortfall_ratio_of_the_target_is_a_shortfall_day_and_at_it_is_not(routes, seed):
    with seed() as s:
        network = Network(s, start=START, daily_target_kg=100_000, shortfall_ratio=0.5)
        network.weighing(clock.wib_instant(date(2026, 3, 1), time(10, 0)), 50_000)
        network.weighing(clock.wib_instant(date(2026, 3, 2), time(10, 0)), 49_999)
    run(routes, evaluate_days, NOW)
    days = _days(routes)
    assert [days[date(2026, 3, d)]["shortfall"] for d in (1, 2, 3)] == [False, True, True]
    assert days[date(2026, 3, 1)]["target_kg"] == 100_000


def test_a_weighing_cleared_later_revises_the_day_and_publishes_revision_two(routes, seed):
    with seed() as s:
        network = Network(s, start=START)
        weighing = network.weighing(clock.wib_instant(date(2026, 3, 2), time(10, 0)), 60_000, cleared=False)
    run(routes, evaluate_days, NOW)
    assert _days(routes)[date(2026, 3, 2)]["shortfall"] is True
    with seed() as s:
        s.execute(text("UPDATE weighings SET cleared = true WHERE id = :id"), {"id": weighing})
    result = run(routes, evaluate_days, NOW + timedelta(hours=2))
    assert (result.evaluated, result.revised) == (0, 1)
    day = _days(routes)[date(2026, 3, 2)]
    assert (day["net_kg"], day["shortfall"], day["revision"]) == (60_000, False, 2)
    last = _published(routes)[-1]
    assert (last["date"], last["net_kg"], last["shortfall"], last["revision"]) == ("2026-03-02", 60_000, False, 2)


def test_a_miss_superseded_by_a_late_confirmation_revises_the_day(routes, seed):
    with seed() as s:
        pickup = Network(s, start=START).pickup(date(2026, 3, 3), status="missed")
    run(routes, evaluate_days, NOW)
    with seed() as s:
        s.execute(text("UPDATE pickups SET status = 'confirmed', on_time = false, off_site = false, "
                       "superseded_miss = true WHERE id = :id"), {"id": pickup})
    run(routes, evaluate_days, NOW + timedelta(minutes=5))
    day = _days(routes)[date(2026, 3, 3)]
    assert (day["missed"], day["late"], day["revision"]) == (0, 1, 2)


def test_complaints_overdue_count_on_each_day_their_overdue_span_touches(routes, seed):
    due = clock.wib_instant(date(2026, 3, 1), time(20, 0))
    with seed() as s:
        network = Network(s, start=START)
        network.complaint(due - timedelta(hours=72), due, resolved_at=clock.wib_instant(date(2026, 3, 2), time(8, 0)))
        network.complaint(due - timedelta(hours=72), due + timedelta(days=1), resolved_at=due)  # resolved in time
    run(routes, evaluate_days, NOW)
    days = _days(routes)
    assert [days[date(2026, 3, d)]["complaints_overdue"] for d in (1, 2, 3)] == [1, 1, 0]


def test_days_not_in_force_are_never_shortfall_days_and_evaluation_stops_at_the_period_end(routes, seed):
    # second edition: what decides is the days in force, not the status now
    with seed() as s:
        suspended = Network(s, start=START)
        suspended.status_change("suspended", clock.wib_instant(START, time(0, 0)))
        ended = Network(s, start=START, end=date(2026, 3, 2), status="expired")
    run(routes, evaluate_days, NOW)
    days = rows(routes, "SELECT contract_id, date, in_force, shortfall FROM daily_evaluations ORDER BY date")
    assert [(r["date"], r["in_force"], r["shortfall"]) for r in days if str(r["contract_id"]) == ended.contract_id] == [
        (date(2026, 3, 1), True, True), (date(2026, 3, 2), True, True)]  # its last day too, after expiry
    assert {(r["in_force"], r["shortfall"]) for r in days if str(r["contract_id"]) == suspended.contract_id} == {
        (False, False)}
