"""Contract terms as billing needs them: the billing fields of activation and amendment events, and the overdue-day rule."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable

SECONDS_A_DAY = 86_400
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

    @classmethod
    def of(cls, flat: dict[str, Any]) -> "Terms":
        """From json_terms' flat dict (activation with amendments folded in)."""
        return cls(value_rp=int(flat["value_rp"]), unit_price_rp_per_ton=int(flat["unit_price_rp_per_ton"]),
                   ppn_rate=Decimal(flat["ppn_rate"]), missed_pickup_rp=int(flat["missed_pickup_rp"]),
                   complaint_day_rp=int(flat["complaint_day_rp"]), shortfall_day_rp=int(flat["shortfall_day_rp"]),
                   cap_rp=int(flat["cap_rp"]), shortfall_days_allowed=int(flat["shortfall_days_allowed"]),
                   sync_allowance_hours=int(flat.get("sync_allowance_hours", 24)),
                   performance_bond_rp=int(flat.get("performance_bond_rp", 0)))


def exact(ratio: Any) -> Decimal:
    """A rate as the decimal the producer wrote: a Decimal or string as is, a float by its shortest repr (0.11)."""
    if isinstance(ratio, float):
        return Decimal(repr(ratio))
    return Decimal(str(ratio))


def json_terms(data: dict[str, Any]) -> dict[str, Any]:
    """The billing-relevant fields of an activated/amended event's data, JSON-ready (dates ISO, rates as strings)."""
    flat: dict[str, Any] = {}
    for name in ("value_rp", "unit_price_rp_per_ton", "daily_target_kg", "performance_bond_rp"):
        if data.get(name) is not None:
            flat[name] = int(data[name])
    for name in ("start_date", "end_date"):
        if data.get(name) is not None:
            flat[name] = data[name].isoformat()
    if data.get("ppn_rate") is not None:
        flat["ppn_rate"] = str(exact(data["ppn_rate"]))
    sla = data.get("sla") or {}
    for name in ("shortfall_days_allowed", "sync_allowance_hours"):
        if sla.get(name) is not None:
            flat[name] = int(sla[name])
    if data.get("penalties"):
        for name in ("missed_pickup_rp", "complaint_day_rp", "shortfall_day_rp", "cap_rp"):
            flat[name] = int(data["penalties"][name])
    return flat


def activation_terms(data: dict[str, Any]) -> dict[str, Any]:
    """json_terms of an activation, with the 5% bond when the event does not carry the contract's own."""
    flat = json_terms(data)
    if "performance_bond_rp" not in flat:
        flat["performance_bond_rp"] = int((flat["value_rp"] * BOND_RATIO).to_integral_value(rounding="ROUND_HALF_UP"))
    return flat


def fold_terms(base: dict[str, Any], amendments: Iterable[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """Apply amendments in amendment_no order over the activation terms.

    Each amendment carries only what it changed, so folding them in number order gives the same terms whatever
    order they arrived in: a late, older amendment changes nothing a newer one has since set."""
    terms = dict(base)
    for _, changes in sorted(amendments, key=lambda pair: pair[0]):
        terms.update(changes)
    return terms


def started_days_overdue(due_at: datetime, resolved_at: datetime | None) -> int:
    """Each started day past the deadline: resolved 1 minute late is 1 day, 24 h 1 min late is 2."""
    if resolved_at is None or resolved_at <= due_at:
        return 0
    return math.ceil((resolved_at - due_at).total_seconds() / SECONDS_A_DAY)
