"""Hand-computed invoices: the billing rules of DOMAIN.md, to the Rupiah, without a database."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from services.billing import pricing
from services.billing.pricing import (FactGroup, LedgerBefore, PickupFacts, cap_reached, counts_as_missed, ppn_rp,
                                     price_lines, shortfall_days_billed, tonnage_rp)
from services.billing.terms import Terms
from shared.contract_terms import overdue_day_starts

TERMS = Terms(value_rp=1_000_000_000, unit_price_rp_per_ton=235_000, ppn_rate=Decimal("0.11"),
              missed_pickup_rp=500_000, complaint_day_rp=250_000, shortfall_day_rp=1_000_000, cap_rp=50_000_000,
              shortfall_days_allowed=3)
MISSED, ON_TIME = PickupFacts(missed=True), PickupFacts(confirmed=True)
SUPERSEDED = PickupFacts(missed=True, confirmed=True)
OFF_SITE, OFF_SITE_VERIFIED = PickupFacts(confirmed=True, off_site=True), PickupFacts(confirmed=True, off_site=True,
                                                                                      verified=True)
EXCUSED = PickupFacts(missed=True, excused=True)
UTC = timezone.utc


DAY = datetime(2025, 3, 14).date()


def compute(terms, before, quantities, final=False):
    """Price quantities of one day (by line kind) with one set of terms, then the invoice."""
    groups = [FactGroup(kind, DAY, quantity) for kind, quantity in quantities.items()]
    return pricing.compute(terms, before, price_lines(groups, lambda day: terms), final=final)


def month(cleared_kg=(), pickups=(), complaints=(), shortfall_days=0, **adjustments):
    """Quantities of a month as the ledger would hand them over, built with the same rules."""
    return {"tonnage": sum(cleared_kg),
            "missed_pickup": sum(1 for p in pickups if counts_as_missed(p)),
            "complaint_day": sum(len(overdue_day_starts(due, resolved, resolved)) for due, resolved in complaints),
            "shortfall_day": shortfall_days_billed(shortfall_days, TERMS.shortfall_days_allowed), **adjustments}


TON_1000 = (600_000, 400_000)  # 1,000,000 kg = Rp235,000,000
DUE = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)
CASES = [
    # name, quantities, ledger before, expected
    ("tonnage only", month(TON_1000), LedgerBefore(),
     dict(tonnage_rp=235_000_000, deductions_rp=0, dpp_rp=235_000_000, ppn_rp=25_850_000, total_rp=260_850_000)),
    ("three missed pickups", month(TON_1000, [MISSED, MISSED, MISSED, ON_TIME]), LedgerBefore(),
     dict(deductions_rp=1_500_000, dpp_rp=233_500_000, ppn_rp=25_685_000, total_rp=259_185_000)),
    ("a superseded miss is not deducted", month(TON_1000, [MISSED, MISSED, SUPERSEDED]), LedgerBefore(),
     dict(deductions_rp=1_000_000, dpp_rp=234_000_000, ppn_rp=25_740_000, total_rp=259_740_000)),
    ("off-site counts until verified, excused never", month(TON_1000, [OFF_SITE, OFF_SITE_VERIFIED, EXCUSED]),
     LedgerBefore(), dict(deductions_rp=500_000, dpp_rp=234_500_000, ppn_rp=25_795_000, total_rp=260_295_000)),
    ("shortfall days within the allowance", month(TON_1000, shortfall_days=3), LedgerBefore(),
     dict(deductions_rp=0, dpp_rp=235_000_000, total_rp=260_850_000)),
    ("shortfall days beyond the allowance", month(TON_1000, shortfall_days=5), LedgerBefore(),
     dict(deductions_rp=2_000_000, dpp_rp=233_000_000, ppn_rp=25_630_000, total_rp=258_630_000)),
    ("a complaint overdue two started days", month(TON_1000, complaints=[(DUE, datetime(2025, 3, 11, 10, 1,
                                                                                        tzinfo=UTC))]),
     LedgerBefore(), dict(deductions_rp=500_000, dpp_rp=234_500_000, ppn_rp=25_795_000, total_rp=260_295_000)),
    ("the cap crossed in the middle of a month", month(TON_1000, [MISSED] * 4), LedgerBefore(assessed_rp=49_000_000),
     dict(deductions_gross_rp=2_000_000, capped_rp=1_000_000, deductions_rp=1_000_000, dpp_rp=234_000_000,
          ppn_rp=25_740_000, total_rp=259_740_000, cap_used_rp=50_000_000)),
    ("the ceiling reached", month((500_000,)), LedgerBefore(tonnage_billed_rp=900_000_000),
     dict(tonnage_gross_rp=117_500_000, ceiling_excess_rp=17_500_000, tonnage_rp=100_000_000, dpp_rp=100_000_000,
          ppn_rp=11_000_000, total_rp=111_000_000)),
    ("PPN rounded half up", month((10_850,)), LedgerBefore(),
     dict(tonnage_rp=2_549_750, dpp_rp=2_549_750, ppn_rp=280_473, total_rp=2_830_223)),
    ("DPP floor carries the rest", month((10_000,), [MISSED] * 6), LedgerBefore(),
     dict(tonnage_rp=2_350_000, deductions_gross_rp=3_000_000, deductions_rp=2_350_000, carried_out_rp=650_000,
          dpp_rp=0, ppn_rp=0, total_rp=0, cap_used_rp=3_000_000)),
    ("the carry lands on the next draft, already inside the cap", month(TON_1000),
     LedgerBefore(assessed_rp=3_000_000, carried_rp=650_000),
     dict(carried_in_rp=650_000, deductions_rp=650_000, carried_out_rp=0, dpp_rp=234_350_000, ppn_rp=25_778_500,
          total_rp=260_128_500, cap_used_rp=3_000_000)),
    ("a miss superseded after issue is credited", month(TON_1000, adjustment_missed_pickup=-1), LedgerBefore(),
     dict(deductions_rp=-500_000, dpp_rp=235_500_000, ppn_rp=25_905_000, total_rp=261_405_000)),
    ("a weighing cleared after issue is billed as an adjustment", month(TON_1000, adjustment_tonnage=8_000),
     LedgerBefore(), dict(tonnage_kg=1_008_000, tonnage_rp=236_880_000, dpp_rp=236_880_000, ppn_rp=26_056_800,
                          total_rp=262_936_800)),
]


@pytest.mark.parametrize("name, quantities, before, expected", CASES, ids=[case[0] for case in CASES])
def test_hand_computed_invoices(name, quantities, before, expected):
    computed = compute(TERMS, before, quantities)
    assert {field: getattr(computed, field) for field in expected} == expected


def test_lines_list_each_kind_with_its_unit_price():
    computed = compute(TERMS, LedgerBefore(carried_rp=10), month(TON_1000, [MISSED], shortfall_days=4))
    assert [(l.kind, l.quantity, l.unit_rp, l.amount_rp) for l in computed.lines] == [
        ("tonnage", 1_000_000, 235_000, 235_000_000), ("missed_pickup", 1, 500_000, 500_000),
        ("shortfall_day", 1, 1_000_000, 1_000_000), ("carried_deduction", 1, 10, 10)]


def test_the_cap_is_reached_exactly_when_its_rupiah_are_used():
    before = LedgerBefore(assessed_rp=49_500_000)
    assert not cap_reached(TERMS, compute(TERMS, before, month(TON_1000)))
    assert cap_reached(TERMS, compute(TERMS, before, month(TON_1000, [MISSED])))


def test_a_capped_contract_deducts_nothing_more():
    computed = compute(TERMS, LedgerBefore(assessed_rp=50_000_000), month(TON_1000, [MISSED] * 2))
    assert (computed.deductions_rp, computed.capped_rp, computed.cap_used_rp) == (0, 1_000_000, 50_000_000)


@pytest.mark.parametrize("kg, price, rupiah", [(1, 500, 1), (3, 500, 2), (1, 499, 0), (1_001, 235_500, 235_736),
                                               (0, 235_000, 0)])
def test_tonnage_is_rounded_half_up_in_integers(kg, price, rupiah):
    assert tonnage_rp(kg, price) == rupiah


@pytest.mark.parametrize("dpp, ppn", [(50, 6), (150, 17), (149, 16), (0, 0), (235_235, 25_876)])
def test_ppn_is_rounded_half_up(dpp, ppn):
    assert ppn_rp(dpp, Decimal("0.11")) == ppn


@pytest.mark.parametrize("late_minutes, days", [(-5, 0), (0, 0), (1, 1), (24 * 60, 1), (24 * 60 + 1, 2)])
def test_each_started_day_past_the_deadline_counts(late_minutes, days):
    from datetime import timedelta
    resolved = DUE + timedelta(minutes=late_minutes)
    assert len(overdue_day_starts(DUE, resolved, resolved)) == days
