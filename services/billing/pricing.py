"""Pricing an invoice, as plain functions over plain values: tonnage, deductions, cap, ceiling, DPP, PPN, carry
(the invoice use cases that call it are in invoices.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Callable, Iterable

from services.billing.terms import Terms

DEDUCTION_FACTS = ("missed_pickup", "complaint_day", "shortfall_day")
FACTS = ("tonnage",) + DEDUCTION_FACTS
ADJUSTMENT = "adjustment_"
CARRIED = "carried_deduction"
BOND_CLAIM = "bond_claim"  # klaim jaminan pelaksanaan: carried at the end, claimed on the performance bond
# The order fact lines appear in on an invoice (then the carried deduction, then a bond claim).
LINE_ORDER = FACTS + tuple(ADJUSTMENT + fact for fact in FACTS)


def round_half_up(value: Fraction) -> int:
    """Whole Rupiah, halves rounded up (away from minus infinity)."""
    return math.floor(value + Fraction(1, 2))


def tonnage_rp(net_kg: int, unit_price_rp_per_ton: int) -> int:
    """kg x Rp/ton / 1000, rounded half up, in integers only."""
    return (2 * net_kg * unit_price_rp_per_ton + 1000) // 2000


def ppn_rp(dpp_rp: int, ppn_rate: Decimal | str) -> int:
    return round_half_up(dpp_rp * Fraction(Decimal(ppn_rate)))


@dataclass(frozen=True)
class FactGroup:
    """The due quantity of one line kind on one WIB date (kg, pickups or days) and how many facts make it."""

    kind: str
    day: date
    quantity: int
    evidence: int = 0


@dataclass(frozen=True)
class LedgerBefore:
    """What the contract's earlier issued invoices already used."""

    tonnage_billed_rp: int = 0  # against the ceiling (the contract value)
    assessed_rp: int = 0  # D(m-1): every deduction assessed so far, credits negative, before the cap
    carried_rp: int = 0  # deductions allowed by the cap but not yet deducted (DPP floor)
    bond_claimed_rp: int = 0  # already claimed on the performance bond


@dataclass(frozen=True)
class Line:
    kind: str
    category: str  # charge, deduction, claim
    quantity: int
    unit: str
    unit_rp: int
    amount_rp: int
    evidence_count: int = 0
    first_date: date | None = None  # the facts' WIB dates the line prices (None: carried, bond claim)
    last_date: date | None = None


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
    assessed_rp: int = 0
    bond_claim_rp: int = 0


def cap_reached(terms: Terms, computed: Computed) -> bool:
    return computed.cap_used_rp >= terms.cap_rp


def unit_rates(terms: Terms) -> dict[str, tuple[str, int]]:
    return {
        "tonnage": ("kg", terms.unit_price_rp_per_ton),
        "missed_pickup": ("pickup", terms.missed_pickup_rp),
        "complaint_day": ("day", terms.complaint_day_rp),
        "shortfall_day": ("day", terms.shortfall_day_rp),
    }


def _amount(fact: str, quantity: int, unit_rp: int) -> int:
    return tonnage_rp(quantity, unit_rp) if fact == "tonnage" else quantity * unit_rp


def price_lines(groups: Iterable[FactGroup], terms_on: Callable[[date], Terms]) -> list[Line]:
    """Each fact priced by the terms in force on its own WIB date: one line per kind and run of dates at one
    price (an amendment raising the price on 3 March splits March's tonnage in two lines, and leaves an
    adjustment for a February weighing at February's price). Tonnage is rounded once per line."""
    by_kind: dict[str, list[FactGroup]] = {}
    for group in groups:
        if group.quantity:
            by_kind.setdefault(group.kind, []).append(group)
    lines = []
    for kind in LINE_ORDER:
        fact = kind.removeprefix(ADJUSTMENT)
        run: list[FactGroup] = []
        run_rate = ("", 0)  # the rate of the run; set with its first group
        for group in sorted(by_kind.get(kind, ()), key=lambda g: g.day):
            rate = unit_rates(terms_on(group.day))[fact]
            if run and rate != run_rate:
                lines.append(_line(kind, fact, run, run_rate))
                run = []
            run.append(group)
            run_rate = rate
        if run:
            lines.append(_line(kind, fact, run, run_rate))
    return lines


def _line(kind: str, fact: str, run: list[FactGroup], rate: tuple[str, int]) -> Line:
    unit, unit_rp = rate
    quantity = sum(g.quantity for g in run)
    return Line(
        kind,
        "charge" if fact == "tonnage" else "deduction",
        quantity,
        unit,
        unit_rp,
        _amount(fact, quantity, unit_rp),
        sum(g.evidence for g in run),
        run[0].day,
        run[-1].day,
    )


def compute(terms: Terms, before: LedgerBefore, lines: list[Line], final: bool = False) -> Computed:
    """Price a month from its priced lines and the ledger before it, with the month's terms (value, cap, PPN,
    bond); `final`: a termin akhir or closing invoice, where what cannot be deducted is claimed on the bond."""
    lines = list(lines)
    tonnage_kg = sum(line.quantity for line in lines if line.category == "charge")
    tonnage_gross = sum(line.amount_rp for line in lines if line.category == "charge")
    # ceiling: all invoices' tonnage together never pass the contract value
    ceiling_room = max(terms.value_rp - before.tonnage_billed_rp, 0)
    tonnage = min(tonnage_gross, ceiling_room)
    new_deductions = sum(line.amount_rp for line in lines if line.category == "deduction")
    # cap: with D(m) every deduction assessed through m (credits negative), m deducts min(D(m), cap) - min(D(m-1),
    # cap): a credit while D is over the cap refunds nothing until D falls below it
    assessed = before.assessed_rp + new_deductions
    allowed = min(assessed, terms.cap_rp) - min(before.assessed_rp, terms.cap_rp)
    capped = new_deductions - allowed
    if before.carried_rp:
        lines.append(Line(CARRIED, "deduction", 1, "carry", before.carried_rp, before.carried_rp))
    owed = allowed + before.carried_rp
    # DPP floor: what does not fit under this month's tonnage waits for the next month (or, at the end, the bond)
    deductions = min(owed, max(tonnage, 0))
    rest = owed - deductions
    bond_claim = min(rest, max(terms.performance_bond_rp - before.bond_claimed_rp, 0)) if final and rest > 0 else 0
    if bond_claim:
        lines.append(Line(BOND_CLAIM, "claim", 1, "claim", bond_claim, bond_claim))
    dpp = tonnage - deductions
    ppn = ppn_rp(dpp, terms.ppn_rate)
    return Computed(
        lines=lines,
        tonnage_kg=tonnage_kg,
        tonnage_gross_rp=tonnage_gross,
        ceiling_excess_rp=tonnage_gross - tonnage,
        tonnage_rp=tonnage,
        deductions_gross_rp=new_deductions,
        capped_rp=capped,
        carried_in_rp=before.carried_rp,
        deductions_rp=deductions,
        carried_out_rp=rest - bond_claim,
        dpp_rp=dpp,
        ppn_rp=ppn,
        total_rp=dpp + ppn,
        cap_used_rp=min(assessed, terms.cap_rp),
        assessed_rp=assessed,
        bond_claim_rp=bond_claim,
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
