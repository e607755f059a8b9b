"""The invoice arithmetic as plain functions over plain values: tonnage, deductions, cap, ceiling, DPP, PPN, carry."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Mapping

from services.billing.terms import Terms

DEDUCTION_FACTS = ("missed_pickup", "complaint_day", "shortfall_day")
FACTS = ("tonnage",) + DEDUCTION_FACTS
ADJUSTMENT = "adjustment_"
CARRIED = "carried_deduction"
# The order lines appear in on an invoice.
LINE_ORDER = FACTS + tuple(ADJUSTMENT + fact for fact in FACTS) + (CARRIED,)


def round_half_up(value: Fraction) -> int:
    """Whole Rupiah, halves rounded up (away from minus infinity)."""
    return math.floor(value + Fraction(1, 2))


def tonnage_rp(net_kg: int, unit_price_rp_per_ton: int) -> int:
    """kg x Rp/ton / 1000, rounded half up, in integers only."""
    return (2 * net_kg * unit_price_rp_per_ton + 1000) // 2000


def ppn_rp(dpp_rp: int, ppn_rate: Decimal | str) -> int:
    return round_half_up(dpp_rp * Fraction(Decimal(ppn_rate)))


@dataclass(frozen=True)
class LedgerBefore:
    """What the contract's earlier issued invoices already used."""

    tonnage_billed_rp: int = 0  # against the ceiling (the contract value)
    cap_used_rp: int = 0  # deductions counted against the cap, carried ones included
    carried_rp: int = 0  # deductions allowed by the cap but not yet deducted (DPP floor)


@dataclass(frozen=True)
class Line:
    kind: str
    category: str  # charge, deduction
    quantity: int
    unit: str
    unit_rp: int
    amount_rp: int


@dataclass(frozen=True)
class Computed:
    lines: list[Line] = field(default_factory=list)
    tonnage_kg: int = 0
    tonnage_gross_rp: int = 0
    ceiling_excess_rp: int = 0
    tonnage_rp: int = 0
    deductions_gross_rp: int = 0
    capped_rp: int = 0
    carried_in_rp: int = 0
    deductions_rp: int = 0
    carried_out_rp: int = 0
    dpp_rp: int = 0
    ppn_rp: int = 0
    total_rp: int = 0
    cap_used_rp: int = 0


def cap_reached(terms: Terms, computed: Computed) -> bool:
    return computed.cap_used_rp >= terms.cap_rp


def unit_rates(terms: Terms) -> dict[str, tuple[str, int]]:
    return {
        "tonnage": ("kg", terms.unit_price_rp_per_ton),
        "missed_pickup": ("pickup", terms.missed_pickup_rp),
        "complaint_day": ("day", terms.complaint_day_rp),
        "shortfall_day": ("day", terms.shortfall_day_rp),
    }


def price_lines(terms: Terms, quantities: Mapping[str, int]) -> list[Line]:
    """One line per kind with a quantity: the month's facts, and adjustments for facts of issued months."""
    rates = unit_rates(terms)
    lines = []
    for kind in LINE_ORDER:
        if kind == CARRIED or not quantities.get(kind):
            continue
        fact = kind.removeprefix(ADJUSTMENT)
        unit, unit_rp = rates[fact]
        quantity = quantities[kind]
        amount = tonnage_rp(quantity, unit_rp) if fact == "tonnage" else quantity * unit_rp
        lines.append(Line(kind, "charge" if fact == "tonnage" else "deduction", quantity, unit, unit_rp, amount))
    return lines


def compute(terms: Terms, before: LedgerBefore, quantities: Mapping[str, int]) -> Computed:
    """Price a month: quantities are kg (tonnage kinds), pickups or days (deduction kinds), by line kind."""
    lines = price_lines(terms, quantities)
    tonnage_kg = sum(line.quantity for line in lines if line.category == "charge")
    tonnage_gross = sum(line.amount_rp for line in lines if line.category == "charge")
    # ceiling: all invoices' tonnage together never pass the contract value
    ceiling_room = max(terms.value_rp - before.tonnage_billed_rp, 0)
    tonnage = min(tonnage_gross, ceiling_room)
    new_deductions = sum(line.amount_rp for line in lines if line.category == "deduction")
    # cap: deductions over the contract's life stop at cap_rp; a credit (negative) always goes through
    cap_room = max(terms.cap_rp - before.cap_used_rp, 0)
    allowed = min(new_deductions, cap_room)
    capped = new_deductions - allowed
    if before.carried_rp:
        lines.append(Line(CARRIED, "deduction", 1, "carry", before.carried_rp, before.carried_rp))
    owed = allowed + before.carried_rp
    # DPP floor: what does not fit under this month's tonnage waits for the next month
    deductions = min(owed, max(tonnage, 0))
    dpp = tonnage - deductions
    ppn = ppn_rp(dpp, terms.ppn_rate)
    return Computed(
        lines=lines, tonnage_kg=tonnage_kg, tonnage_gross_rp=tonnage_gross, ceiling_excess_rp=tonnage_gross - tonnage,
        tonnage_rp=tonnage, deductions_gross_rp=new_deductions, capped_rp=capped, carried_in_rp=before.carried_rp,
        deductions_rp=deductions, carried_out_rp=owed - deductions, dpp_rp=dpp, ppn_rp=ppn, total_rp=dpp + ppn,
        cap_used_rp=before.cap_used_rp + allowed,
    )


@dataclass(frozen=True)
class PickupFacts:
    """What billing knows of one pickup (the flags of its read model)."""

    missed: bool = False
    confirmed: bool = False
    off_site: bool = False
    verified: bool = False
    excused: bool = False


def counts_as_missed(pickup: PickupFacts) -> bool:
    """Missed and not superseded by a confirmation, or confirmed off-site and not verified; never when excused.

    facts.py applies the same rule in SQL over the month's pickups."""
    if pickup.excused:
        return False
    if pickup.confirmed:
        return pickup.off_site and not pickup.verified
    return pickup.missed


def shortfall_days_billed(shortfall_days: int, allowed: int) -> int:
    return max(shortfall_days - allowed, 0)
