"""Force-majeure days (banjir, road closed, a city event): the day's pickups excused there, no shortfall day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.routes import contract_copy, network
from services.routes.models import Contract, ForceMajeureDay
from shared import audit, clock, events, logs, outbox
from shared.auth import Principal, scope
from shared.errors import invalid
from shared.pagination import paginate

PRODUCER = "routes"

_EXCUSE = text("""
UPDATE pickups p SET status = 'excused', excuse_reason = :reason, updated_at = :now
  FROM points pt
 WHERE pt.id = p.point_id AND p.contract_id = CAST(:contract_id AS uuid) AND p.date = :day
   AND pt.kecamatan = ANY(CAST(:kecamatan AS text[])) AND p.status IN ('scheduled', 'missed')
RETURNING p.id, p.contract_id, p.date
""")


def kecamatan_declared(requested: list[str] | None, of_contract: list[str]) -> list[str]:
    """The contract's kecamatan named (all of them when none is named); one outside the contract is a 422."""
    if not requested:
        return list(of_contract)
    try:
        names = [network.canonical_kecamatan(name) for name in requested]
    except network.RuleError as error:
        raise invalid("invalid", str(error), {"kecamatan": [str(error)]})
    outside = [name for name in names if name not in of_contract]
    if outside:
        raise invalid("outside_contract", "Some kecamatan are not the contract's.", {"kecamatan": outside})
    return list(dict.fromkeys(names))


def declare(session: Session, principal: Principal, body: dict) -> ForceMajeureDay:
    """Declare a force-majeure day: excuse its pickups in the kecamatan named, record, audit and announce it.
    Declaring the same day and kecamatan again answers the first declaration (a retried request)."""
    contract = session.get(Contract, str(body["contract_id"]), with_for_update=True)
    if contract is None:
        raise invalid("unknown_contract", "No such contract.", {"contract_id": ["No such contract."]})
    day: date = body["date"]
    if not contract_copy.day_in_force(session, contract.id, day):
        raise invalid(
            "not_in_force",
            f"The contract is not in force on {day.isoformat()}.",
            {"date": ["Not a day in force of the contract."]},
        )
    kecamatan = kecamatan_declared(body.get("kecamatan"), list(contract.kecamatan))
    earlier = session.execute(
        select(ForceMajeureDay).where(ForceMajeureDay.contract_id == contract.id, ForceMajeureDay.date == day)
    ).scalars()
    for declared in earlier:
        if sorted(declared.kecamatan) == sorted(kecamatan):
            return declared
    reason = f"keadaan kahar (force majeure): {body['reason']}"
    excused = session.execute(
        _EXCUSE, {"contract_id": contract.id, "day": day, "kecamatan": kecamatan, "reason": reason, "now": clock.now()}
    ).all()
    declared = ForceMajeureDay(
        contract_id=contract.id,
        contractor_id=contract.contractor_id,
        date=day,
        reason=body["reason"],
        kecamatan=kecamatan,
        whole_contract=sorted(kecamatan) == sorted(contract.kecamatan),
        pickups_excused=len(excused),
        declared_at=clock.now(),
        declared_by=principal.sub,
    )
    session.add(declared)
    session.flush()
    correlation = logs.correlation_id.get()
    outbox.record_many(
        session,
        [
            events.make(
                "routes.pickup.excused",
                {"pickup_id": row.id, "contract_id": row.contract_id, "date": row.date, "reason": reason},
                producer=PRODUCER,
                correlation_id=correlation,
            )
            for row in excused
        ],
    )
    outbox.record(
        session,
        "routes.force_majeure.declared",
        {
            "force_majeure_id": declared.id,
            "contract_id": contract.id,
            "date": day,
            "reason": declared.reason,
            "kecamatan": kecamatan,
            "whole_contract": declared.whole_contract,
            "pickups_excused": len(excused),
        },
        producer=PRODUCER,
    )
    audit.append(
        session,
        principal,
        "force_majeure.declare",
        "force_majeure",
        declared.id,
        {
            "contract_id": contract.id,
            "date": day.isoformat(),
            "kecamatan": kecamatan,
            "reason": declared.reason,
            "pickups_excused": len(excused),
        },
    )
    return declared


def list_days(session: Session, filters: dict, page: int, per_page: int) -> dict:
    query = scope(select(ForceMajeureDay), ForceMajeureDay.contractor_id)
    if filters.get("contract_id"):
        query = query.where(ForceMajeureDay.contract_id == str(filters["contract_id"]))
    if filters.get("from_"):
        query = query.where(ForceMajeureDay.date >= filters["from_"])
    if filters.get("to"):
        query = query.where(ForceMajeureDay.date <= filters["to"])
    return paginate(session, query.order_by(ForceMajeureDay.date, ForceMajeureDay.declared_at), page, per_page)
