"""Contract terms folded from activation and amendments, in any arrival order."""
import itertools
from datetime import date
from decimal import Decimal

from services.billing.terms import fold_terms, json_terms

ACTIVATED = {"value_rp": 1_000_000, "unit_price_rp_per_ton": 235_000, "start_date": date(2025, 1, 1),
             "end_date": date(2025, 6, 30), "ppn_rate": 0.11, "daily_target_kg": 10,
             "sla": {"shortfall_days_allowed": 3},
             "penalties": {"missed_pickup_rp": 5, "complaint_day_rp": 6, "shortfall_day_rp": 7, "cap_rp": 50}}


def test_activation_terms_keep_the_rate_as_the_decimal_the_producer_wrote():
    terms = json_terms(ACTIVATED)
    assert Decimal(terms["ppn_rate"]) == Decimal("0.11")
    assert (terms["end_date"], terms["cap_rp"], terms["shortfall_days_allowed"]) == ("2025-06-30", 50, 3)


def test_amendments_fold_in_number_order_whatever_order_they_arrived_in():
    base = json_terms(ACTIVATED)
    amendments = [(1, {"unit_price_rp_per_ton": 240_000, "value_rp": 2_000_000}), (2, {"unit_price_rp_per_ton": 250_000}),
                  (3, {"end_date": "2025-09-30"})]
    results = {tuple(sorted(fold_terms(base, order).items())) for order in itertools.permutations(amendments)}
    assert len(results) == 1
    folded = dict(results.pop())
    assert (folded["unit_price_rp_per_ton"], folded["value_rp"], folded["end_date"]) == (250_000, 2_000_000,
                                                                                         "2025-09-30")


def test_an_amendment_changes_only_the_fields_it_carries():
    amended = json_terms({"value_rp": 9})
    assert amended == {"value_rp": 9}
