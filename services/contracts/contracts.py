"""Contracts: creation as a draft with the handbook's default terms, reads, and the shape they are shown in."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from services.contracts import rules
from services.contracts.models import Contract, Contractor
from shared import audit, auth, clock
from shared.errors import ApiError, conflict, invalid, not_found
from shared.pagination import paginate


def create(session: Session, principal: auth.Principal, data: dict) -> dict:
    rules.check_period(data["start_date"], data["end_date"])
    kecamatan = rules.canonical_kecamatan(data["kecamatan"])
    if session.get(Contractor, str(data["contractor_id"])) is None:
        raise invalid(
            "unknown_contractor",
            "No contractor has that id; register the contractor first.",
            {"contractor_id": ["Unknown contractor."]},
        )
    number = data["number"].strip()
    if session.execute(select(Contract.id).where(Contract.number == number)).first():
        raise _number_taken(number)
    now = clock.now()
    sla = rules.sla_terms(data.get("sla"))
    penalties = rules.penalty_terms(data.get("penalties"), data["value_rp"], data["start_date"], data["end_date"])
    contract = Contract(
        number=number,
        contractor_id=str(data["contractor_id"]),
        kawasan=data["kawasan"].strip(),
        kecamatan=kecamatan,
        start_date=data["start_date"],
        end_date=data["end_date"],
        value_rp=data["value_rp"],
        unit_price_rp_per_ton=data["unit_price_rp_per_ton"],
        daily_target_kg=data["daily_target_kg"],
        ppn_rate=rules.PPN_RATE if data.get("ppn_rate") is None else data["ppn_rate"],
        performance_bond_rp=rules.performance_bond_rp(data["value_rp"], data.get("performance_bond_rp")),
        status="draft",
        amendment_no=0,
        created_at=now,
        updated_at=now,
        **sla,
        **penalties,
    )
    session.add(contract)
    try:
        session.flush()
    except IntegrityError:  # a concurrent create of the same number won the race
        raise _number_taken(number)
    audit.append(session, principal, "contract.create", "contract", contract.id, terms(contract))
    return present(session, contract)


def _number_taken(number: str):
    return conflict("number_taken", f"Contract number {number} is already used.", {"number": [number]})


def status_expression(today: date):
    """The status as read: a live contract past its end date is expired (SQL twin of rules.effective_status)."""
    return case((Contract.status.in_(rules.LIVE) & (Contract.end_date < today), "expired"), else_=Contract.status)


def list_(session: Session, args: dict) -> dict:
    query = auth.scope(select(Contract), Contract.contractor_id).order_by(Contract.start_date.desc(), Contract.number)
    if args.get("status"):
        query = query.where(status_expression(clock.today_wib()) == args["status"])
    if args.get("contractor_id"):
        query = query.where(Contract.contractor_id == str(args["contractor_id"]))
    if args.get("kecamatan"):
        query = query.where(Contract.kecamatan.contains([_kecamatan_filter(args["kecamatan"])]))
    page = paginate(
        session,
        query.options(selectinload(Contract.amendments), selectinload(Contract.warnings)),
        args["page"],
        args["per_page"],
    )
    page["items"] = [present(session, contract, loaded=True) for contract in page["items"]]
    return page


def _kecamatan_filter(name: str) -> str:
    try:
        return rules.canonical_kecamatan([name])[0]
    except ApiError:
        return name  # an unknown name simply matches nothing


def get(session: Session, contract_id) -> dict:
    return present(session, load_visible(session, contract_id), loaded=True)


def load_visible(session: Session, contract_id) -> Contract:
    query = auth.scope(select(Contract).where(Contract.id == str(contract_id)), Contract.contractor_id)
    query = query.options(selectinload(Contract.amendments), selectinload(Contract.warnings))
    return _found(session.execute(query).scalar_one_or_none())


def require_visible(session: Session, contract_id) -> None:
    """404 unless the contract exists and the caller may see it (for reads of what hangs off a contract)."""
    query = auth.scope(select(Contract.id).where(Contract.id == str(contract_id)), Contract.contractor_id)
    _found(session.execute(query).first())


def load_for_update(session: Session, contract_id) -> Contract:
    """The contract row locked for a state change (writes are dinas-only, so no contractor scope)."""
    query = select(Contract).where(Contract.id == str(contract_id)).with_for_update()
    return _found(session.execute(query).scalar_one_or_none())


def _found(row):
    """Another contractor's contract is simply not there (404), like an unknown one."""
    if row is None:
        raise not_found("Contract")
    return row


def sla_of(contract: Contract) -> dict:
    return {name: getattr(contract, name) for name in rules.SLA_FIELDS}


def penalties_of(contract: Contract) -> dict:
    return {name: getattr(contract, name) for name in rules.PENALTY_RATE_FIELDS + ("cap_ratio", "cap_rp")}


def terms(contract: Contract) -> dict:
    """Everything routes and billing need to run the contract: the data of contracts.contract.activated."""
    return {
        "contract_id": contract.id,
        "number": contract.number,
        "contractor_id": contract.contractor_id,
        "kawasan": contract.kawasan,
        "kecamatan": list(contract.kecamatan),
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "value_rp": contract.value_rp,
        "unit_price_rp_per_ton": contract.unit_price_rp_per_ton,
        "daily_target_kg": contract.daily_target_kg,
        "ppn_rate": contract.ppn_rate,
        "sla": sla_of(contract),
        "penalties": penalties_of(contract),
        "performance_bond_rp": bond_of(contract),
        "activated_at": contract.activated_at,
        "activated_on": contract.activated_on
        or (clock.wib_date(contract.activated_at) if contract.activated_at else None),
    }


def bond_of(contract: Contract) -> int:
    """Contracts created before the bond was recorded hold the default, 5% of the value."""
    return rules.performance_bond_rp(contract.value_rp, contract.performance_bond_rp)


def present(session: Session, contract: Contract, loaded: bool = False) -> dict:
    """The contract as the API shows it, with amendments, warnings and whether it may be terminated for fault."""
    from services.contracts.warning_letters import annotate_withdrawn  # it imports this module

    if not loaded:
        session.refresh(contract, ["amendments", "warnings"])
    annotate_withdrawn(session, contract.warnings)
    levels = [letter.level for letter in contract.warnings]
    grounds = rules.termination_grounds(levels, contract.cap_reached_at is not None)
    status = rules.effective_status(contract.status, contract.end_date, clock.today_wib())
    view = terms(contract)
    view.pop("contract_id")
    view.update(
        {
            "id": contract.id,
            "status": status,
            "status_reason": contract.status_reason,
            "amendment_no": contract.amendment_no,
            "amendments": contract.amendments,
            "warnings": contract.warnings,
            "cap_reached_at": contract.cap_reached_at,
            "termination_grounds": grounds,
            "termination_eligible": bool(grounds) and status in rules.LIVE,
            "created_at": contract.created_at,
            "updated_at": contract.updated_at,
            "activated_at": contract.activated_at,
            "suspended_at": contract.suspended_at,
            "terminated_at": contract.terminated_at,
            "expired_at": contract.expired_at,
        }
    )
    return view
