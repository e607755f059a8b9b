"""Billing's read model, written from events: contract terms and the facts (pickups, weighings, complaints, days).

Every write is an idempotent upsert of facts that only accumulate (a flag once set stays set, the highest
revision or amendment wins), so the same events in any order and any number of times leave the same rows."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.billing.models import (Amendment, Complaint, Contract, DailyEvaluation, LifecycleChange, Pickup,
                                     StaleDraft, Weighing)
from services.billing.terms import activation_terms, json_terms
from services.billing.timeline import Amendment as TimelineAmendment, Timeline
from shared import clock
from shared.inbox import NotYetKnown

TERMINAL = ("terminated", "expired")


def require_contract(session: Session, contract_id, lock: bool = True) -> Contract:
    """The contract's row (locked when its terms change); an unknown contract is retried, never dropped."""
    contract = session.get(Contract, str(contract_id), with_for_update=lock)
    if contract is None:
        raise NotYetKnown(f"contract {contract_id} not replicated yet")
    return contract


def mark_stale(session: Session, contract_id) -> None:
    """The contract's drafts no longer match the evidence: the events process reprices them (handlers.PERIODIC)."""
    session.execute(insert(StaleDraft).values(contract_id=str(contract_id)).on_conflict_do_nothing())


def timeline_of(session: Session, contract: Contract) -> Timeline:
    """The contract's terms by date and days in force, from its activation terms, amendments and lifecycle."""
    with session.no_autoflush:
        amendments = session.execute(select(Amendment.amendment_no, Amendment.effective_from, Amendment.changes)
                                     .where(Amendment.contract_id == contract.id)).all()
        changes = session.execute(select(LifecycleChange.at, LifecycleChange.status)
                                  .where(LifecycleChange.contract_id == contract.id)).all()
    return Timeline(base=contract.base_terms,
                    amendments=tuple(TimelineAmendment(a.amendment_no, a.effective_from, a.changes) for a in amendments),
                    activated_on=contract.activated_on, lifecycle=tuple((c.at, c.status) for c in changes))


def _refold(session: Session, contract: Contract) -> None:
    timeline = timeline_of(session, contract)
    _set_terms(contract, timeline.latest(), timeline.amendments)


def _set_terms(contract: Contract, terms: dict, rows) -> None:
    contract.start_date = date.fromisoformat(terms["start_date"])
    contract.end_date = date.fromisoformat(terms["end_date"])
    contract.ppn_rate = Decimal(terms["ppn_rate"])
    for name in ("value_rp", "unit_price_rp_per_ton", "missed_pickup_rp", "complaint_day_rp", "shortfall_day_rp",
                 "cap_rp", "shortfall_days_allowed", "performance_bond_rp"):
        setattr(contract, name, terms.get(name, 0))
    contract.amendment_no = max((row.number for row in rows), default=0)
    contract.updated_at = clock.now()


def contract_activated(session: Session, data: dict) -> None:
    contract = session.get(Contract, str(data["contract_id"]), with_for_update=True)
    if contract is None:
        contract = Contract(id=str(data["contract_id"]), status="active", amendment_no=0)
        session.add(contract)
    contract.number = data["number"]
    contract.contractor_id = str(data["contractor_id"])
    contract.base_terms = activation_terms(data)
    contract.activated_on = data.get("activated_on")  # absent in older events: in force from the start date
    _refold(session, contract)
    session.flush()
    mark_stale(session, contract.id)


def contract_amended(session: Session, data: dict) -> None:
    contract = require_contract(session, data["contract_id"])
    session.execute(insert(Amendment).values(contract_id=contract.id, amendment_no=data["amendment_no"],
                                             effective_from=data.get("effective_from"),
                                             changes=json_terms(data)).on_conflict_do_nothing())
    _refold(session, contract)
    session.flush()
    mark_stale(session, contract.id)


def status_changed(session: Session, data: dict, status: str) -> None:
    """Lifecycle events by their own instant: a terminal status sticks, otherwise the latest instant wins; each
    change is kept, so the days in force come out the same whatever order they arrive in."""
    contract = require_contract(session, data["contract_id"])
    session.execute(insert(LifecycleChange).values(contract_id=contract.id, at=data["at"], status=status)
                    .on_conflict_do_nothing())
    mark_stale(session, contract.id)
    if contract.status in TERMINAL:
        return
    if status in TERMINAL or contract.status_at is None or data["at"] >= contract.status_at:
        contract.status, contract.status_at = status, data["at"]
        contract.updated_at = clock.now()


