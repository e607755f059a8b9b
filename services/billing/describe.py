"""Line descriptions, Indonesian beside English, as they read on a termin."""
from __future__ import annotations

from services.billing.invoicing import ADJUSTMENT, CARRIED, Line
from services.billing.terms import Terms


def rupiah(amount: int) -> str:
    return f"Rp{amount:,}".replace(",", ".")


def line(item: Line, terms: Terms) -> str:
    fact = item.kind.removeprefix(ADJUSTMENT)
    if item.kind == CARRIED:
        return "Potongan terbawa / deduction carried from an earlier month (DPP cannot go below zero)"
    text = {
        "tonnage": f"Tonase / tonnage: {item.quantity:,} kg netto of cleared weighings x "
                   f"{rupiah(terms.unit_price_rp_per_ton)}/ton",
        "missed_pickup": f"Denda pengangkutan terlewat / missed pickups: {item.quantity} x {rupiah(item.unit_rp)}",
        "complaint_day": f"Denda pengaduan terlambat / complaint days overdue: {item.quantity} x "
                         f"{rupiah(item.unit_rp)}",
        "shortfall_day": f"Denda kekurangan tonase / shortfall days beyond the allowance of "
                         f"{terms.shortfall_days_allowed}: {item.quantity} x {rupiah(item.unit_rp)}",
    }[fact]
    if item.kind.startswith(ADJUSTMENT):
        return f"Penyesuaian / adjustment for issued months: {text}"
    return text
