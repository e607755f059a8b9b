"""The events billing consumes: event type -> handler(session, envelope), each a read-model write (readmodel.py)."""

from __future__ import annotations

from services.billing import invoices, readmodel

HANDLERS = {
    "contracts.contractor.registered": readmodel.contractor_registered,
    "contracts.contract.activated": readmodel.contract_activated,
    "contracts.contract.amended": readmodel.contract_amended,
    "contracts.contract.suspended": readmodel.contract_suspended,
    "contracts.contract.resumed": readmodel.contract_resumed,
    "contracts.contract.terminated": readmodel.contract_terminated,
    "contracts.contract.expired": readmodel.contract_expired,
    "routes.pickup.missed": readmodel.pickup_missed,
    "routes.pickup.confirmed": readmodel.pickup_confirmed,
    "routes.pickup.excused": readmodel.pickup_excused,
    "routes.pickup.verified": readmodel.pickup_verified,
    "routes.weighing.recorded": readmodel.weighing_recorded,  # a clearance and a re-judgement are ordered by when
    "routes.weighing.cleared": readmodel.weighing_cleared,  # they happened (the envelope's occurred_at)
    "routes.weighing.flagged": readmodel.weighing_flagged,
    "routes.complaint.opened": readmodel.complaint_changed,
    "routes.complaint.overdue": readmodel.complaint_changed,
    "routes.complaint.resolved": readmodel.complaint_changed,
    "routes.compliance.evaluated": readmodel.compliance_evaluated,
    "routes.complaint.day_excused": readmodel.complaint_day_excused,
}

# Drafts follow evidence: handlers mark a contract's drafts stale, and the events process reprices them here, once
# for a burst of events rather than once an event (a read never does it).
PERIODIC = [(1.0, invoices.refresh_stale_drafts)]
