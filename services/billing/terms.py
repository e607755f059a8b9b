"""The terms a fact or an invoice is priced with (billing's view of shared.contract_terms.Terms on one day)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

BOND_RATIO = Decimal("0.05")  # Perpres 16/2018: the performance bond when the activation does not say


@dataclass(frozen=True)
class Terms:
    """What a fact or an invoice is priced with (the terms in force on one WIB date)."""

    value_rp: int
    unit_price_rp_per_ton: int
    ppn_rate: Decimal
    missed_pickup_rp: int
    complaint_day_rp: int
    shortfall_day_rp: int
    cap_rp: int
    shortfall_days_allowed: int
    sync_allowance_hours: int = 24
    performance_bond_rp: int = 0
