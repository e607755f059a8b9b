"""Contract terms as billing needs them: activation terms with amendments folded in, and the overdue-day rule."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable

SECONDS_A_DAY = 86_400


@dataclass(frozen=True)
class Terms:
    """What an invoice is priced with."""

    value_rp: int
    unit_price_rp_per_ton: int
    ppn_rate: Decimal
    missed_pickup_rp: int
    complaint_day_rp: int
    shortfall_day_rp: int
    cap_rp: int
    shortfall_days_allowed: int


def json_terms(data: dict[str, Any]) -> dict[str, Any]:
    """The billing-relevant fields of an activated/amended event's data, JSON-ready (dates as ISO strings)."""
    flat: dict[str, Any] = {}
    for name in ("value_rp", "unit_price_rp_per_ton", "daily_target_kg"):
        if data.get(name) is not None:
            flat[name] = int(data[name])
    for name in ("start_date", "end_date"):
        if data.get(name) is not None:
            flat[name] = data[name].isoformat()
    if data.get("ppn_rate") is not None:
        # repr of the float is the decimal the producer wrote (0.11), never a binary approximation
        flat["ppn_rate"] = str(Decimal(repr(float(data["ppn_rate"]))))
    if data.get("sla"):
        flat["shortfall_days_allowed"] = int(data["sla"]["shortfall_days_allowed"])
    if data.get("penalties"):
        for name in ("missed_pickup_rp", "complaint_day_rp", "shortfall_day_rp", "cap_rp"):
            flat[name] = int(data["penalties"][name])
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
