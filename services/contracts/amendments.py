"""Amendments (adendum): numbered changes to a live contract's value, period, prices, target or terms, kept in full."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.contracts import rules
from services.contracts.contracts import bond_of, load_for_update, penalties_of, require_visible, sla_of
from services.contracts.lifecycle import check_kecamatan_free, expire_due
from services.contracts.models import Amendment, Contract, IssuedMonth
from shared import audit, auth, clock, outbox
from shared.errors import conflict
from shared.pagination import paginate


def amend(session: Session, principal: auth.Principal, contract_id, data: dict) -> Amendment:
    expire_due(session)
    contract = load_for_update(session, contract_id)
    if contract.status not in rules.LIVE:
        # only a signed contract in force is amended; routes and billing know only those
        raise conflict(
            "not_amendable",
            f"Contract {contract.number} is {contract.status}; only an active or suspended contract can be amended.",
            {"status": [contract.status]},
        )
    effective_from = data.get("effective_from") or clock.today_wib()
    issued = session.execute(select(IssuedMonth.month).where(IssuedMonth.contract_id == contract.id)).scalars()
    rules.check_effective_from(effective_from, list(issued), contract.number)
    current = _current(contract)
    changes = rules.amendment_changes(current, data)
    if "start_date" in changes or "end_date" in changes:
        _check_new_period(session, contract, changes)
    previous = {field: current[field] for field in changes}
    for field, value in changes.items():
        if field in ("sla", "penalties"):
            for name, term in value.items():
                setattr(contract, name, term)
        else:
            setattr(contract, field, value)
    contract.amendment_no += 1
    contract.updated_at = now = clock.now()
    amendment = Amendment(
        contract_id=contract.id,
        amendment_no=contract.amendment_no,
        reason=data.get("reason"),
        effective_from=effective_from,
        changes=_jsonable(changes),
        previous=_jsonable(previous),
        created_at=now,
        created_by=principal.sub,
    )
    session.add(amendment)
    session.flush()
    audit.append(
        session,
        principal,
        "contract.amend",
        "contract",
        contract.id,
        {
            "amendment_no": amendment.amendment_no,
            "changes": amendment.changes,
            "reason": amendment.reason,
            "effective_from": effective_from.isoformat(),
        },
    )
    outbox.record(
        session,
        "contracts.contract.amended",
        {
            "contract_id": contract.id,
            "amendment_no": amendment.amendment_no,
            "effective_from": effective_from,
            "reason": amendment.reason,
            **changes,
        },
        producer="contracts",
    )
    return amendment


def _current(contract: Contract) -> dict:
    current = {field: getattr(contract, field) for field in rules.AMENDABLE}
    current["performance_bond_rp"] = bond_of(contract)
    return {**current, "sla": sla_of(contract), "penalties": penalties_of(contract)}


def _check_new_period(session: Session, contract: Contract, changes: dict) -> None:
    """A new period must still leave each kecamatan with one live contract at a time, and not end in the past."""
    end = changes.get("end_date", contract.end_date)
    if end < clock.today_wib():
        raise conflict(
            "period_ended",
            f"Contract {contract.number} would end on {end}, which has passed; "
            "terminate it or choose a later end date.",
            {"end_date": [str(end)]},
        )
    check_kecamatan_free(session, contract, changes.get("start_date", contract.start_date), end)


def _jsonable(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def record_issued_month(session: Session, data: dict) -> None:
    """billing.invoice.issued: the month is frozen, no amendment may take effect inside it any more."""
    session.execute(
        insert(IssuedMonth)
        .values(
            contract_id=str(data["contract_id"]),
            month=data["month"],
            invoice_id=str(data["invoice_id"]),
            received_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["contract_id", "month"])
    )


def list_(session: Session, contract_id, args: dict) -> dict:
    require_visible(session, contract_id)
    query = select(Amendment).where(Amendment.contract_id == str(contract_id)).order_by(Amendment.amendment_no)
    return paginate(session, query, args["page"], args["per_page"])
