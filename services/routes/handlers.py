"""The routes service's read model of contracts, kept from contracts.* events (it never calls the contracts service)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from shared import clock, config
from shared.inbox import NotYetKnown
from services.routes import objections, scheduling
from services.routes.models import Contract, Contractor

SLA_FIELDS = ("grace_minutes", "geofence_m", "sync_allowance_hours", "min_on_time_ratio", "complaint_hours_priority",
              "complaint_hours_normal", "shortfall_ratio", "shortfall_days_allowed")
AMENDABLE_FIELDS = ("value_rp", "start_date", "end_date", "unit_price_rp_per_ton", "daily_target_kg")
FINAL_STATUSES = ("terminated", "expired")


def contractor_registered(session: Session, envelope) -> None:
    data = envelope.data
    session.execute(insert(Contractor).values(id=str(data["contractor_id"]), name=data["name"])
                    .on_conflict_do_update(index_elements=["id"], set_={"name": data["name"]}))


def contract_activated(session: Session, envelope) -> None:
    data = envelope.data
    values = {field: data[field] for field in ("number", "kawasan", "kecamatan") + AMENDABLE_FIELDS}
    values.update({field: data["sla"][field] for field in SLA_FIELDS})
    # updated_at is the time of the last status change: older lifecycle events arriving late are ignored
    values.update(id=str(data["contract_id"]), contractor_id=str(data["contractor_id"]), status="active",
                  amendment_no=0, updated_at=_occurred_at(envelope))
    # a contract is activated once; a re-published activation must not undo amendments or later status changes
    session.execute(insert(Contract).values(**values).on_conflict_do_nothing(index_elements=["id"]))


def contract_amended(session: Session, envelope) -> None:
    data = envelope.data
    contract = _known(session, data["contract_id"])
    if data["amendment_no"] <= contract.amendment_no:
        return  # an older amendment arriving late, or a redelivery: the newer terms stand
    changes = {field: data[field] for field in AMENDABLE_FIELDS if data.get(field) is not None}
    if data.get("sla"):
        changes.update({field: data["sla"][field] for field in SLA_FIELDS})
    session.execute(update(Contract).where(Contract.id == contract.id)
                    .values(amendment_no=data["amendment_no"], **changes))


def _status_setter(status: str):
    def handle(session: Session, envelope) -> None:
        data = envelope.data
        contract = _known(session, data["contract_id"])
        if contract.status in FINAL_STATUSES:
            return  # the end of a contract is final
        if data["at"] < contract.updated_at and status not in FINAL_STATUSES:
            return  # a suspension or resumption older than the status we hold
        session.execute(update(Contract).where(Contract.id == contract.id)
                        .values(status=status, updated_at=data["at"]))
        # Pickups follow the contract's state: none is owed while it is not active.
        if status == "active":
            scheduling.reschedule_after_resume(session, contract.id, data["at"], config.schedule_ahead_days())
        else:
            scheduling.withdraw_pickups(session, contract.id, data["at"])

    handle.__name__ = f"contract_{status}"
    return handle


def _known(session: Session, contract_id) -> Contract:
    contract = session.execute(select(Contract).where(Contract.id == str(contract_id)).with_for_update()).scalar()
    if contract is None:
        raise NotYetKnown(f"contract {contract_id} not replicated yet")
    return contract


def _occurred_at(envelope) -> datetime:
    try:
        return clock.parse_instant(envelope.occurred_at)
    except (TypeError, ValueError):
        return clock.now()


HANDLERS = {
    "contracts.contractor.registered": contractor_registered,
    "contracts.contract.activated": contract_activated,
    "contracts.contract.amended": contract_amended,
    "contracts.contract.suspended": _status_setter("suspended"),
    "contracts.contract.resumed": _status_setter("active"),
    "contracts.contract.terminated": _status_setter("terminated"),
    "contracts.contract.expired": _status_setter("expired"),
    "billing.objection.decided": objections.objection_decided,
}