def _upsert_pickup(session: Session, data: dict, **flags: bool) -> None:
    require_contract(session, data["contract_id"], lock=False)
    values = {"pickup_id": str(data["pickup_id"]), "contract_id": str(data["contract_id"]),
              "date": data.get("date"), "missed": False, "confirmed": False, "off_site": False,
              "verified": False, "excused": False, **flags}
    table = Pickup.__table__
    statement = insert(table).values(**values)
    merged = {name: table.c[name] | statement.excluded[name] for name in flags}
    merged["date"] = func.coalesce(statement.excluded.date, table.c.date)
    session.execute(statement.on_conflict_do_update(index_elements=["pickup_id"], set_=merged))
    mark_stale(session, data["contract_id"])


def pickup_missed(session: Session, data: dict) -> None:
    _upsert_pickup(session, data, missed=True)


def pickup_confirmed(session: Session, data: dict) -> None:
    # a confirmation that supersedes a miss, arriving before the miss, still ends confirmed: confirmed wins
    _upsert_pickup(session, data, confirmed=True, off_site=bool(data["off_site"]))


def pickup_excused(session: Session, data: dict) -> None:
    _upsert_pickup(session, data, excused=True)


def pickup_verified(session: Session, data: dict) -> None:
    _upsert_pickup(session, data, verified=True)


def _upsert_weighing(session: Session, data: dict, cleared: bool, weighed_at, flags: list[str] | None) -> None:
    if data.get("contract_id") is None:
        return  # an unassigned vehicle's weighing bills no contract
    require_contract(session, data["contract_id"], lock=False)
    table = Weighing.__table__
    statement = insert(table).values(weighing_id=str(data["weighing_id"]), contract_id=str(data["contract_id"]),
                                     net_kg=int(data["net_kg"]), weighed_at=weighed_at, flags=flags or [],
                                     cleared=cleared)
    session.execute(statement.on_conflict_do_update(index_elements=["weighing_id"], set_={
        "cleared": table.c.cleared | statement.excluded.cleared,
        "weighed_at": func.coalesce(table.c.weighed_at, statement.excluded.weighed_at),
        "net_kg": statement.excluded.net_kg if cleared else table.c.net_kg,
        "flags": table.c.flags if flags is None else statement.excluded.flags,
    }))
    mark_stale(session, data["contract_id"])


def weighing_recorded(session: Session, data: dict) -> None:
    _upsert_weighing(session, data, bool(data["cleared"]), data["weighed_at"], list(data["flags"]))


def weighing_cleared(session: Session, data: dict) -> None:
    _upsert_weighing(session, data, True, data.get("weighed_at"), None)


def complaint_changed(session: Session, data: dict) -> None:
    """opened, overdue and resolved all carry the deadline; the first resolution fixes when it ended (as it
    counts: routes bounds a back-dated resolution by the sync allowance). Billing counts the started days itself."""
    require_contract(session, data["contract_id"], lock=False)
    table = Complaint.__table__
    statement = insert(table).values(complaint_id=str(data["complaint_id"]), contract_id=str(data["contract_id"]),
                                     due_at=data["due_at"], resolved_at=data.get("resolved_at"))
    session.execute(statement.on_conflict_do_update(index_elements=["complaint_id"], set_={
        "resolved_at": func.coalesce(table.c.resolved_at, statement.excluded.resolved_at),
        "due_at": statement.excluded.due_at,
    }))
    mark_stale(session, data["contract_id"])


def compliance_evaluated(session: Session, data: dict) -> None:
    require_contract(session, data["contract_id"], lock=False)
    table = DailyEvaluation.__table__
    statement = insert(table).values(contract_id=str(data["contract_id"]), date=data["date"],
                                     revision=int(data.get("revision") or 1), shortfall=bool(data["shortfall"]),
                                     net_kg=int(data["net_kg"]), target_kg=int(data["target_kg"]))
    session.execute(statement.on_conflict_do_update(
        index_elements=["contract_id", "date"],
        set_={name: statement.excluded[name] for name in ("revision", "shortfall", "net_kg", "target_kg")},
        where=statement.excluded.revision >= table.c.revision))
    mark_stale(session, data["contract_id"])
