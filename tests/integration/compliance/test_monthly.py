"""The monthly evaluation on the real database: once the sync allowance after the WIB month end has passed,
breaches with evidence, revised by changed evidence (see test_second_edition_monthly)."""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import text

from shared import clock
from services.routes.compliance.monthly import evaluate_months
from tests.integration.compliance.seed import Network, rows, run

FEBRUARY = date(2026, 2, 1)
MONTH_END = clock.wib_instant(date(2026, 3, 1), time(0, 0))  # 2026-02-28T17:00Z
# Second edition: a month is judged once its sync allowance (24 h) after its end has passed, so its evidence is in.
MARCH_START = MONTH_END + timedelta(hours=24)


def _breaches(url):
    return {r["measure"]: r for r in rows(url, "SELECT * FROM breaches ORDER BY measure")}


def _feed_february(network: Network, on_time: int, late: int, excused: int = 0, kg_per_day: int = 100_000):
    day = FEBRUARY
    while day.month == 2:
        network.weighing(clock.wib_instant(day, time(10, 0)), kg_per_day)
        day += timedelta(days=1)
    for n in range(on_time):
        network.pickup(FEBRUARY + timedelta(days=n % 28), status="confirmed", on_time=True, off_site=False)
    late_ids = [network.pickup(FEBRUARY + timedelta(days=n % 28), status="confirmed", on_time=False, off_site=False)
                for n in range(late)]
    for n in range(excused):
        network.pickup(FEBRUARY + timedelta(days=n % 28), status="excused")
    return late_ids


def test_a_month_is_not_evaluated_until_the_sync_allowance_after_its_last_wib_day_has_passed(routes, seed):
    # First edition: judged 15 minutes after month end, before offline drivers had synced.
    with seed() as s:
        Network(s, start=FEBRUARY)
    assert run(routes, evaluate_months, MONTH_END).months == 0  # 00:00 WIB, 1 March
    assert run(routes, evaluate_months, MARCH_START - timedelta(seconds=1)).months == 0  # 23:59:59 WIB, 1 March
    assert run(routes, evaluate_months, MARCH_START).months == 1  # 00:00 WIB, 2 March
    assert rows(routes, "SELECT month FROM monthly_evaluations") == [{"month": "2026-02"}]


def test_an_on_time_ratio_under_the_minimum_is_a_breach_naming_the_pickups_not_on_time(routes, seed):
    with seed() as s:
        network = Network(s, start=FEBRUARY, min_on_time_ratio=0.95)
        late = _feed_february(network, on_time=18, late=2, excused=5)  # 18 / (25 - 5) = 0.90
    result = run(routes, evaluate_months, MARCH_START)
    assert (result.months, result.breaches) == (1, 1)
    breach = _breaches(routes)["on_time_ratio"]
    assert (breach["month"], breach["threshold"], breach["value"]) == ("2026-02", 0.95, 0.9)
    assert sorted(breach["evidence"]) == sorted(late)
    [published] = [r["envelope"]["data"] for r in rows(routes, "SELECT envelope FROM outbox WHERE type = 'routes.sla.breached'")]
    assert published["breach_id"] == str(breach["id"]) and published["measure"] == "on_time_ratio"
    assert published["value"] == "0.9000" and sorted(published["evidence"]) == sorted(late)  # exact decimals


def test_an_on_time_ratio_at_the_minimum_is_no_breach(routes, seed):
    with seed() as s:
        _feed_february(Network(s, start=FEBRUARY, min_on_time_ratio=0.95), on_time=19, late=1)
    assert run(routes, evaluate_months, MARCH_START).breaches == 0
    [month] = rows(routes, "SELECT * FROM monthly_evaluations")
    assert (month["month"], month["on_time_ratio"], month["shortfall_days"]) == ("2026-02", 0.95, 0)


def test_shortfall_days_over_the_allowance_are_a_breach_listing_the_days(routes, seed):
    with seed() as s:
        network = Network(s, start=FEBRUARY, shortfall_days_allowed=3)
        _feed_february(network, on_time=10, late=0)
        network.weighing(clock.wib_instant(date(2026, 3, 1), time(0, 30)), 100_000)  # March, not February
    # February's weighings above cover every day; take four of them away from the last days of the month
    with seed() as s:
        s.execute(text("UPDATE weighings SET cleared = false WHERE weighed_at >= :from AND weighed_at < :to"),
                  {"from": clock.wib_instant(date(2026, 2, 25), time(0, 0)), "to": MARCH_START})
    run(routes, evaluate_months, MARCH_START + timedelta(hours=1))
    breach = _breaches(routes)["shortfall_days"]
    assert (breach["threshold"], breach["value"]) == (3.0, 4.0)
    assert breach["evidence"] == ["2026-02-25", "2026-02-26", "2026-02-27", "2026-02-28"]


def test_a_complaint_overdue_in_the_month_is_a_breach_even_when_resolved_later(routes, seed):
    due = clock.wib_instant(date(2026, 2, 27), time(12, 0))
    with seed() as s:
        network = Network(s, start=FEBRUARY)
        _feed_february(network, on_time=10, late=0)
        overdue = network.complaint(due - timedelta(hours=72), due, resolved_at=due + timedelta(days=5))
        network.complaint(due - timedelta(hours=72), due, resolved_at=due - timedelta(hours=1))
    run(routes, evaluate_months, MARCH_START + timedelta(days=10))
    breach = _breaches(routes)["complaints_overdue"]
    assert (breach["threshold"], breach["value"], breach["evidence"]) == (0.0, 1.0, [overdue])


def test_months_missed_during_downtime_are_each_evaluated_once_and_a_rerun_changes_nothing(routes, seed):
    with seed() as s:
        Network(s, start=date(2026, 1, 15))  # no pickups, no tonnage: every day a shortfall day
    first = run(routes, evaluate_months, clock.wib_instant(date(2026, 4, 2), time(8, 0)))
    assert first.months == 3
    assert [r["month"] for r in rows(routes, "SELECT month FROM monthly_evaluations ORDER BY month")] == [
        "2026-01", "2026-02", "2026-03"]
    assert sorted(r["month"] for r in rows(routes, "SELECT month FROM breaches")) == ["2026-01", "2026-02", "2026-03"]
    outbox_before = rows(routes, "SELECT count(*) AS n FROM outbox")[0]["n"]
    again = run(routes, evaluate_months, clock.wib_instant(date(2026, 4, 2), time(9, 0)))
    # second edition: the months (no invoice issued yet) are re-evaluated, but unchanged evidence changes nothing
    assert again.breaches == 0 and again.withdrawn == 0
    assert rows(routes, "SELECT count(*) AS n FROM outbox")[0]["n"] == outbox_before
