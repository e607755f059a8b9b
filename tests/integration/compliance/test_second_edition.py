"""DOMAIN second edition in the compliance workers: days in force, terms by date, exact ratios, accruing overdue
days, and monthly breaches revised and withdrawn until the invoice is issued.

Rates named below are the 2025 kawasan 3 contract's (Rp4.73bn over 181 days): 4,730,000,000 x 30 / 181 / 1000
= Rp783,978 per shortfall day, missed pickup or overdue complaint day."""
from __future__ import annotations

import json
from datetime import date, time, timedelta

from sqlalchemy import insert, text

from shared import clock
from services.routes.compliance.daily import evaluate_days
from services.routes.compliance.monthly import evaluate_months
from services.routes.compliance.sweep import sweep
from services.routes.models import ContractAmendment, IssuedMonth, RouteStop
from services.routes.scheduling import schedule_pickups
from tests.integration.compliance.seed import Network, rows, run

KAWASAN_3_RATE_RP = round(4_730_000_000 * 30 / 181 / 1000)  # Rp783,978


def _days(url, contract_id):
    return {r["date"]: r for r in rows(url, "SELECT * FROM daily_evaluations WHERE contract_id = :c ORDER BY date",
                                       c=contract_id)}


def _outbox(url, type_):
    return [r["envelope"]["data"] for r in rows(url, "SELECT envelope FROM outbox WHERE type = :t ORDER BY seq",
                                                t=type_)]


def test_days_before_activation_are_never_evaluated_nor_shortfall_days(routes, seed):
    # First edition: start 1 January, activated 20 January: evaluated from the 1st, 19 shortfall days and a
    # breach; beyond the 3 allowed that is 16 x Rp783,978 = Rp12,543,648 deducted for days it was not running.
    with seed() as s:
        network = Network(s, start=date(2026, 1, 1), activated_on=date(2026, 1, 20))
        day = date(2026, 1, 20)
        while day.month == 1:
            network.weighing(clock.wib_instant(day, time(10)), 100_000)
            day += timedelta(days=1)
    run(routes, evaluate_months, clock.wib_instant(date(2026, 2, 2), time(1)))
    january = {day: d for day, d in _days(routes, network.contract_id).items() if day.month == 1}
    assert min(january) == date(2026, 1, 20) and not any(d["shortfall"] for d in january.values())
    assert rows(routes, "SELECT month, shortfall_days FROM monthly_evaluations") == [
        {"month": "2026-01", "shortfall_days": 0}]
    assert rows(routes, "SELECT * FROM breaches") == []
    assert 16 * KAWASAN_3_RATE_RP == 12_543_648


def test_days_under_suspension_are_never_shortfall_days_nor_overdue_complaint_days(routes, seed):
    with seed() as s:
        network = Network(s, start=date(2026, 3, 1))
        network.weighing(clock.wib_instant(date(2026, 3, 1), time(10)), 100_000)
        network.status_change("suspended", clock.wib_instant(date(2026, 3, 2), time(9)))
        network.status_change("active", clock.wib_instant(date(2026, 3, 4), time(9)))
        network.complaint(clock.wib_instant(date(2026, 2, 27), time(9)), clock.wib_instant(date(2026, 3, 1), time(9)))
    run(routes, evaluate_days, clock.wib_instant(date(2026, 3, 6), time(1)))
    days = _days(routes, network.contract_id)
    assert [(d, days[d]["in_force"], days[d]["shortfall"]) for d in sorted(days)] == [
        (date(2026, 3, 1), True, False), (date(2026, 3, 2), False, False), (date(2026, 3, 3), False, False),
        (date(2026, 3, 4), False, False), (date(2026, 3, 5), True, True)]
    assert [days[d]["complaints_overdue"] for d in sorted(days)] == [1, 0, 0, 0, 1]


def test_a_shortfall_ratio_of_055_on_100000_kg_leaves_55000_kg_no_shortfall_day(routes, seed):
    # First edition (binary floats): 55,000 < 0.55 x 100,000 = 55,000.00000000001, a shortfall day: Rp783,978.
    with seed() as s:
        network = Network(s, start=date(2026, 3, 1), shortfall_ratio=0.55)
        network.weighing(clock.wib_instant(date(2026, 3, 1), time(10)), 55_000)
        network.weighing(clock.wib_instant(date(2026, 3, 2), time(10)), 54_999)
    run(routes, evaluate_days, clock.wib_instant(date(2026, 3, 3), time(1)))
    days = _days(routes, network.contract_id)
    assert (days[date(2026, 3, 1)]["shortfall"], days[date(2026, 3, 2)]["shortfall"]) == (False, True)


