"""Warning letters (SP1-SP3) resting on known breaches, the breach record, and billing's penalty-cap report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.contracts import rules
from services.contracts.contracts import load_for_update, require_visible
from services.contracts.lifecycle import expire_due
from services.contracts.models import Breach, Contract, WarningLetter
from shared import audit, auth, clock, outbox
from shared.errors import conflict, invalid
from shared.inbox import NotYetKnown
from shared.pagination import paginate


def issue(session: Session, principal: auth.Principal, contract_id, data: dict) -> WarningLetter:
    expire_due(session)
    contract = load_for_update(session, contract_id)
    if contract.status not in rules.LIVE:
        raise conflict(
            "not_in_force",
            f"Contract {contract.number} is {contract.status}; warning letters go to an active or suspended contract.",
            {"status": [contract.status]},
        )
    issued = session.execute(select(WarningLetter.level).where(WarningLetter.contract_id == contract.id)).scalars()
    rules.check_warning_order(list(issued), data["level"], contract.number)
    breach_ids = list(dict.fromkeys(str(b) for b in data.get("breach_ids") or []))
    rules.check_warning_breaches(breach_ids)
    _check_breaches(session, contract.id, breach_ids)
    letter = WarningLetter(
        contract_id=contract.id,
        level=data["level"],
        reason=data["reason"],
        breach_ids=breach_ids,
        issued_at=clock.now(),
        issued_by=principal.sub,
    )
    session.add(letter)
    try:
        session.flush()
    except IntegrityError:  # the row lock makes this unreachable in practice; the constraint is the backstop
        raise conflict("warning_out_of_order", f"{data['level']} was already issued for contract {contract.number}.")
    contract.updated_at = letter.issued_at
    audit.append(
        session,
        principal,
        "contract.warn",
        "contract",
        contract.id,
        {"warning_id": letter.id, "level": letter.level, "reason": letter.reason, "breach_ids": breach_ids},
    )
    outbox.record(
        session,
        "contracts.warning.issued",
        {
            "contract_id": contract.id,
            "warning_id": letter.id,
            "level": letter.level,
            "reason": letter.reason,
            "breach_ids": breach_ids,
            "issued_at": letter.issued_at,
        },
        producer="contracts",
    )
    return annotate_withdrawn(session, [letter])[0]


def _check_breaches(session: Session, contract_id: str, breach_ids: list[str]) -> None:
    known = (
        set(
            session.execute(
                select(Breach.id).where(Breach.contract_id == contract_id, Breach.id.in_(breach_ids))
            ).scalars()
        )
        if breach_ids
        else set()
    )
    unknown = [b for b in breach_ids if b not in known]
    if unknown:
        raise invalid(
            "unknown_breach",
            "A warning letter can rest only on breaches recorded for this contract; "
            f"not known here: {', '.join(unknown)}.",
            {"breach_ids": unknown},
        )
    withdrawn = set(
        session.execute(select(Breach.id).where(Breach.id.in_(breach_ids), Breach.withdrawn_at.is_not(None))).scalars()
    )
    if withdrawn:
        listed = [b for b in breach_ids if b in withdrawn]
        raise invalid(
            "breach_withdrawn",
            f"A warning letter cannot rest on a withdrawn breach: {', '.join(listed)}.",
            {"breach_ids": listed},
        )


def annotate_withdrawn(session: Session, letters) -> list:
    """Mark on each letter the breaches it names that were since withdrawn, and whether none still holds."""
    letters = list(letters)
    named = {b for letter in letters for b in letter.breach_ids}
    withdrawn = (
        set(session.execute(select(Breach.id).where(Breach.id.in_(named), Breach.withdrawn_at.is_not(None))).scalars())
        if named
        else set()
    )
    for letter in letters:
        letter.withdrawn_breach_ids = [b for b in letter.breach_ids if b in withdrawn]
        letter.rests_only_on_withdrawn = bool(letter.breach_ids) and all(b in withdrawn for b in letter.breach_ids)
    return letters


def list_warnings(session: Session, contract_id, args: dict) -> dict:
    require_visible(session, contract_id)
    query = select(WarningLetter).where(WarningLetter.contract_id == str(contract_id)).order_by(WarningLetter.level)
    page = paginate(session, query, args["page"], args["per_page"])
    page["items"] = annotate_withdrawn(session, page["items"])
    return page


def list_breaches(session: Session, contract_id, args: dict) -> dict:
    require_visible(session, contract_id)
    query = (
        select(Breach)
        .where(Breach.contract_id == str(contract_id))
        .order_by(Breach.month.desc(), Breach.measure, Breach.id)
    )
    return paginate(session, query, args["page"], args["per_page"])


def _known(session: Session, contract_id: str) -> str:
    if session.execute(select(Contract.id).where(Contract.id == contract_id)).first() is None:
        raise NotYetKnown(f"contract {contract_id}")
    return contract_id


def record_breach(session: Session, data: dict) -> None:
    """Keep routes' breach as the contract's record; the same breach again (re-evaluation) updates it."""
    contract_id = _known(session, str(data["contract_id"]))
    values = {
        "id": str(data["breach_id"]),
        "contract_id": contract_id,
        "month": data["month"],
        "measure": data["measure"],
        "threshold": data["threshold"],
        "value": data["value"],
        "evidence": list(data["evidence"]),
        "received_at": clock.now(),
    }
    # a revision re-published after re-evaluation updates it; once withdrawn it stays withdrawn
    session.execute(
        insert(Breach)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[Breach.id],
            set_={k: values[k] for k in ("month", "measure", "threshold", "value", "evidence")},
        )
    )


def withdraw_breach(session: Session, data: dict) -> None:
    """routes.sla.breach_withdrawn: the breach no longer holds; letters resting only on withdrawn breaches show
    it. A withdrawal arriving before its breach is retried (NotYetKnown), not dropped."""
    _known(session, str(data["contract_id"]))
    breach = session.get(Breach, str(data["breach_id"]), with_for_update=True)
    if breach is None:
        raise NotYetKnown(f"breach {data['breach_id']}")
    if breach.withdrawn_at is None:
        breach.withdrawn_at, breach.withdrawn_reason = clock.now(), data["reason"]


def record_cap_reached(session: Session, data: dict) -> None:
    """Billing says the penalty cap is reached: from then on the agency may terminate for fault."""
    contract_id = _known(session, str(data["contract_id"]))
    contract = session.get_one(Contract, contract_id, with_for_update=True)  # _known found it
    if contract.cap_reached_at is None or data["at"] < contract.cap_reached_at:
        contract.cap_reached_at, contract.cap_reached_rp = data["at"], data["cap_rp"]
        contract.updated_at = clock.now()
