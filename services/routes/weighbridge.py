"""Weighbridge rules (jembatan timbang): netto = bruto - tara, and the flags that hold a weighing out of billing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

MAX_DENSITY_KG_PER_M3 = 600  # above this a load is soil or sand, not household waste
TARE_TOLERANCE = Decimal("0.10")
DOUBLE_WEIGHING_GAP = timedelta(minutes=20)


@dataclass(frozen=True)
class RegisteredVehicle:
    capacity_m3: Decimal
    tare_kg: int


def net_kg(gross_kg: int, tare_kg: int) -> int:
    return gross_kg - tare_kg


def flags(
    net: int, tare_kg: int, vehicle: RegisteredVehicle | None, assigned: bool, earlier_gap: timedelta | None
) -> list[str]:
    """The weighing's flags, in a stable order; none means it counts for billing at once.

    assigned: the vehicle served a contract in force on the WIB day of weighed_at.
    earlier_gap: the gap to the same plate's latest weighing at or before this one, by weighed_at (of two
    weighings less than 20 minutes apart the later is flagged, whichever was keyed first)."""
    found = []
    if vehicle is not None and net > Decimal(vehicle.capacity_m3) * MAX_DENSITY_KG_PER_M3:
        found.append("overload")
    if vehicle is not None and abs(tare_kg - vehicle.tare_kg) > TARE_TOLERANCE * vehicle.tare_kg:
        found.append("tare_mismatch")
    if earlier_gap is not None and earlier_gap < DOUBLE_WEIGHING_GAP:
        found.append("double_weighing")
    if vehicle is None or not assigned:
        found.append("unassigned")
    return found


def same_ticket(first: dict, again: dict) -> bool:
    """A re-sent ticket carries the same data; an omitted tare means the registered one was used."""
    keys = ("plate", "gross_kg", "weighed_at")
    if any(first[key] != again[key] for key in keys):
        return False
    return again.get("tare_kg") is None or again["tare_kg"] == first["tare_kg"]


def gap(a: datetime, b: datetime) -> timedelta:
    return abs(a - b)
