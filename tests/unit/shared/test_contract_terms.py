"""The terms in force on a day, the days in force, and overdue-day starts: what every replica computes alike."""
from datetime import date, datetime
from decimal import Decimal
from itertools import permutations

from shared.contract_terms import (Amendment, Life, StatusChange, Terms, WIB, exact, is_under, latest_terms,
                                   overdue_day_starts, overdue_days_by_month, terms_on)

BASE = Terms(value_rp=16_840_000_000, start_date=date(2025, 1, 1), end_date=date(2025, 6, 30),
             unit_price_rp_per_ton=235_000, daily_target_kg=300_000, ppn_rate=Decimal("0.11"),
             sla={"shortfall_ratio": Decimal("0.5"), "min_on_time_ratio": Decimal("0.95"),
                  "complaint_hours_normal": 72},
             penalties={"missed_pickup_rp": 2_790_000, "cap_ratio": Decimal("0.05")})


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


def test_an_amendment_applies_from_its_effective_date_not_before():
    raise_price = Amendment(1, date(2025, 3, 3), {"unit_price_rp_per_ton": 250_000})
    assert terms_on(BASE, [raise_price], date(2025, 2, 28)).unit_price_rp_per_ton == 235_000
    assert terms_on(BASE, [raise_price], date(2025, 3, 2)).unit_price_rp_per_ton == 235_000
    assert terms_on(BASE, [raise_price], date(2025, 3, 3)).unit_price_rp_per_ton == 250_000


def test_amendments_fold_by_number_whatever_their_arrival_order():
    amendments = [Amendment(1, date(2025, 2, 1), {"unit_price_rp_per_ton": 240_000, "daily_target_kg": 310_000}),
                  Amendment(2, date(2025, 3, 1), {"unit_price_rp_per_ton": 250_000}),
                  Amendment(3, date(2025, 4, 1), {"end_date": date(2025, 9, 30),
                                                  "sla": {"shortfall_ratio": "0.55"}})]
    results = [(terms_on(BASE, order, date(2025, 3, 15)), terms_on(BASE, order, date(2025, 4, 15)),
                latest_terms(BASE, order)) for order in permutations(amendments)]
    assert all(result == results[0] for result in results)
    on_march, on_april, latest = results[0]
    assert (on_march.unit_price_rp_per_ton, on_march.daily_target_kg, on_march.end_date) == (
        250_000, 310_000, date(2025, 6, 30))
    assert on_april.sla["shortfall_ratio"] == Decimal("0.55")
    assert on_april.sla["min_on_time_ratio"] == Decimal("0.95")  # a partial sla change keeps the other terms
    assert latest.end_date == date(2025, 9, 30)


def test_a_later_numbered_amendment_wins_a_field_on_days_both_are_in_effect():
    # no. 2 recorded later but back-dated before no. 1's effective date
    one = Amendment(1, date(2025, 3, 10), {"unit_price_rp_per_ton": 240_000})
    two = Amendment(2, date(2025, 3, 1), {"unit_price_rp_per_ton": 250_000})
    assert terms_on(BASE, [two, one], date(2025, 3, 5)).unit_price_rp_per_ton == 250_000
    assert terms_on(BASE, [two, one], date(2025, 3, 12)).unit_price_rp_per_ton == 250_000


def test_a_redelivered_amendment_counts_once():
    once = Amendment(1, date(2025, 2, 1), {"value_rp": 17_000_000_000})
    assert terms_on(BASE, [once, once], date(2025, 2, 2)).value_rp == 17_000_000_000


def test_terms_from_an_event_carry_ratios_exactly_even_from_floats():
    terms = Terms.from_event({"value_rp": 1, "start_date": date(2025, 1, 1), "end_date": date(2025, 1, 31),
                              "unit_price_rp_per_ton": 1, "daily_target_kg": 1, "ppn_rate": 0.11,
                              "sla": {"shortfall_ratio": 0.55}, "penalties": {"cap_ratio": "0.05"}})
    assert terms.ppn_rate == Decimal("0.11")
    assert terms.sla["shortfall_ratio"] == Decimal("0.55")
    assert terms.penalties["cap_ratio"] == Decimal("0.05")


