"""Complaints (pengaduan): assigned to the active contract covering the point's kecamatan, due by the SLA, resolved."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import any_, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared import audit, clock, outbox
from shared.city import PRIORITY_POINT_KINDS
from shared.auth import Principal, scope
from shared.errors import conflict, invalid, not_found
from shared.pagination import paginate
from services.routes import evidence, photos
from services.routes.models import Complaint, Contract, Point

PRODUCER = "routes"


def due_at(reported_at: datetime, priority: bool, hours_priority: int, hours_normal: int) -> datetime:
    return reported_at + timedelta(hours=hours_priority if priority else hours_normal)


def overdue_days(resolved_at: datetime, due: datetime) -> int:
    """Each started day past the deadline; 0 when resolved on time."""
    late = resolved_at - due
    return max(0, math.ceil(late / timedelta(days=1)))


def open_complaint(session: Session, principal: Principal, body: dict, key: str | None) -> Complaint:
    if key:
        first = session.execute(select(Complaint).where(Complaint.idempotency_key == key)).scalar()
        if first is not None:
            if (first.point_id, first.description, first.channel) != (str(body["point_id"]), body["description"],
                                                                      body["channel"]):
                raise conflict("idempotency_key_reused", "This Idempotency-Key was used for another complaint.")
            return first
    point = session.get(Point, str(body["point_id"]))
    if point is None:
        raise invalid("unknown_point", "No such point.", {"point_id": ["No such point."]})
    now = clock.now()
    reported_at = (body.get("reported_at") or now).astimezone(clock.UTC)
    if reported_at - now > evidence.FUTURE_TOLERANCE:
        raise invalid("future", "reported_at is in the future.", {"reported_at": ["In the future."]})
    contract = session.execute(
        select(Contract).where(Contract.status == "active", literal(point.kecamatan) == any_(Contract.kecamatan))
        .order_by(Contract.start_date.desc()).limit(1)).scalar()
    if contract is None:
        raise conflict("no_active_contract", f"No active contract covers {point.kecamatan}.",
                       {"point_id": [f"No active contract covers {point.kecamatan}."]})
    priority = point.kind in PRIORITY_POINT_KINDS
    complaint = Complaint(point_id=point.id, contract_id=contract.id, contractor_id=contract.contractor_id,
                          description=body["description"], channel=body["channel"], priority=priority,
                          reported_at=reported_at, status="open", idempotency_key=key,
                          due_at=due_at(reported_at, priority, contract.complaint_hours_priority,
                                        contract.complaint_hours_normal))
    try:
        with session.begin_nested():
            session.add(complaint)
            session.flush()
    except IntegrityError:  # the same key raced in from a retry: answer with the winner
        return session.execute(select(Complaint).where(Complaint.idempotency_key == key)).scalar_one()
    outbox.record(session, "routes.complaint.opened", _event(complaint), producer=PRODUCER)
    audit.append(session, principal, "complaint.open", "complaint", complaint.id,
                 {"point_id": point.id, "contract_id": contract.id, "due_at": complaint.due_at.isoformat()})
    return complaint


def resolve(session: Session, principal: Principal, complaint_id: str, note: str,
            resolved_at: datetime | None, photo_sha256: str | None = None) -> Complaint:
    query = scope(select(Complaint).where(Complaint.id == complaint_id), Complaint.contractor_id)
    complaint = session.execute(query.with_for_update()).scalar()
    if complaint is None:
        raise not_found("Complaint")
    if complaint.status == "resolved":
        raise conflict("already_resolved", "The complaint is already resolved.")
    now = clock.now()
    resolved_at = (resolved_at or now).astimezone(clock.UTC)
    if resolved_at - now > evidence.FUTURE_TOLERANCE:
        raise invalid("future", "resolved_at is in the future.", {"resolved_at": ["In the future."]})
    if resolved_at < complaint.reported_at:
        raise invalid("invalid", "resolved_at is before the complaint.", {"resolved_at": ["Before reported_at."]})
    photos.require(session, principal, photo_sha256)
    complaint.status, complaint.resolved_at, complaint.resolution_note = "resolved", resolved_at, note
    complaint.resolution_photo_sha256 = photo_sha256.lower() if photo_sha256 else None
    complaint.overdue_days = overdue_days(resolved_at, complaint.due_at)
    outbox.record(session, "routes.complaint.resolved", _event(complaint), producer=PRODUCER)
    audit.append(session, principal, "complaint.resolve", "complaint", complaint.id,
                 {"overdue_days": complaint.overdue_days})
    return complaint


def _event(complaint: Complaint) -> dict:
    return {"complaint_id": complaint.id, "contract_id": complaint.contract_id, "point_id": complaint.point_id,
            "reported_at": complaint.reported_at, "due_at": complaint.due_at,
            "resolved_at": complaint.resolved_at, "overdue_days": complaint.overdue_days}


def get_complaint(session: Session, complaint_id: str) -> Complaint:
    complaint = session.execute(scope(select(Complaint).where(Complaint.id == complaint_id),
                                      Complaint.contractor_id)).scalar()
    if complaint is None:
        raise not_found("Complaint")
    return complaint


def list_complaints(session: Session, filters: dict, page: int, per_page: int) -> dict:
    query = scope(select(Complaint), Complaint.contractor_id)
    for name in ("contract_id", "point_id", "status"):
        if filters.get(name):
            query = query.where(getattr(Complaint, name) == str(filters[name]))
    return paginate(session, query.order_by(Complaint.reported_at, Complaint.id), page, per_page)
