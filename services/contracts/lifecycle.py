"""A contract's life: draft -> active -> suspended <-> active -> terminated, and expired once its end date has passed.

Expiry is computed on every read (rules.effective_status) and stored, with its event, by `expire_due`, which the
service runs lazily at the start of every contracts API call and every consumed event, and which the events
process may also run on a timer: it is one UPDATE over live contracts past their end date, safe to run anywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from services.contracts import rules
from services.contracts.contracts import load_for_update, present, terms
from services.contracts.models import Contract, WarningLetter
from shared import audit, auth, clock, events, outbox
from shared.errors import conflict

SYSTEM = auth.Principal(sub="contracts:expiry-sweep", role="system")  # who the audit log says expired a contract

_ACTIVATION_LOCK = 0x6B6F6E74  # serialises activations so two overlapping contracts cannot both slip in


def activate(session: Session, principal: auth.Principal, contract_id, activated_on: date | None = None) -> dict:
    """Activate a draft. activated_on records the day it took effect (the SPMK date) when the contract is keyed in
    after it started (a city bringing running contracts into Kawal); never a day still to come."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ACTIVATION_LOCK})
    expire_due(session)
    contract = load_for_update(session, contract_id)
    rules.transition("activate", contract.status, contract.number)
    if contract.end_date < clock.today_wib():
        raise conflict(
            "period_ended",
            f"Contract {contract.number} ended on {contract.end_date}; amend its period before activating it.",
        )
    check_kecamatan_free(session, contract, contract.start_date, contract.end_date)
    now = clock.now()
    contract.activated_on = rules.activation_day(activated_on, clock.today_wib())
    contract.status, contract.status_reason, contract.activated_at, contract.updated_at = "active", None, now, now
    audit.append(
        session,
        principal,
        "contract.activate",
        "contract",
        contract.id,
        {"number": contract.number, "activated_on": contract.activated_on.isoformat()},
    )
    outbox.record(session, "contracts.contract.activated", terms(contract), producer="contracts")
    return present(session, contract)


def live_neighbours(session: Session, candidate: dict) -> list[dict]:
    """Live contracts sharing a kecamatan in an overlapping period (the index narrows, the rule decides)."""
    rows = (
        session.execute(
            select(
                Contract.id,
                Contract.number,
                Contract.status,
                Contract.kecamatan,
                Contract.start_date,
                Contract.end_date,
            ).where(
                Contract.status.in_(rules.LIVE),
                Contract.id != candidate["id"],
                Contract.kecamatan.overlap(list(candidate["kecamatan"])),
                Contract.start_date <= candidate["end_date"],
                Contract.end_date >= candidate["start_date"],
            )
        )
        .mappings()
        .all()
    )
    return [dict(row) for row in rows]


def check_kecamatan_free(session: Session, contract: Contract, start_date: date, end_date: date) -> None:
    """409 when the contract, over the period given, would share a kecamatan with another live contract."""
    candidate = {
        "id": contract.id,
        "number": contract.number,
        "status": contract.status,
        "kecamatan": contract.kecamatan,
        "start_date": start_date,
        "end_date": end_date,
    }
    clashes = rules.overlapping(candidate, live_neighbours(session, candidate))
    if clashes:
        raise rules.overlap_conflict(contract.number, clashes)


def suspend(session: Session, principal: auth.Principal, contract_id, reason: str) -> dict:
    return _change(session, principal, contract_id, "suspend", reason, "contracts.contract.suspended")


def resume(session: Session, principal: auth.Principal, contract_id, reason: str | None) -> dict:
    return _change(session, principal, contract_id, "resume", reason, "contracts.contract.resumed")


def terminate(session: Session, principal: auth.Principal, contract_id, reason: str) -> dict:
    return _change(session, principal, contract_id, "terminate", reason, "contracts.contract.terminated")


def _change(
    session: Session, principal: auth.Principal, contract_id, action: str, reason: str | None, event_type: str
) -> dict:
    expire_due(session)
    contract = load_for_update(session, contract_id)
    target = rules.transition(action, contract.status, contract.number)
    detail: dict[str, Any] = {"number": contract.number, "reason": reason}
    if action == "terminate":
        levels = (
            session.execute(select(WarningLetter.level).where(WarningLetter.contract_id == contract.id)).scalars().all()
        )
        detail["grounds"] = rules.check_termination(levels, contract.cap_reached_at is not None, contract.number)
    now = clock.now()
    contract.status, contract.status_reason, contract.updated_at = target, reason, now
    if action == "suspend":
        contract.suspended_at = now
    elif action == "terminate":
        contract.terminated_at = now
    audit.append(session, principal, f"contract.{action}", "contract", contract.id, detail)
    outbox.record(session, event_type, {"contract_id": contract.id, "reason": reason, "at": now}, producer="contracts")
    return present(session, contract)


def expire_due(session: Session, now: datetime | None = None) -> list[str]:
    """Store as expired every live contract whose end date (WIB) has passed, and announce each; ids expired."""
    now = now or clock.now()
    rows = session.execute(
        update(Contract)
        .where(Contract.status.in_(rules.LIVE), Contract.end_date < clock.wib_date(now))
        .values(status="expired", expired_at=now, updated_at=now, status_reason="end date passed")
        .returning(Contract.id, Contract.number, Contract.end_date)
        .execution_options(synchronize_session=False)
    ).all()
    envelopes = []
    for row in rows:
        # it expired when its last WIB day ended, however late the sweep noticed
        ended_at = clock.wib_day_bounds(row.end_date)[1]
        audit.append(
            session,
            SYSTEM,
            "contract.expire",
            "contract",
            row.id,
            {"number": row.number, "end_date": row.end_date.isoformat()},
        )
        envelopes.append(
            events.make(
                "contracts.contract.expired",
                {"contract_id": row.id, "reason": f"end date {row.end_date} passed", "at": ended_at},
                producer="contracts",
            )
        )
    outbox.record_many(session, envelopes)
    return [row.id for row in rows]