def test_days_before_activation_are_not_in_force():
    life = Life(date(2025, 1, 1), date(2025, 6, 30), activated_on=date(2025, 1, 20))
    assert life.days_in_force(date(2025, 1, 1), date(2025, 1, 22)) == [
        date(2025, 1, 20), date(2025, 1, 21), date(2025, 1, 22)]  # not the 19 days the first edition judged


def test_a_contract_never_activated_has_no_day_in_force():
    assert Life(date(2025, 1, 1), date(2025, 1, 31), activated_on=None).days_in_force(
        date(2025, 1, 1), date(2025, 1, 31)) == []


def test_the_days_of_a_suspension_and_of_its_resumption_are_not_in_force():
    life = Life(date(2025, 1, 1), date(2025, 6, 30), date(2025, 1, 1), (
        StatusChange("active", wib(2025, 2, 12, 9, 0)),  # arrival order does not matter
        StatusChange("suspended", wib(2025, 2, 10, 14, 0))))
    assert [d.day for d in life.days_in_force(date(2025, 2, 8), date(2025, 2, 14))] == [8, 9, 13, 14]


def test_a_resumption_at_midnight_leaves_that_day_in_force():
    life = Life(date(2025, 1, 1), date(2025, 6, 30), date(2025, 1, 1), (
        StatusChange("suspended", wib(2025, 2, 10, 0, 0)), StatusChange("active", wib(2025, 2, 12, 0, 0))))
    assert [d.day for d in life.days_in_force(date(2025, 2, 9), date(2025, 2, 12))] == [9, 12]


def test_an_open_suspension_takes_every_later_day():
    life = Life(date(2025, 1, 1), date(2025, 6, 30), date(2025, 1, 1),
                (StatusChange("suspended", wib(2025, 6, 29, 10, 0)),))
    assert life.days_in_force(date(2025, 6, 27), date(2025, 6, 30)) == [date(2025, 6, 27), date(2025, 6, 28)]


def test_the_last_day_of_the_period_is_in_force_and_the_termination_day_too():
    life = Life(date(2025, 1, 1), date(2025, 6, 30), date(2025, 1, 1))
    assert life.in_force(date(2025, 6, 30)) and not life.in_force(date(2025, 7, 1))
    ended = Life(date(2025, 1, 1), date(2025, 6, 30), date(2025, 1, 1),
                 (StatusChange("terminated", wib(2025, 6, 10, 15, 0)),))
    assert ended.in_force(date(2025, 6, 10)) and not ended.in_force(date(2025, 6, 11))


def test_an_unresolved_complaint_keeps_accruing_overdue_days_per_month_in_which_each_starts():
    due = wib(2025, 2, 27, 10, 0)
    counts = overdue_days_by_month(due, None, wib(2025, 3, 3, 9, 0))
    assert counts == {"2025-02": 2, "2025-03": 2}  # starts 27 Feb, 28 Feb, 1 Mar, 2 Mar 10:00


def test_a_resolution_ends_the_overdue_days_and_a_day_started_counts_whole():
    due = wib(2025, 3, 1, 7, 0)
    assert len(overdue_day_starts(due, wib(2025, 3, 1, 7, 0), wib(2025, 4, 1, 0, 0))) == 0
    assert len(overdue_day_starts(due, wib(2025, 3, 1, 7, 1), wib(2025, 4, 1, 0, 0))) == 1
    # resolving on 10 March erases nothing: nine days started from 1 to 9 March, the tenth at 07:00 on the 10th
    assert len(overdue_day_starts(due, wib(2025, 3, 10, 8, 0), wib(2025, 4, 1, 0, 0))) == 10


def test_overdue_days_on_days_not_in_force_do_not_count():
    life = Life(date(2025, 1, 1), date(2025, 6, 30), date(2025, 1, 1), (
        StatusChange("suspended", wib(2025, 3, 2, 12, 0)), StatusChange("active", wib(2025, 3, 4, 12, 0))))
    starts = overdue_day_starts(wib(2025, 3, 1, 8, 0), None, wib(2025, 3, 6, 9, 0), life.in_force)
    assert [s.day for s in starts] == [1, 5, 6]


def test_ratios_meet_thresholds_exactly():
    assert not is_under(55_000, 0.55, 100_000)  # a float 0.55 x 100,000 is 55,000.000000000007
    assert is_under(54_999, "0.55", 100_000)
    assert exact(0.1) == Decimal("0.1")
