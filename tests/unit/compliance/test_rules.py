"""Compliance rules without a database: shortfall, on-time ratio, monthly breaches, the WIB catch-up bounds."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from services.routes.compliance.rules import (MonthFigures, is_shortfall, last_ended_day, last_ended_month_start,
                                        monthly_breaches, on_time_ratio, reevaluation_start)


def _month(**overrides) -> MonthFigures:
    values = dict(contract_id="c", month="2026-02", scheduled=100, excused=0, on_time=100,
                  not_on_time_pickup_ids=[], shortfall_days=[], overdue_complaint_ids=[],
                  min_on_time_ratio=0.95, shortfall_days_allowed=3)
    values.update(overrides)
    return MonthFigures(**values)


def test_a_day_is_short_only_strictly_under_the_ratio_of_its_target():
    assert is_shortfall(49_999, 100_000, 0.5) is True
    assert is_shortfall(50_000, 100_000, 0.5) is False


def test_the_on_time_ratio_leaves_excused_pickups_out_and_has_none_when_nothing_was_due():
    assert on_time_ratio(on_time=18, scheduled=25, excused=5) == Decimal("0.9")  # exact since the second edition
    assert on_time_ratio(on_time=0, scheduled=3, excused=3) is None


def test_yesterday_is_the_last_ended_wib_day_even_when_utc_is_still_on_the_day_before():
    at_0030_wib = datetime(2026, 3, 9, 17, 30, tzinfo=timezone.utc)  # 10 March 00:30 WIB
    assert last_ended_day(at_0030_wib) == date(2026, 3, 9)
    assert reevaluation_start(at_0030_wib, days=3) == date(2026, 3, 7)


def test_the_last_ended_month_turns_at_wib_midnight_on_the_first():
    assert last_ended_month_start(datetime(2026, 2, 28, 16, 59, 59, tzinfo=timezone.utc)) == date(2026, 1, 1)
    assert last_ended_month_start(datetime(2026, 2, 28, 17, 0, tzinfo=timezone.utc)) == date(2026, 2, 1)
    assert last_ended_month_start(datetime(2026, 1, 5, tzinfo=timezone.utc)) == date(2025, 12, 1)


def test_a_month_within_every_term_has_no_breach():
    assert monthly_breaches(_month(on_time=95, not_on_time_pickup_ids=["p"] * 5,
                                   shortfall_days=[date(2026, 2, d) for d in (1, 2, 3)])) == []


def test_an_on_time_ratio_under_the_minimum_names_the_pickups_not_on_time():
    [breach] = monthly_breaches(_month(on_time=90, not_on_time_pickup_ids=["b", "a"]))
    assert (breach.measure, breach.threshold, breach.value, breach.evidence) == (
        "on_time_ratio", Decimal("0.95"), Decimal("0.9"), ["a", "b"])  # exact decimals (second edition)


def test_an_on_time_ratio_exactly_at_a_minimum_that_floats_cannot_hold_is_no_breach():
    # 0.57 x 100 is 56.99999999999999 in binary floats; compared exactly (on_time < minimum x due, as Decimals),
    # 57 on time of 100 due is at the minimum: no breach; 56 is under it
    assert monthly_breaches(_month(on_time=57, not_on_time_pickup_ids=["p"] * 43, min_on_time_ratio=0.57)) == []
    assert [b.measure for b in monthly_breaches(_month(on_time=56, not_on_time_pickup_ids=["p"] * 44,
                                                       min_on_time_ratio=0.57))] == ["on_time_ratio"]


def test_a_shortfall_ratio_of_055_leaves_55000_of_100000_kg_no_shortfall():
    # First edition: 55,000 < 0.55 x 100,000 = 55,000.000000000007 (binary float) made it a shortfall day, a
    # deduction of one shortfall-day rate (Rp783,978 on the 2025 kawasan 3 contract) for a day on target.
    assert not is_shortfall(55_000, 100_000, 0.55)
    assert not is_shortfall(55_000, 100_000, Decimal("0.55"))
    assert is_shortfall(54_999, 100_000, 0.55)


def test_shortfall_days_beyond_the_allowance_name_the_days():
    days = [date(2026, 2, d) for d in (9, 2, 3, 4)]
    [breach] = monthly_breaches(_month(shortfall_days=days))
    assert (breach.measure, breach.threshold, breach.value) == ("shortfall_days", 3.0, 4.0)
    assert breach.evidence == ["2026-02-02", "2026-02-03", "2026-02-04", "2026-02-09"]


def test_any_overdue_complaint_is_a_breach_and_all_three_can_occur_together():
    found = monthly_breaches(_month(on_time=50, not_on_time_pickup_ids=["p"], overdue_complaint_ids=["k1"],
                                    shortfall_days=[date(2026, 2, d) for d in range(1, 6)]))
    assert [b.measure for b in found] == ["on_time_ratio", "shortfall_days", "complaints_overdue"]
    assert (found[2].threshold, found[2].value, found[2].evidence) == (0.0, 1.0, ["k1"])


def test_each_shortfall_day_is_held_against_the_allowance_in_force_on_its_own_day():
    days = [date(2026, 2, d) for d in (24, 25, 26, 27)]
    raised_on_28th = {day: 3 for day in days}
    lowered_on_27th = {**{day: 5 for day in days[:3]}, days[3]: 3}
    # the 4th shortfall day (27 Feb) is over that day's allowance of 3, whatever the month's last day says
    [breach] = monthly_breaches(_month(shortfall_days=days, shortfall_days_allowed=5,
                                        shortfall_allowance_on=raised_on_28th))
    assert (breach.measure, breach.threshold, breach.value) == ("shortfall_days", 3.0, 4.0)
    assert monthly_breaches(_month(shortfall_days=days, shortfall_days_allowed=3,
                                    shortfall_allowance_on=lowered_on_27th))[0].threshold == 3.0
    assert monthly_breaches(_month(shortfall_days=days, shortfall_days_allowed=3,
                                    shortfall_allowance_on={day: 5 for day in days})) == []
