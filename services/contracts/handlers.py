"""What the contracts service consumes: event type -> handler(session, envelope)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.contracts import amendments, lifecycle, warning_letters
from shared.events import Envelope


def sla_breached(session: Session, envelope: Envelope) -> None:
    lifecycle.expire_due(session)
    warning_letters.record_breach(session, envelope.data)


def penalty_cap_reached(session: Session, envelope: Envelope) -> None:
    lifecycle.expire_due(session)
    warning_letters.record_cap_reached(session, envelope.data)


def sla_breach_withdrawn(session: Session, envelope: Envelope) -> None:
    warning_letters.withdraw_breach(session, envelope.data)


def invoice_issued(session: Session, envelope: Envelope) -> None:
    amendments.record_issued_month(session, envelope.data)


HANDLERS = {
    "routes.sla.breached": sla_breached,
    "routes.sla.breach_withdrawn": sla_breach_withdrawn,
    "billing.penalty.cap_reached": penalty_cap_reached,
    "billing.invoice.issued": invoice_issued,
}

# Run by the events process beside the consumer, so an ended contract is expired (and announced) even when
# nobody calls the API or sends an event that day.
PERIODIC = [(60.0, lifecycle.expire_due)]
