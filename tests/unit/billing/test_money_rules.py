"""DOMAIN.md second edition, billing's pure rules: prices by the fact's date, the cap over D(m), the bond claim,
and billing's copy of a contract over time (terms and days in force from shared.contract_terms)."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from services.billing.pricing import FactGroup, LedgerBefore, compute, price_lines
from services.billing.terms import Terms
from services.billing.timeline import Timeline, stored

UTC = timezone.utc
TERMS = Terms(value_rp=1_000_000_000, unit_price_rp_per_ton=235_000, ppn_rate=Decimal("0.11"),
              missed_pickup_rp=500_000, complaint_day_rp=250_000, shortfall_day_rp=1_000_000, cap_rp=1_000_000,
              shortfall_days_allowed=3, sync_allowance_hours=24, performance_bond_rp=2_000_000)
RAISED = Terms(**{**TERMS.__dict__, "unit_price_rp_per_ton": 250_000})
ACTIVATED = {"contract_id": "c", "value_rp": 1_000_000_000, "start_date": date(2025, 1, 1),
             "end_date": date(2025, 6, 30), "unit_price_rp_per_ton": 235_000, "daily_target_kg": 100_000,
             "ppn_rate": Decimal("0.11"), "performance_bond_rp": 50_000_000,
             "sla": {"sync_allowance_hours": 24, "shortfall_days_allowed": 3, "shortfall_ratio": Decimal("0.5")},
             "penalties": {"missed_pickup_rp": 500_000, "complaint_day_rp": 250_000, "shortfall_day_rp": 1_000_000,
                           "cap_rp": 50_000_000, "cap_ratio": Decimal("0.05")}}


def raised_from(day: date):
    return lambda on: RAISED if on >= day else TERMS


def test_a_price_raised_on_3_march_splits_the_month_and_leaves_earlier_facts_at_the_old_price():
    groups = [FactGroup("tonnage", date(2025, 3, 2), 100_000, 1), FactGroup("tonnage", date(2025, 3, 3), 100_000, 1),
              FactGroup("tonnage", date(2025, 3, 4), 1, 1), FactGroup("adjustment_tonnage", date(2025, 2, 27), 40_000, 1)]
    lines = price_lines(groups, raised_from(date(2025, 3, 3)))
    # 100,000 kg x 235,000 = 23,500,000; 100,001 kg x 250,000 = 25,000,250 (rounded once per line);
    # February's late ticket 40,000 kg x 235,000 = 9,400,000 (10,000,000 at the raised price)
    assert [(l.kind, l.quantity, l.unit_rp, l.amount_rp, l.first_date, l.last_date) for l in lines] == [
        ("tonnage", 100_000, 235_000, 23_500_000, date(2025, 3, 2), date(2025, 3, 2)),
        ("tonnage", 100_001, 250_000, 25_000_250, date(2025, 3, 3), date(2025, 3, 4)),
        ("adjustment_tonnage", 40_000, 235_000, 9_400_000, date(2025, 2, 27), date(2025, 2, 27))]


@pytest.mark.parametrize("assessed_before, new, deducted, capped", [
    (0, 1_500_000, 1_000_000, 500_000),  # crossing the cap: min(1.5m, 1m) - min(0, 1m)
    (1_500_000, -500_000, 0, -500_000),  # a credit while over: min(1m, 1m) - min(1.5m, 1m) = 0 (was -500,000)
    (1_000_000, -500_000, -500_000, 0),  # a credit at the cap: min(0.5m, 1m) - min(1m, 1m): refunded
    (1_500_000, -1_000_000, -500_000, -500_000),  # a credit through the cap: only what falls below is refunded
    (400_000, 500_000, 500_000, 0),  # under the cap: all of it
])
def test_the_cap_deducts_min_d_m_cap_minus_min_d_m_minus_1_cap(assessed_before, new, deducted, capped):
    lines = price_lines([FactGroup("missed_pickup", date(2025, 3, 5), new // 500_000)], lambda day: TERMS)
    computed = compute(TERMS, LedgerBefore(tonnage_billed_rp=0, assessed_rp=assessed_before),
                       [*lines, *price_lines([FactGroup("tonnage", date(2025, 3, 5), 100_000)], lambda d: TERMS)])
    assert (computed.deductions_rp, computed.capped_rp, computed.assessed_rp) == (
        deducted, capped, assessed_before + new)


def test_what_a_final_invoice_cannot_deduct_is_claimed_on_the_bond_and_not_carried():
    lines = price_lines([FactGroup("tonnage", date(2025, 6, 2), 1_000), FactGroup("missed_pickup", date(2025, 6, 3), 2)],
                        lambda day: TERMS)
    # tonnage 1,000 kg x 235,000 = 235,000; deductions 1,000,000: DPP 0, 765,000 left
    termin = compute(TERMS, LedgerBefore(), lines)
    final = compute(TERMS, LedgerBefore(), lines, final=True)
    assert (termin.carried_out_rp, termin.bond_claim_rp) == (765_000, 0)
    assert (final.carried_out_rp, final.bond_claim_rp, final.dpp_rp) == (0, 765_000, 0)
    assert final.lines[-1].kind == "bond_claim"
    # the claim stops at what is left of the bond (2,000,000 - 1,500,000 already claimed): the rest stays carried
    short = compute(TERMS, LedgerBefore(bond_claimed_rp=1_500_000), lines, final=True)
    assert (short.bond_claim_rp, short.carried_out_rp) == (500_000, 265_000)


def timeline(amendments=(), changes=(), activated_on=date(2025, 1, 20)):
    return Timeline.of(stored(ACTIVATED), [(n, eff, stored(data)) for n, eff, data in amendments], activated_on,
                       list(changes))


def test_terms_by_date_fold_amendments_by_number_whatever_order_they_are_kept_in():
    first = (1, date(2025, 3, 3), {"unit_price_rp_per_ton": 250_000})
    second = (2, date(2025, 3, 3), {"unit_price_rp_per_ton": 260_000})
    for order in ([first, second], [second, first]):
        life = timeline(order)
        assert (life.on(date(2025, 3, 2)).unit_price_rp_per_ton, life.on(date(2025, 3, 3)).unit_price_rp_per_ton) == (
            235_000, 260_000)
    assert timeline().on(date(2025, 3, 3)).ppn_rate == Decimal("0.11")  # exact, from the stored string


def test_days_in_force_start_at_activation_and_skip_suspensions_and_end_at_termination():
    life = timeline(changes=[(datetime(2025, 2, 5, 3, tzinfo=UTC), "suspended"),
                             (datetime(2025, 2, 7, 3, tzinfo=UTC), "active"),
                             (datetime(2025, 4, 10, 8, tzinfo=UTC), "terminated")])
    days = [day for day, _ in life.days(date(2025, 1, 1), date(2025, 5, 1))]
    assert days[0] == date(2025, 1, 20)  # 19 days before activation are not in force
    assert not {date(2025, 2, 5), date(2025, 2, 6), date(2025, 2, 7)} & set(days)
    assert days[-1] == date(2025, 4, 10) == life.last_day()


def test_an_activation_without_a_bond_gets_five_percent_of_the_value():
    data = {k: v for k, v in ACTIVATED.items() if k != "performance_bond_rp"}
    life = Timeline.of(stored(data), [], date(2025, 1, 1), [])
    assert life.on(date(2025, 2, 1)).performance_bond_rp == 50_000_000


def test_complaint_days_and_shortfall_days_take_the_rate_in_force_on_their_own_date():
    harsher = Terms(**{**TERMS.__dict__, "complaint_day_rp": 300_000, "shortfall_day_rp": 1_200_000})
    groups = [FactGroup("complaint_day", date(2025, 3, 19), 2), FactGroup("complaint_day", date(2025, 3, 20), 1),
              FactGroup("shortfall_day", date(2025, 3, 10), 1), FactGroup("shortfall_day", date(2025, 3, 25), 1)]
    lines = price_lines(groups, lambda day: harsher if day >= date(2025, 3, 20) else TERMS)
    # 2 x 250,000 before the adendum, 1 x 300,000 from 20 March; shortfall 1,000,000 then 1,200,000
    assert [(l.kind, l.quantity, l.unit_rp, l.amount_rp) for l in lines] == [
        ("complaint_day", 2, 250_000, 500_000), ("complaint_day", 1, 300_000, 300_000),
        ("shortfall_day", 1, 1_000_000, 1_000_000), ("shortfall_day", 1, 1_200_000, 1_200_000)]