def test_each_day_is_judged_by_the_target_in_force_on_it(routes, seed):
    # First edition: an amendment applied to every day already evaluated and every day after it.
    with seed() as s:
        network = Network(s, start=date(2026, 3, 1), daily_target_kg=100_000)
        s.execute(insert(ContractAmendment).values(contract_id=network.contract_id, amendment_no=1,
                                                   effective_from=date(2026, 3, 3),
                                                   changes={"daily_target_kg": 200_000},
                                                   received_at=clock.wib_instant(date(2026, 3, 5), time(9))))
        for day in (2, 3):
            network.weighing(clock.wib_instant(date(2026, 3, day), time(10)), 80_000)
    run(routes, evaluate_days, clock.wib_instant(date(2026, 3, 4), time(1)))
    days = _days(routes, network.contract_id)
    assert [(days[date(2026, 3, d)]["target_kg"], days[date(2026, 3, d)]["shortfall"]) for d in (2, 3)] == [
        (100_000, False), (200_000, True)]


def test_an_unresolved_complaint_keeps_accruing_overdue_days_counted_in_the_month_each_starts(routes, seed):
    # First edition: marked overdue once with 1 day, and never deducted beyond it however long it stayed open.
    due = clock.wib_instant(date(2026, 2, 27), time(10))
    with seed() as s:
        network = Network(s, start=date(2026, 1, 1))
        complaint = network.complaint(due - timedelta(hours=72), due)
    run(routes, sweep, due + timedelta(minutes=1))
    run(routes, sweep, clock.wib_instant(date(2026, 3, 3), time(9)))
    assert run(routes, sweep, clock.wib_instant(date(2026, 3, 3), time(9, 30))).complaints_overdue == 0
    events = _outbox(routes, "routes.complaint.overdue")
    assert [(e["overdue_days"], e["overdue_days_by_month"]) for e in events] == [
        (1, {"2026-02": 1}), (4, {"2026-02": 2, "2026-03": 2})]
    assert rows(routes, "SELECT overdue_days FROM complaints WHERE id = :c", c=complaint) == [{"overdue_days": 4}]


def _february_with_four_shortfall_days(network: Network) -> None:
    day = date(2026, 2, 1)
    while day.month == 2:
        network.weighing(clock.wib_instant(day, time(10)), 100_000, cleared=day.day < 25)
        day += timedelta(days=1)


def test_changed_evidence_withdraws_a_breach_that_no_longer_holds_until_the_invoice_is_issued(routes, seed):
    # First edition: judged once, 15 minutes after month end, never revised: a breach (and the letters resting on
    # it) stood although the agency cleared the weighings that made the shortfall days.
    with seed() as s:
        network = Network(s, start=date(2026, 2, 1))
        _february_with_four_shortfall_days(network)
    run(routes, evaluate_months, clock.wib_instant(date(2026, 3, 2), time(1)))
    [breach] = rows(routes, "SELECT * FROM breaches")
    assert (breach["measure"], breach["value"], breach["withdrawn_at"]) == ("shortfall_days", 4.0, None)
    with seed() as s:  # the agency clears two of the four days' weighings
        s.execute(text("UPDATE weighings SET cleared = true WHERE weighed_at < :d"),
                  {"d": clock.wib_instant(date(2026, 2, 27), time(0))})
    result = run(routes, evaluate_months, clock.wib_instant(date(2026, 3, 3), time(1)))
    assert result.withdrawn == 1
    [withdrawn] = rows(routes, "SELECT * FROM breaches")
    assert withdrawn["withdrawn_at"] is not None and "no longer fails" in withdrawn["withdrawn_reason"]
    [event] = _outbox(routes, "routes.sla.breach_withdrawn")
    assert (event["breach_id"], event["month"], event["measure"]) == (str(breach["id"]), "2026-02", "shortfall_days")


def test_changed_evidence_revises_a_breach_and_an_issued_month_is_final(routes, seed):
    with seed() as s:
        network = Network(s, start=date(2026, 2, 1))
        _february_with_four_shortfall_days(network)
    run(routes, evaluate_months, clock.wib_instant(date(2026, 3, 2), time(1)))
    with seed() as s:  # a fifth day loses its tonnage (a weighing held back): the breach is revised, same id
        s.execute(text("UPDATE weighings SET cleared = false WHERE weighed_at < :d AND weighed_at >= :f"),
                  {"f": clock.wib_instant(date(2026, 2, 24), time(0)), "d": clock.wib_instant(date(2026, 2, 25), time(0))})
    run(routes, evaluate_months, clock.wib_instant(date(2026, 3, 3), time(1)))
    published = _outbox(routes, "routes.sla.breached")
    assert [(e["value"], e["revision"]) for e in published] == [("4.0", 1), ("5.0", 2)]
    assert len({e["breach_id"] for e in published}) == 1
    with seed() as s:  # billing issued February's invoice: from now on the month stands as judged
        s.execute(insert(IssuedMonth).values(contract_id=network.contract_id, month="2026-02",
                                             received_at=clock.wib_instant(date(2026, 3, 3), time(2))))
        s.execute(text("UPDATE weighings SET cleared = true"))
    run(routes, evaluate_months, clock.wib_instant(date(2026, 3, 4), time(1)))
    assert _outbox(routes, "routes.sla.breach_withdrawn") == []
    assert len(_outbox(routes, "routes.sla.breached")) == 2


