"""Pickup use cases: the contractor's confirmation (the hot path), the agency's excuse and verification, reads."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any, Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.routes import confirmation, contract_copy, photos
from services.routes.contract_copy import in_force_sql
from services.routes.models import Confirmation, Contract, Pickup
from shared import audit, clock, db, events, logs, outbox
from shared.auth import Principal, scope
from shared.db import new_id
from shared.errors import ApiError, conflict, not_found
from shared.pagination import paginate

PRODUCER = "routes"

# the hot path's statements are plain SQL sent by psycopg (shared.db.fetch, shared.db.pipeline): no SQLAlchemy
# work per statement, psycopg prepares them after a few runs; three round trips: BEGIN, the read, then the writes,
# the audit entry and COMMIT in one pipeline (the writes' statement takes the chain's lock, the entry follows)
# A pickup is judged by whether its own day is in force (the last day's pickups can still be confirmed after
# expiry, by a driver syncing late) and by the SLA terms in force on that day: the contract's columns hold the
# latest terms, which are those of every day unless an amendment takes effect later (`amended`).
_CONFIRMING = db.raw_sql(
    text(
        """
SELECT p.id, p.route_id, p.point_id, p.contract_id, p.contractor_id, p.date, p.status, p.window_start_at,
       p.window_end_at, c.status AS contract_status, c.grace_minutes, c.sync_allowance_hours, c.geofence_m,
       pt.lat AS point_lat, pt.lon AS point_lon,
       """
        + in_force_sql("c", "p.date")
        + """ AS in_force,
       EXISTS (SELECT 1 FROM contract_amendments a WHERE a.contract_id = c.id) AS amended
FROM pickups p JOIN contracts c ON c.id = p.contract_id JOIN points pt ON pt.id = p.point_id
WHERE p.id = :pickup_id AND p.contractor_id = :contractor_id
FOR UPDATE OF p
"""
    )
)
_RECORD = db.raw_sql(
    text(
        """
