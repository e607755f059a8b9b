"""Weighing use cases: record a ticket (idempotent by ticket number and key), clear a flagged one, list."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.routes import confirmation, contract_copy, network, weighbridge
from services.routes.models import Contract, Route, Vehicle, Weighing
from shared import audit, clock, outbox
from shared.auth import Principal, scope
from shared.errors import conflict, invalid, not_found
from shared.pagination import paginate

PRODUCER = "routes"


def record(session: Session, principal: Principal, body: dict, idempotency_key: str | None) -> Weighing:
    try:
        plate = network.normalise_plate(body["plate"])
    except network.RuleError as error:
        raise invalid("invalid", str(error), {"plate": [str(error)]})
    body = {**body, "weighed_at": body["weighed_at"].astimezone(clock.UTC)}  # a replay answers as the first did
    if body["weighed_at"] - clock.now() > confirmation.FUTURE_TOLERANCE:
        raise invalid("future", "weighed_at is in the future.", {"weighed_at": ["In the future."]})
    # one plate's tickets are judged one at a time, so two quick weighings cannot both miss each other
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:plate))"), {"plate": plate})
    first = _earlier_answer(session, body, plate, idempotency_key)
    if first is not None:
        return first
    vehicle = session.execute(select(Vehicle).where(Vehicle.plate == plate)).scalar()
    tare = body.get("tare_kg") if body.get("tare_kg") is not None else (vehicle.tare_kg if vehicle else None)
    if tare is None:
        raise invalid("invalid", "An unknown plate needs its tare.", {"tare_kg": ["Required for an unknown plate."]})
    net = weighbridge.net_kg(body["gross_kg"], tare)
    if net <= 0:
        raise invalid("invalid", "Gross must exceed tare.", {"gross_kg": ["Must exceed the tare."]})
    contract_id = _contract_served(session, vehicle.id, body["weighed_at"]) if vehicle else None
    in_force = contract_id is not None and contract_copy.day_in_force(
        session, contract_id, clock.wib_date(body["weighed_at"])
    )
    if not in_force:
        contract_id = None  # a day not in force (before activation, suspended): unassigned, never billed
    registered = weighbridge.RegisteredVehicle(vehicle.capacity_m3, vehicle.tare_kg) if vehicle else None
    flags = weighbridge.flags(net, tare, registered, in_force, _earlier_gap(session, plate, body["weighed_at"]))
    weighing = Weighing(
        ticket_no=body["ticket_no"],
        plate=plate,
        vehicle_id=vehicle.id if vehicle else None,
        contract_id=contract_id,
        gross_kg=body["gross_kg"],
        tare_kg=tare,
        net_kg=net,
        weighed_at=body["weighed_at"],
        flags=flags,
        cleared=not flags,
        recorded_at=clock.now(),
        idempotency_key=idempotency_key,
    )
    try:
        with session.begin_nested():
            session.add(weighing)
            session.flush()
    except IntegrityError:  # the same ticket raced in for another plate: answer as for a re-sent ticket
        earlier = _earlier_answer(session, body, plate, None)
        # ticket_no is the table's one unique key: the row that won is committed, so it is found
        assert earlier is not None, "an IntegrityError here is a ticket recorded meanwhile"
        return earlier
    outbox.record(
        session,
        "routes.weighing.recorded",
        {
            "weighing_id": weighing.id,
            "contract_id": contract_id,
            "plate": plate,
            "net_kg": net,
            "weighed_at": weighing.weighed_at,
            "flags": flags,
            "cleared": weighing.cleared,
            "month": clock.month_of(clock.wib_date(weighing.weighed_at)),
            "recorded_at": weighing.recorded_at,
        },
        producer=PRODUCER,
    )
    audit.append(
        session,
        principal,
        "weighing.record",
        "weighing",
        weighing.id,
        {"ticket_no": weighing.ticket_no, "net_kg": net, "flags": flags},
    )
    _rejudge_later(session, principal, weighing)
    return weighing


def _earlier_answer(session: Session, body: dict, plate: str, key: str | None) -> Weighing | None:
    """The first answer to a re-sent ticket; 409 when the ticket or the key was used for other data."""
    first = session.execute(select(Weighing).where(Weighing.ticket_no == body["ticket_no"])).scalar()
    if first is not None:
        same = weighbridge.same_ticket(
            {
                "plate": first.plate,
                "gross_kg": first.gross_kg,
                "tare_kg": first.tare_kg,
                "weighed_at": first.weighed_at,
            },
            {**body, "plate": plate},
        )
        if not same:
            raise conflict(
                "ticket_conflict",
                f"Ticket {body['ticket_no']} was recorded with other data.",
                {"ticket_no": ["Already recorded with other data."]},
            )
        return first
    if key and session.execute(select(Weighing.id).where(Weighing.idempotency_key == key)).first():
        raise conflict("idempotency_key_reused", "This Idempotency-Key was used for another ticket.")
    return None


def _contract_served(session: Session, vehicle_id: str, weighed_at) -> str | None:
    """The contract the vehicle served at weighed_at: one of its routes' contracts whose period covers that WIB
    day, whatever its status now (a ticket weighed at 23:40 on the last day and keyed after expiry still
    belongs to it); a vehicle serves one contract at a time, so at most one covers a day."""
    day = clock.wib_date(weighed_at)
    return session.execute(
        select(Contract.id)
        .join(Route, Route.contract_id == Contract.id)
        .where(Route.vehicle_id == vehicle_id, Contract.start_date <= day, Contract.end_date >= day)
        .order_by((Contract.status == "active").desc(), Route.created_at.desc())
        .limit(1)
    ).scalar()


def _earlier_gap(session: Session, plate: str, weighed_at):
    """The gap to the plate's latest weighing at or before weighed_at (by weighed_at, whenever keyed): of two
    weighings less than 20 minutes apart the later one is flagged. One index probe on (plate, weighed_at)."""
    earlier = session.execute(
        select(Weighing.weighed_at)
        .where(Weighing.plate == plate, Weighing.weighed_at <= weighed_at)
        .order_by(Weighing.weighed_at.desc())
        .limit(1)
    ).scalar()
    return weighbridge.gap(earlier, weighed_at) if earlier is not None else None


def _rejudge_later(session: Session, principal: Principal, weighing: Weighing) -> None:
    """A ticket keyed after a later one of the same plate: the later one, less than 20 minutes after it, is the
    double weighing. It is flagged now and held out of billing, with its event."""
    later = session.execute(
        select(Weighing)
        .where(
            Weighing.plate == weighing.plate,
            Weighing.id != weighing.id,
            Weighing.weighed_at > weighing.weighed_at,
            Weighing.weighed_at < weighing.weighed_at + weighbridge.DOUBLE_WEIGHING_GAP,
        )
        .with_for_update()
    ).scalars()
    for other in later:
        if "double_weighing" in other.flags:
            continue
        other.flags = [*other.flags, "double_weighing"]
        other.cleared, other.cleared_at = False, None
        reason = (
            f"ditimbang {weighbridge.gap(other.weighed_at, weighing.weighed_at)} setelah tiket {weighing.ticket_no}"
        )
        outbox.record(
            session,
            "routes.weighing.flagged",
            {
                "weighing_id": other.id,
                "contract_id": other.contract_id,
                "net_kg": other.net_kg,
                "weighed_at": other.weighed_at,
                "flags": other.flags,
                "reason": reason,
            },
            producer=PRODUCER,
        )
        audit.append(
            session,
            principal,
            "weighing.flag",
            "weighing",
            other.id,
            {"flags": other.flags, "reason": reason, "earlier_ticket": weighing.ticket_no},
        )


def clear(session: Session, principal: Principal, weighing_id: str, reason: str) -> Weighing:
    weighing = session.execute(select(Weighing).where(Weighing.id == weighing_id).with_for_update()).scalar()
    if weighing is None:
        raise not_found("Weighing")
    if weighing.cleared:
        raise conflict("already_cleared", "The weighing already counts for billing.")
    weighing.cleared, weighing.cleared_at, weighing.clear_reason = True, clock.now(), reason
    outbox.record(
        session,
        "routes.weighing.cleared",
        {
            "weighing_id": weighing.id,
            "contract_id": weighing.contract_id,
            "net_kg": weighing.net_kg,
            "weighed_at": weighing.weighed_at,
            "reason": reason,
        },
        producer=PRODUCER,
    )
    audit.append(
        session, principal, "weighing.clear", "weighing", weighing.id, {"reason": reason, "flags": weighing.flags}
    )
    return weighing


def list_weighings(session: Session, filters: dict, page: int, per_page: int) -> dict:
    # outer join: the agency also sees unassigned weighings; a contractor only its own contracts'
    query = scope(select(Weighing).outerjoin(Contract, Contract.id == Weighing.contract_id), Contract.contractor_id)
    if filters.get("contract_id"):
        query = query.where(Weighing.contract_id == str(filters["contract_id"]))
    if filters.get("plate"):
        query = query.where(Weighing.plate == " ".join(filters["plate"].upper().split()))
    if filters.get("from_") is not None:
        query = query.where(Weighing.weighed_at >= clock.wib_day_bounds(filters["from_"])[0])
    if filters.get("to") is not None:
        query = query.where(Weighing.weighed_at < clock.wib_day_bounds(filters["to"])[1])
    if filters.get("flagged") is not None:
        flagged = func.cardinality(Weighing.flags) > 0
        query = query.where(flagged if filters["flagged"] else ~flagged)
    return paginate(session, query.order_by(Weighing.weighed_at, Weighing.ticket_no), page, per_page)