def test_the_sweep_judges_each_pickup_by_the_grace_in_force_on_its_own_day(routes, seed):
    # Before: the sweep took the grace from the contract's latest terms. An amendment from 10 March cutting the
    # grace from 120 to 0 minutes made 9 March's pickup missed at its window end, 2 h early: Rp783,978 for a
    # pickup the contractor could still confirm on time. And amendment 2 (numbered later, effective 11 March)
    # sets 30 minutes: 10 March keeps amendment 1's 0 minutes.
    with seed() as s:
        network = Network(s, start=date(2026, 3, 1), grace_minutes=120)
        for number, effective, grace in ((1, date(2026, 3, 10), 0), (2, date(2026, 3, 11), 30)):
            s.execute(insert(ContractAmendment).values(
                contract_id=network.contract_id, amendment_no=number, effective_from=effective,
                changes={"sla": {"grace_minutes": grace}}, received_at=clock.wib_instant(date(2026, 3, 8), time(9))))
        ninth, tenth, eleventh = (network.pickup(date(2026, 3, d)) for d in (9, 10, 11))

    def missed_after(day, minutes):
        run(routes, sweep, clock.wib_instant(date(2026, 3, day), time(7)) + timedelta(minutes=minutes))
        return {r["id"] for r in rows(routes, "SELECT CAST(id AS text) AS id FROM pickups WHERE status = 'missed'")}

    assert missed_after(9, 119) == set()
    assert missed_after(9, 120) == {ninth}
    assert missed_after(10, 0) == {ninth, tenth}
    assert missed_after(11, 29) == {ninth, tenth}
    assert missed_after(11, 30) == {ninth, tenth, eleventh}


def test_a_shortfall_day_over_the_allowance_in_force_on_it_is_a_breach_although_a_later_amendment_raised_it(
        routes, seed):
    # Before: the month was judged by the allowance in force on its last day. Allowance 3 until 27 February, 5
    # from the 28th (amendment 1); shortfall days 24-27 February: the 4th (the 27th) is over that day's allowance
    # of 3 and billing deducts it (Rp783,978), yet the monthly evaluation saw 4 <= 5 and found no breach, so no
    # warning letter could rest on the deduction.
    with seed() as s:
        network = Network(s, start=date(2026, 2, 1), shortfall_days_allowed=3)
        s.execute(insert(ContractAmendment).values(
            contract_id=network.contract_id, amendment_no=1, effective_from=date(2026, 2, 28),
            changes={"sla": {"shortfall_days_allowed": 5}}, received_at=clock.wib_instant(date(2026, 2, 20), time(9))))
        day = date(2026, 2, 1)
        while day.month == 2:
            network.weighing(clock.wib_instant(day, time(10)), 100_000, cleared=not 24 <= day.day <= 27)
            day += timedelta(days=1)
    run(routes, evaluate_months, clock.wib_instant(date(2026, 3, 2), time(1)))
    [breach] = rows(routes, "SELECT * FROM breaches")
    assert (breach["measure"], breach["threshold"], breach["value"]) == ("shortfall_days", 3.0, 4.0)
    assert breach["evidence"] == ["2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27"]


def test_scheduling_keeps_a_pickup_confirmable_under_the_grace_in_force_on_its_own_day(routes, seed):
    # Before: scheduling took the grace from the latest terms. On 9 March at 07:30 WIB, with 120 minutes of grace
    # on the 9th and 0 from the 10th (amendment 1), the 9th's 04:00-07:00 pickup could still be confirmed until
    # 09:00, yet it was never created: a pickup the contractor was owed a chance at, and evidence lost.
    with seed() as s:
        network = Network(s, start=date(2026, 3, 1), grace_minutes=0)  # the column holds the latest terms
        base = {"value_rp": 4_730_000_000, "start_date": "2026-03-01", "end_date": "2026-06-30",
                "unit_price_rp_per_ton": 235_000, "daily_target_kg": 100_000, "ppn_rate": "0.11",
                "sla": {"grace_minutes": 120}, "penalties": {}}
        s.execute(text("UPDATE contracts SET base_terms = CAST(:b AS jsonb), amendment_no = 1 WHERE id = :c"),
                  {"b": json.dumps(base), "c": network.contract_id})
        s.execute(insert(ContractAmendment).values(
            contract_id=network.contract_id, amendment_no=1, effective_from=date(2026, 3, 10),
            changes={"sla": {"grace_minutes": 0}}, received_at=clock.wib_instant(date(2026, 3, 8), time(9))))
        s.execute(insert(RouteStop).values(route_id=network.route_id, seq=1, point_id=network.point_id))
    created = run(routes, lambda session, now: schedule_pickups(session, [network.route_id], date(2026, 3, 9),
                                                                date(2026, 3, 10), now=now),
                  clock.wib_instant(date(2026, 3, 9), time(7, 30)))
    assert created == 2
    assert [r["date"] for r in rows(routes, "SELECT date FROM pickups ORDER BY date")] == [
        date(2026, 3, 9), date(2026, 3, 10)]
