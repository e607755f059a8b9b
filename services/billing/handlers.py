"""The events billing consumes: one table from event type to handler(session, envelope)."""
from __future__ import annotations

from functools import partial

from sqlalchemy.orm import Session

from services.billing import invoices, objections, parties, readmodel
from shared.events import Envelope


def _data(apply):
    def handle(session: Session, envelope: Envelope) -> None:
        apply(session, envelope.data)

    handle.__name__ = getattr(apply, "__name__", "handle")
    return handle


def _each_envelope(*handlers):
    """Several read-model writes from one event, in its one transaction."""
    def handle(session: Session, envelope: Envelope) -> None:
        for each in handlers:
            each(session, envelope)

    handle.__name__ = "_and_".join(each.__name__ for each in handlers)
    return handle


HANDLERS = {
    "contracts.contractor.registered": _data(parties.contractor_registered),
    "contracts.contract.activated": _each_envelope(readmodel.contract_activated, _data(parties.contract_area)),
    "contracts.contract.amended": readmodel.contract_amended,
    "contracts.contract.suspended": _data(partial(readmodel.status_changed, status="suspended")),
    "contracts.contract.resumed": _data(partial(readmodel.status_changed, status="active")),
    "contracts.contract.terminated": _data(partial(readmodel.status_changed, status="terminated")),
    "contracts.contract.expired": _data(partial(readmodel.status_changed, status="expired")),
    "routes.pickup.missed": _data(readmodel.pickup_missed),
    "routes.pickup.confirmed": _data(readmodel.pickup_confirmed),
    "routes.pickup.excused": _data(readmodel.pickup_excused),
    "routes.pickup.verified": _data(readmodel.pickup_verified),
    "routes.weighing.recorded": readmodel.weighing_recorded,  # envelopes: a clearance and a re-judgement are
    "routes.weighing.cleared": readmodel.weighing_cleared,  # ordered by when they happened
    "routes.weighing.flagged": readmodel.weighing_flagged,
    "routes.complaint.opened": _data(readmodel.complaint_changed),
    "routes.complaint.overdue": _data(readmodel.complaint_changed),
    "routes.complaint.resolved": _data(readmodel.complaint_changed),
    "routes.compliance.evaluated": _data(readmodel.compliance_evaluated),
    "routes.complaint.day_excused": _data(objections.complaint_day_excused),
}

# Drafts follow evidence: handlers mark a contract's drafts stale, and the events process reprices them here, once
# for a burst of events rather than once an event (a read never does it).
PERIODIC = [(1.0, invoices.refresh_stale_drafts)]
