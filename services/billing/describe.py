"""Line descriptions, Indonesian beside English, as they read on a termin."""

from __future__ import annotations

from services.billing.pricing import ADJUSTMENT, BOND_CLAIM, CARRIED, Line
from services.billing.terms import Terms


def rupiah(amount: int) -> str:
    return f"Rp{amount:,}".replace(",", ".")


def _dates(item: Line) -> str:
    if item.first_date is None:
        return ""
    if item.first_date == item.last_date:
        return f" ({item.first_date:%d-%m-%Y})"
    return f" ({item.first_date:%d-%m-%Y} s.d. {item.last_date:%d-%m-%Y})"


def line(item: Line, terms: Terms) -> str:
    fact = item.kind.removeprefix(ADJUSTMENT)
    if item.kind == CARRIED:
        return "Potongan terbawa / deduction carried from an earlier month (DPP cannot go below zero)"
    if item.kind == BOND_CLAIM:
        return (
            f"Klaim jaminan pelaksanaan / claim on the performance bond ({rupiah(terms.performance_bond_rp)}): "
            "deductions still carried at the end of the contract"
        )
    text = {
        "tonnage": f"Tonase / tonnage: {item.quantity:,} kg netto of cleared weighings x {rupiah(item.unit_rp)}/ton",
        "missed_pickup": f"Denda pengangkutan terlewat / missed pickups: {item.quantity} x {rupiah(item.unit_rp)}",
        "complaint_day": f"Denda pengaduan terlambat / complaint days overdue: {item.quantity} x "
        f"{rupiah(item.unit_rp)}",
        "shortfall_day": f"Denda kekurangan tonase / shortfall days beyond the allowance of "
        f"{terms.shortfall_days_allowed}: {item.quantity} x {rupiah(item.unit_rp)}",
    }[fact] + _dates(item)
    if item.kind.startswith(ADJUSTMENT):
        return f"Penyesuaian / adjustment for issued months, priced by each fact's date: {text}"
    return text
