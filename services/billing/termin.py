"""Which invoice a contract month gets and when: termin, final (termin akhir) or closing, its own terms, and the
earliest instant it may be issued (month end + sync allowance)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.billing.models import Invoice
from services.billing.terms import Terms
from services.billing.timeline import Timeline, month_last_day
from shared import clock
from shared.errors import conflict, invalid

TERMIN, FINAL, CLOSING = "termin", "final", "closing"


def kind_of(timeline: Timeline, month: str) -> str:
    """termin, final (the month of the contract's last day: termin akhir) or closing (after it)."""
    final_month = clock.month_of(timeline.last_day())
    return FINAL if month == final_month else CLOSING if month > final_month else TERMIN


def terms_for(timeline: Timeline, month: str) -> Terms:
    """The invoice's own terms (value, cap, PPN, bond, sync allowance): those in force on the month's last day, or
    on the contract's last day for the final and closing invoices."""
    return timeline.on(min(month_last_day(month), timeline.last_day()))


def issuable_from(timeline: Timeline, month: str) -> datetime:
    """A month can be issued once it has ended (WIB) and its sync allowance has passed: its evidence is in."""
    month_end = clock.wib_day_bounds(clock.month_bounds(month)[1])[0]
    return month_end + timedelta(hours=terms_for(timeline, month).sync_allowance_hours)


def check_month(session: Session, contract_id: str, timeline: Timeline, month: str) -> None:
    """Months of the contract, and after its final month closing invoices once the final one is issued."""
    first, following = clock.month_bounds(month)
    if following <= timeline.first_day():
        raise invalid(
            "outside_contract_period",
            "The month is before the contract period.",
            {"month": [f"contract runs {timeline.first_day()} to {timeline.last_day()}"]},
        )
    if kind_of(timeline, month) != CLOSING:
        return
    final_month = clock.month_of(timeline.last_day())
    others = {
        row.month: row.status
        for row in session.execute(
            select(Invoice.month, Invoice.status).where(
                Invoice.contract_id == contract_id, Invoice.month >= final_month
            )
        )
    }
    if others.get(final_month, "draft") == "draft":
        raise conflict(
            "final_not_issued",
            f"The contract ended in {final_month}: a closing adjustment invoice "
            "follows only once its final invoice (termin akhir) is issued.",
            {"month": [final_month]},
        )
    open_closing = [m for m, status in others.items() if m > final_month and status == "draft" and m != month]
    if open_closing:
        raise conflict(
            "closing_draft_open", f"The closing invoice of {open_closing[0]} is still a draft.", {"month": open_closing}
        )
