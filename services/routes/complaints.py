"""Complaints (pengaduan): assigned to the active contract covering the point's kecamatan, due by the SLA, resolved."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import any_, literal, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.routes import confirmation, contract_copy, photos
from services.routes.contract_copy import in_force_sql
from services.routes.models import Complaint, Contract, Point
from shared import audit, clock, outbox
from shared.auth import Principal, scope
from shared.city import PRIORITY_POINT_KINDS
from shared.contract_terms import overdue_days_by_month
from shared.errors import conflict, invalid, not_found
from shared.pagination import paginate

PRODUCER = "routes"


def due_at(reported_at: datetime, priority: bool, hours_priority: int, hours_normal: int) -> datetime:
    return reported_at + timedelta(hours=hours_priority if priority else hours_normal)


def overdue_days(resolved_at: datetime, due: datetime) -> int:
    """Each started day past the deadline; 0 when resolved on time (every day in force)."""
    late = resolved_at - due
    return max(0, math.ceil(late / timedelta(days=1)))


def resolution_time(
    claimed: datetime, received_at: datetime, reported_at: datetime, sync_allowance: timedelta
) -> tuple[datetime, str]:
    """The time a resolution counts from, and which one it is ("device" or "received").

    Evidence like a confirmation: before the report is refused (422 before_report), after receipt by more than
    the tolerance too (422 future); dated back by more than the sync allowance it stands, but at received_at,
    so a contractor can never erase overdue days by back-dating."""
    if claimed < reported_at:
        raise invalid(
            "before_report",
            "resolved_at is before the complaint was reported.",
            {"resolved_at": [f"Before reported_at ({reported_at.isoformat()})."]},
        )
    if claimed - received_at > confirmation.FUTURE_TOLERANCE:
        raise invalid("future", "resolved_at is in the future.", {"resolved_at": ["In the future."]})
    if received_at - claimed > sync_allowance:
        return received_at, "received"
    return claimed, "device"


def check_reported_at(reported_at: datetime, now: datetime, sync_allowance: timedelta) -> None:
    """The desk cannot date a report in the future, nor earlier than the sync allowance before it records it."""
    if reported_at - now > confirmation.FUTURE_TOLERANCE:
        raise invalid("future", "reported_at is in the future.", {"reported_at": ["In the future."]})
    if now - reported_at > sync_allowance:
        raise invalid(
            "stale",
            "reported_at is earlier than the sync allowance allows.",
            {"reported_at": [f"More than {sync_allowance} before it is recorded."]},
        )


def open_complaint(session: Session, principal: Principal, body: dict, key: str | None) -> Complaint:
    if key:
        first = session.execute(select(Complaint).where(Complaint.idempotency_key == key)).scalar()
        if first is not None:
            if (first.point_id, first.description, first.channel) != (
                str(body["point_id"]),
                body["description"],
                body["channel"],
            ):
                raise conflict("idempotency_key_reused", "This Idempotency-Key was used for another complaint.")
            return first
    point = session.get(Point, str(body["point_id"]))
    if point is None:
        raise invalid("unknown_point", "No such point.", {"point_id": ["No such point."]})
    now = clock.now()
    reported_at = (body.get("reported_at") or now).astimezone(clock.UTC)
    if reported_at - now > confirmation.FUTURE_TOLERANCE:
        raise invalid("future", "reported_at is in the future.", {"reported_at": ["In the future."]})
    day = clock.wib_date(reported_at)
    contract = session.execute(
        select(Contract)
        .where(
            literal(point.kecamatan) == any_(Contract.kecamatan),
            text(in_force_sql("contracts", "CAST(:day AS date)")).bindparams(day=day),
        )
        .order_by(Contract.start_date.desc())
        .limit(1)
    ).scalar()
    if contract is None:
        raise conflict(
            "no_active_contract",
            f"No contract in force covers {point.kecamatan}.",
            {"point_id": [f"No contract in force covers {point.kecamatan}."]},
        )
    terms = contract_copy.Copy(session, contract).terms_on(day)
    check_reported_at(
        reported_at, now, timedelta(hours=terms.sla.get("sync_allowance_hours", contract.sync_allowance_hours))
    )
    priority = point.kind in PRIORITY_POINT_KINDS
    complaint = Complaint(
        point_id=point.id,
        contract_id=contract.id,
        contractor_id=contract.contractor_id,
        description=body["description"],
        channel=body["channel"],
        priority=priority,
        reported_at=reported_at,
        status="open",
        idempotency_key=key,
        # the complaint hours in force on the day it was reported
        due_at=due_at(
            reported_at,
            priority,
            terms.sla.get("complaint_hours_priority", contract.complaint_hours_priority),
            terms.sla.get("complaint_hours_normal", contract.complaint_hours_normal),
        ),
    )
    try:
        with session.begin_nested():
            session.add(complaint)
            session.flush()
    except IntegrityError:  # the same key raced in from a retry: answer with the winner
        return session.execute(select(Complaint).where(Complaint.idempotency_key == key)).scalar_one()
    outbox.record(session, "routes.complaint.opened", _event(complaint), producer=PRODUCER)
    audit.append(
        session,
        principal,
        "complaint.open",
        "complaint",
        complaint.id,
        {"point_id": point.id, "contract_id": contract.id, "due_at": complaint.due_at.isoformat()},
    )
    return complaint


def resolve(
    session: Session,
    principal: Principal,
    complaint_id: str,
    note: str,
    resolved_at: datetime | None,
    photo_sha256: str | None = None,
) -> Complaint:
    query = scope(select(Complaint).where(Complaint.id == complaint_id), Complaint.contractor_id)
    complaint = session.execute(query.with_for_update()).scalar()
    if complaint is None:
        raise not_found("Complaint")
    if complaint.status == "resolved":
        raise conflict("already_resolved", "The complaint is already resolved.")
    now = clock.now()
    claimed = (resolved_at or now).astimezone(clock.UTC)
    copy = contract_copy.Copy(session, session.get_one(Contract, complaint.contract_id))  # a foreign key: it is there
    allowance = timedelta(hours=copy.sla_on(clock.wib_date(min(claimed, now)), "sync_allowance_hours"))
    counts, source = resolution_time(claimed, now, complaint.reported_at, allowance)
    photos.require(session, principal, photo_sha256)
    complaint.status, complaint.resolved_at, complaint.resolution_note = "resolved", counts, note
    complaint.resolution_photo_sha256 = photo_sha256.lower() if photo_sha256 else None
    complaint.resolved_at_claimed, complaint.resolution_received_at = claimed, now
    by_month = overdue_days_by_month(complaint.due_at, counts, counts, copy.life.in_force)
    complaint.overdue_days = sum(by_month.values())
    outbox.record(
        session,
        "routes.complaint.resolved",
        {**_event(complaint), "overdue_days_by_month": by_month, "as_of": now},
        producer=PRODUCER,
    )
    audit.append(
        session,
        principal,
        "complaint.resolve",
        "complaint",
        complaint.id,
        {
            "overdue_days": complaint.overdue_days,
            "resolved_at": counts.isoformat(),
            "resolved_at_claimed": claimed.isoformat(),
            "counts_from": source,
        },
    )
    return complaint


def _event(complaint: Complaint) -> dict:
    return {
        "complaint_id": complaint.id,
        "contract_id": complaint.contract_id,
        "point_id": complaint.point_id,
        "reported_at": complaint.reported_at,
        "due_at": complaint.due_at,
        "resolved_at": complaint.resolved_at,
        "overdue_days": complaint.overdue_days,
        "priority": complaint.priority,
        "resolved_at_claimed": complaint.resolved_at_claimed,
        "resolution_received_at": complaint.resolution_received_at,
    }


def get_complaint(session: Session, complaint_id: str) -> Complaint:
    complaint = session.execute(
        scope(select(Complaint).where(Complaint.id == complaint_id), Complaint.contractor_id)
    ).scalar()
    if complaint is None:
        raise not_found("Complaint")
    return complaint


def list_complaints(session: Session, filters: dict, page: int, per_page: int) -> dict:
    query = scope(select(Complaint), Complaint.contractor_id)
    for name in ("contract_id", "point_id", "status"):
        if filters.get(name):
            query = query.where(getattr(Complaint, name) == str(filters[name]))
    return paginate(session, query.order_by(Complaint.reported_at, Complaint.id), page, per_page)
