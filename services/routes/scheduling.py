"""Scheduling: which pickups are owed. Created from routes (one per stop per matching WIB day, in one set-based
statement) when the agency schedules a route, when the worker schedules ahead and when a contract resumes; withdrawn
or excused when a contract stops being in force."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Iterable, Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.routes.contract_copy import grace_on_sql, in_force_sql
from services.routes.models import Contract, Route
from shared import audit, clock, config, db, events, logs, outbox
from shared.auth import Principal
from shared.errors import conflict, invalid, not_found

MAX_SCHEDULE_DAYS = 400

# (day + wall time) AT TIME ZONE 'Asia/Jakarta' is shared.clock.wib_instant done in SQL: WIB has no DST, so
# both give the same instant, and the database builds every row without a Python round trip per pickup.
_SCHEDULE = text(
    """
INSERT INTO pickups (route_id, stop_seq, point_id, contract_id, contractor_id, date,
                     window_start_at, window_end_at, status, updated_at)
SELECT r.id, s.seq, s.point_id, r.contract_id, r.contractor_id, d.day,
       (d.day + r.window_start) AT TIME ZONE 'Asia/Jakarta',
       (d.day + r.window_end) AT TIME ZONE 'Asia/Jakarta',
       'scheduled', :now
FROM routes r
JOIN contracts c ON c.id = r.contract_id AND c.status = 'active'
JOIN route_stops s ON s.route_id = r.id
CROSS JOIN LATERAL (
    SELECT g::date AS day
    FROM generate_series(GREATEST(CAST(:from_date AS date), c.start_date),
                         LEAST(CAST(:to_date AS date), c.end_date), interval '1 day') AS g
) d
WHERE (CAST(:route_ids AS uuid[]) IS NULL OR r.id = ANY(CAST(:route_ids AS uuid[])))
  AND extract(isodow FROM d.day)::int = ANY(r.weekdays)
  AND """
    + in_force_sql("c", "d.day")
    + """
  -- a force-majeure day declared ahead: its kecamatan's pickups are not owed
  AND NOT EXISTS (SELECT 1 FROM force_majeure_days f JOIN points pt ON pt.id = s.point_id
                   WHERE f.contract_id = c.id AND f.date = d.day AND pt.kecamatan = ANY(f.kecamatan))
  -- nobody can be charged for a pickup that could not be confirmed: none whose window plus grace has ended
  -- (the grace in force on that day: an amendment from a later date does not change this day's deadline)
  AND (d.day + r.window_end) AT TIME ZONE 'Asia/Jakarta' + make_interval(mins => """
    + grace_on_sql("c", "d.day")
    + """)
      > CAST(:now AS timestamptz)
  AND (CAST(:not_before AS timestamptz) IS NULL
       OR (d.day + r.window_start) AT TIME ZONE 'Asia/Jakarta' >= CAST(:not_before AS timestamptz))
ON CONFLICT ON CONSTRAINT uq_pickups_route_stop_date DO NOTHING
"""
)


def schedule_pickups(
    session: Session,
    route_ids: Iterable[str | uuid.UUID] | None,
    from_date: date,
    to_date: date,
    not_before: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Create the missing pickups of the given routes (None: every route) for WIB days from_date..to_date.

    Only routes of active contracts and only days in force; never a pickup whose window plus grace has already
    ended (so it could not be confirmed); existing pickups are kept.
    not_before leaves out windows that opened before that instant (a contract resumed mid-day).
    Returns how many pickups were created."""
    ids = [str(route_id) for route_id in route_ids] if route_ids is not None else None
    result = session.execute(
        _SCHEDULE,
        {
            "now": now or clock.now(),
            "from_date": from_date,
            "to_date": to_date,
            "route_ids": ids,
            "not_before": not_before,
        },
    )
    return db.rowcount(result)


def schedule_route(session: Session, principal: Principal, route_id: str, from_date: date, to_date: date) -> int:
    """The agency schedules a route's pickups for WIB dates from..to (from today on, at most MAX_SCHEDULE_DAYS),
    audited; answers how many were created."""
    if from_date > to_date:
        raise invalid("invalid", "from must not be after to.", {"to": ["Must not be before from."]})
    today = clock.today_wib()
    if from_date < today:
        raise invalid(
            "past",
            f"Pickups are scheduled from today ({today.isoformat()}, WIB) on: nobody can be "
            "charged for a pickup that could not be confirmed.",
            {"from": [f"Before today ({today.isoformat()})."]},
        )
    if (to_date - from_date).days >= MAX_SCHEDULE_DAYS:
        raise invalid("invalid", f"Schedule at most {MAX_SCHEDULE_DAYS} days at once.", {"to": ["Range too long."]})
    row = session.execute(
        select(Route.id, Contract.status).join(Contract, Contract.id == Route.contract_id).where(Route.id == route_id)
    ).first()
    if row is None:
        raise not_found("Route")
    if row.status != "active":
        raise conflict("contract_not_active", f"The route's contract is {row.status}.")
    count = schedule_pickups(session, [route_id], from_date, to_date)
    audit.append(
        session,
        principal,
        "route.schedule",
        "route",
        route_id,
        {"from": from_date.isoformat(), "to": to_date.isoformat(), "scheduled": count},
    )
    return count


def schedule_ahead(session: Session, now: datetime, days: int | None = None) -> int:
    """The worker's scheduling ahead (task routes.schedule_ahead): pickups of every active route for today and the
    next `days` WIB days (KAWAL_SCHEDULE_AHEAD_DAYS, default 7), created once whatever the run count; existing ones
    are kept, so a repeated or late run adds only what is missing. Past days are not back-filled, and today's
    windows whose grace has ended are left out: a pickup scheduled after its window would be born missed."""
    today = clock.wib_date(now)
    days = config.schedule_ahead_days() if days is None else days
    return schedule_pickups(session, None, today, today + timedelta(days=days), now=now)


_WITHDRAW = text("""
DELETE FROM pickups
WHERE contract_id = CAST(:contract_id AS uuid) AND status = 'scheduled' AND window_end_at > :at
""")


def withdraw_pickups(session: Session, contract_id: str, at: datetime) -> int:
    """Drop the contract's pickups whose window had not ended at `at` (suspension, termination, expiry).

    Only an active contract's pickups are scheduled and billed; nothing was announced for a scheduled
    pickup, so removing it needs no event. A resumed contract gets its coming pickups back."""
    return db.rowcount(session.execute(_WITHDRAW, {"contract_id": str(contract_id), "at": at}))


_BEYOND_PERIOD = text("""
DELETE FROM pickups WHERE contract_id = CAST(:contract_id AS uuid) AND status = 'scheduled' AND date > :end_date
""")


def withdraw_beyond(session: Session, contract_id: str, end_date: date) -> int:
    """An amendment shortened the period: its scheduled pickups after the new end are no longer owed."""
    return db.rowcount(session.execute(_BEYOND_PERIOD, {"contract_id": str(contract_id), "end_date": end_date}))


_EXCUSE_OUT = text("""
UPDATE pickups SET status = 'excused', excuse_reason = :reason, updated_at = :now
 WHERE contract_id = CAST(:contract_id AS uuid) AND date = ANY(CAST(:days AS date[]))
   AND status IN ('scheduled', 'missed')
RETURNING id, contract_id, date
""")


def excuse_days_out(session: Session, contract_id: str, days: list[date], status: str) -> int:
    """Pickups left on days that have just fallen out of force (the day a suspension began, the days after a
    termination) are no miss of the contractor's: excused, and announced so billing withdraws any deduction."""
    if not days:
        return 0
    reason = {"suspended": "kontrak ditangguhkan (suspended)", "terminated": "kontrak diputus (terminated)"}.get(
        status, f"hari di luar masa berlaku kontrak ({status})"
    )
    rows = session.execute(
        _EXCUSE_OUT, {"contract_id": str(contract_id), "days": days, "reason": reason, "now": clock.now()}
    ).all()
    outbox.record_many(
        session,
        [
            events.make(
                "routes.pickup.excused",
                {"pickup_id": row.id, "contract_id": row.contract_id, "date": row.date, "reason": reason},
                producer="routes",
                correlation_id=logs.correlation_id.get(),
            )
            for row in rows
        ],
    )
    return len(rows)


def reschedule_after_resume(session: Session, contract_id: str, at: datetime, days_ahead: int) -> int:
    route_ids: Sequence[uuid.UUID] = (
        session.execute(text("SELECT id FROM routes WHERE contract_id = CAST(:c AS uuid)"), {"c": str(contract_id)})
        .scalars()
        .all()
    )
    if not route_ids:
        return 0
    today = clock.wib_date(at)
    return schedule_pickups(session, route_ids, today, today + timedelta(days=days_ahead), not_before=at, now=at)
