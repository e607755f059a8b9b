"""The routes service's read model: contractors, contracts (activation terms, amendments, status changes, the days
not in force) and issued months, kept from contracts.* and billing.* events; it never calls those services.
handlers.py maps each event type to one of these functions; a contract's pickups follow its status (scheduling.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.routes import contract_copy, scheduling
from services.routes.models import Contract, ContractAmendment, Contractor, IssuedMonth
from shared import clock, config
from shared.contract_terms import PLAIN_TERMS, Amendment
from shared.inbox import NotYetKnown

SLA_FIELDS = contract_copy.SLA_FIELDS
AMENDABLE_FIELDS = ("value_rp", "start_date", "end_date", "unit_price_rp_per_ton", "daily_target_kg")
FINAL_STATUSES = ("terminated", "expired")


def contractor_registered(session: Session, envelope) -> None:
    data = envelope.data
    session.execute(
        insert(Contractor)
        .values(id=str(data["contractor_id"]), name=data["name"])
        .on_conflict_do_update(index_elements=["id"], set_={"name": data["name"]})
    )


def contract_activated(session: Session, envelope) -> None:
    data = envelope.data
    values = {field: data[field] for field in ("number", "kawasan", "kecamatan") + AMENDABLE_FIELDS}
    values.update({field: data["sla"][field] for field in SLA_FIELDS})
    # updated_at is the time of the last status change: older lifecycle events arriving late are ignored
    occurred_at = _occurred_at(envelope)
    activated_on = data.get("activated_on") or clock.wib_date(data.get("activated_at") or occurred_at)
    base = {key: data[key] for key in (*PLAIN_TERMS, "sla", "penalties")}
    values.update(
        id=str(data["contract_id"]),
        contractor_id=str(data["contractor_id"]),
        status="active",
        amendment_no=0,
        updated_at=occurred_at,
        activated_on=activated_on,
        base_terms=contract_copy.jsonable(base),
    )
    # a contract is activated once; a re-published activation must not undo amendments or later status changes
    inserted = session.execute(
        insert(Contract).values(**values).on_conflict_do_nothing(index_elements=["id"]).returning(Contract.id)
    ).scalar()
    if inserted:
        contract_copy.refresh_days_out(session, _known(session, inserted))


def contract_amended(session: Session, envelope) -> None:
    """Keep every amendment and fold them by number (shared.contract_terms), whatever order they arrive in: an
    older amendment arriving after a newer one is applied beneath it, not lost."""
    data = envelope.data
    contract = _known(session, data["contract_id"])
    amendment = Amendment.from_event(data, default_effective_from=clock.wib_date(_occurred_at(envelope)))
    session.execute(
        insert(ContractAmendment)
        .values(
            contract_id=contract.id,
            amendment_no=amendment.amendment_no,
            effective_from=amendment.effective_from,
            changes=contract_copy.jsonable(dict(amendment.changes)),
            received_at=clock.now(),
        )
        .on_conflict_do_nothing()
    )
    session.flush()
    period = (contract.start_date, contract.end_date)
    contract_copy.apply_latest(session, contract)
    if (contract.start_date, contract.end_date) != period:
        contract_copy.refresh_days_out(session, contract)
        if contract.end_date < period[1]:
            scheduling.withdraw_beyond(session, contract.id, contract.end_date)


def contract_suspended(session: Session, envelope) -> None:
    _status_changed(session, envelope.data, "suspended")


def contract_resumed(session: Session, envelope) -> None:
    _status_changed(session, envelope.data, "active")


def contract_terminated(session: Session, envelope) -> None:
    _status_changed(session, envelope.data, "terminated")


def contract_expired(session: Session, envelope) -> None:
    _status_changed(session, envelope.data, "expired")


def _status_changed(session: Session, data, status: str) -> None:
    contract = _known(session, data["contract_id"])
    # every change is kept, whatever its arrival order: the days in force follow from all of them
    contract_copy.record_status_change(session, contract.id, status, data["at"])
    newly_out = contract_copy.refresh_days_out(session, contract)
    _follow_status(session, contract, status, data["at"])
    # what is left on a day that has just fallen out of force (the suspension day's earlier windows) is no
    # miss of the contractor's
    scheduling.excuse_days_out(session, contract.id, newly_out, status)


def _follow_status(session: Session, contract: Contract, status: str, at: datetime) -> None:
    if contract.status in FINAL_STATUSES:
        return  # the end of a contract is final
    if at < contract.updated_at and status not in FINAL_STATUSES:
        return  # a suspension or resumption older than the status we hold
    session.execute(update(Contract).where(Contract.id == contract.id).values(status=status, updated_at=at))
    # Pickups follow the contract's state: none is owed while it is not active.
    if status == "active":
        scheduling.reschedule_after_resume(session, contract.id, at, config.schedule_ahead_days())
    else:
        scheduling.withdraw_pickups(session, contract.id, at)


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


def invoice_issued(session: Session, envelope) -> None:
    """billing.invoice.issued: the month's evaluation is final from now on (no revision, no withdrawal)."""
    data = envelope.data
    session.execute(
        insert(IssuedMonth)
        .values(contract_id=str(data["contract_id"]), month=data["month"], received_at=clock.now())
        .on_conflict_do_nothing()
    )