WITH confirmation AS (
    INSERT INTO confirmations (id, pickup_id, contractor_id, collected_at, received_at, lat, lon, distance_m, on_time,
                               off_site, supersedes_missed, photo_sha256, note, idempotency_key)
    VALUES (:id, :pickup_id, :contractor_id, :collected_at, :received_at, :lat, :lon, :distance_m, :on_time,
            :off_site, :supersedes_missed, :photo_sha256, :note, :idempotency_key)
), event AS (  -- the envelope built and validated by shared.events.make
    """
        + outbox.INSERT_ONE
        + """
), pickup AS (
    UPDATE pickups SET status = 'confirmed', on_time = :on_time, off_site = :off_site,
           superseded_miss = :supersedes_missed, updated_at = :received_at
    WHERE id = :pickup_id
)  -- and the audit chain's lock: its entry follows, in the same pipeline
"""
        + audit.TAKE_LOCK
    )
)


def confirm(session: Session, principal: Principal, pickup_id: str, claim: dict, idempotency_key: str | None) -> dict:
    """Judge and record a confirmation in one transaction; a retry with the same key gets the first answer."""
    found = db.fetch(session, _CONFIRMING, {"pickup_id": pickup_id, "contractor_id": principal.contractor_id})
    row = found[0] if found else None
    if row is None:
        raise not_found("Pickup")
    if row.status == "confirmed" and idempotency_key:
        first = session.execute(select(Confirmation).where(Confirmation.pickup_id == pickup_id)).scalar()
        if first is not None and first.idempotency_key == idempotency_key:
            return confirmation_body(first)
    photos.require(session, principal, claim.get("photo_sha256"))
    received_at = clock.now()
    distance = confirmation.distance_m(row.point_lat, row.point_lon, claim["lat"], claim["lon"])
    verdict = _judge(row, _sla_on_its_day(session, row), claim["collected_at"], received_at, distance)
    values = dict(
        id=new_id(),
        pickup_id=row.id,
        contractor_id=row.contractor_id,
        collected_at=claim["collected_at"],
        received_at=received_at,
        lat=claim["lat"],
        lon=claim["lon"],
        distance_m=round(distance, 1),
        on_time=verdict.on_time,
        off_site=verdict.off_site,
        supersedes_missed=verdict.supersedes_missed,
        photo_sha256=claim.get("photo_sha256"),
        note=claim.get("note"),
        idempotency_key=idempotency_key,
    )
    envelope = events.make(
        "routes.pickup.confirmed",
        {
            "pickup_id": row.id,
            "contract_id": row.contract_id,
            "route_id": row.route_id,
            "point_id": row.point_id,
            "date": row.date,
            "on_time": verdict.on_time,
            "late": verdict.late,
            "off_site": verdict.off_site,
            "collected_at": claim["collected_at"],
            "received_at": received_at,
            "supersedes_missed": verdict.supersedes_missed,
        },
        producer=PRODUCER,
        correlation_id=logs.correlation_id.get(),
    )
    # the request's last statements, with its COMMIT: the evidence, the pickup's new state and the outbox row in one
    # statement that also takes the audit chain's lock, then the audit entry; the lock is held only until the commit
    recorded = (_RECORD, {**values, **outbox.one_params(envelope, created_at=received_at), **audit.LOCK_PARAMS})
    entry = {"on_time": verdict.on_time, "off_site": verdict.off_site, "supersedes_missed": verdict.supersedes_missed}
    db.pipeline(
        session,
        [recorded, *audit.statements(principal, "pickup.confirm", "pickup", row.id, entry, locked=True)],
        commit=True,
    )
    return confirmation_body(SimpleNamespace(**values))


def _sla_on_its_day(session: Session, row) -> dict:
    names = ("grace_minutes", "sync_allowance_hours", "geofence_m")
    if not row.amended:
        return {name: getattr(row, name) for name in names}
    copy = contract_copy.Copy(session, session.get_one(Contract, row.contract_id))  # a foreign key: it is there
    return {name: copy.sla_on(row.date, name) for name in names}


def _judge(row, sla: dict, collected_at, received_at, distance) -> confirmation.Verdict:
    terms = confirmation.Terms(
        grace=timedelta(minutes=sla["grace_minutes"]),
        sync_allowance=timedelta(hours=sla["sync_allowance_hours"]),
        geofence_m=sla["geofence_m"],
    )
    claim = confirmation.Claim(collected_at=collected_at, received_at=received_at, distance_m=distance)
    window = confirmation.Window(start=row.window_start_at, end=row.window_end_at)
    # a day in force is judged as an active contract's, whatever the contract's status now
    contract_status = (
        "active" if row.in_force else ("suspended" if row.contract_status == "active" else row.contract_status)
    )
    try:
        return confirmation.judge(claim, window, terms, row.status, contract_status)
    except confirmation.Refused as refusal:
        fields = {refusal.field: [refusal.message]} if refusal.field else {}
        raise ApiError(refusal.status, refusal.code, refusal.message, fields) from None


def confirmation_body(confirmed) -> dict:
    body = {
        column: getattr(confirmed, column)
        for column in (
            "id",
            "pickup_id",
            "collected_at",
            "received_at",
            "lat",
            "lon",
            "distance_m",
            "on_time",
            "off_site",
            "supersedes_missed",
            "photo_sha256",
            "note",
        )
    }
    # instants in UTC and ids as text, so a replayed answer is byte for byte the first one
    body.update(
        id=str(body["id"]),
        pickup_id=str(body["pickup_id"]),
        status="confirmed",
        late=not confirmed.on_time,
        collected_at=body["collected_at"].astimezone(clock.UTC),
        received_at=body["received_at"].astimezone(clock.UTC),
    )
    return body


def excuse(session: Session, principal: Principal, pickup_id: str, reason: str) -> Pickup:
    pickup = _locked(session, pickup_id)
    if not confirmation.can_excuse(pickup.status):
        raise conflict("not_excusable", f"A {pickup.status} pickup cannot be excused.")
    pickup.status, pickup.excuse_reason, pickup.updated_at = "excused", reason, clock.now()
    outbox.record(
        session,
        "routes.pickup.excused",
        {"pickup_id": pickup.id, "contract_id": pickup.contract_id, "date": pickup.date, "reason": reason},
        producer=PRODUCER,
    )
    audit.append(session, principal, "pickup.excuse", "pickup", pickup.id, {"reason": reason})
    return pickup


def verify(session: Session, principal: Principal, pickup_id: str, reason: str) -> Pickup:
    pickup = _locked(session, pickup_id)
    if not confirmation.can_verify(pickup.status, pickup.off_site, pickup.verified_at is not None):
        raise conflict("not_awaiting_verification", "Only an unverified off-site confirmation can be verified.")
    pickup.verified_at = pickup.updated_at = clock.now()
    pickup.verify_reason = reason
    outbox.record(
        session,
        "routes.pickup.verified",
        {"pickup_id": pickup.id, "contract_id": pickup.contract_id, "date": pickup.date, "reason": reason},
        producer=PRODUCER,
    )
    audit.append(session, principal, "pickup.verify", "pickup", pickup.id, {"reason": reason})
    return pickup


def _locked(session: Session, pickup_id: str) -> Pickup:
    pickup = session.execute(select(Pickup).where(Pickup.id == pickup_id).with_for_update()).scalar()
    if pickup is None:
        raise not_found("Pickup")
    return pickup


def list_pickups(session: Session, filters: dict, page: int, per_page: int) -> dict:
    query = scope(select(Pickup), Pickup.contractor_id)
    for name in ("date", "route_id", "contract_id", "status", "point_id"):
        if filters.get(name) is not None:
            query = query.where(getattr(Pickup, name) == filters[name])
    if filters.get("from") is not None:
        query = query.where(Pickup.date >= filters["from"])
    if filters.get("to") is not None:
        query = query.where(Pickup.date <= filters["to"])
    query = query.order_by(Pickup.date, Pickup.window_start_at, Pickup.route_id, Pickup.stop_seq)
    return paginate(session, query, page, per_page)


def get_pickup(session: Session, pickup_id: str) -> dict:
    query = scope(
        select(Pickup, Confirmation)
        .outerjoin(Confirmation, Confirmation.pickup_id == Pickup.id)
        .where(Pickup.id == pickup_id),
        Pickup.contractor_id,
    )
    row: Sequence[Any] | None = session.execute(query).first()
    if row is None:
        raise not_found("Pickup")
    pickup, confirmed = row
    return {**pickup_body(pickup), "confirmation": confirmation_body(confirmed) if confirmed else None}


def pickup_body(pickup: Pickup) -> dict:
    return {
        column: getattr(pickup, column)
        for column in (
            "id",
            "route_id",
            "stop_seq",
            "point_id",
            "contract_id",
            "contractor_id",
            "date",
            "window_start_at",
            "window_end_at",
            "status",
            "on_time",
            "off_site",
            "missed_at",
            "superseded_miss",
            "excuse_reason",
            "verified_at",
            "verify_reason",
        )
    }
