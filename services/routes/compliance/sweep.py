"""The minute sweep: overdue pickups become missed and late complaints overdue, each kind in one set-based statement."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.routes import contract_copy
from services.routes.contract_copy import GRACE_RANGES, in_force_sql
from shared import events, logs, outbox
from shared.contract_terms import overdue_days_by_month

# One statement: mark the pickups missed and write their routes.pickup.missed events to the outbox, the envelopes
# built in SQL by shared.outbox (300,000 misses after an outage must not become 300,000 Python objects); a test
# parses them with shared.events.parse. Only an active contract's pickups are swept: a suspended or ended contract
# is not serviced, so its pickups are no miss of the contractor's (DOMAIN: only an active contract's pickups are
# scheduled and billed). `window_end_at <= :now` lets the partial index ix_pickups_due find the candidates;
# the grace (>= 0) is then the one in force on the pickup's own WIB day (DOMAIN: a fact is judged by the terms in
# force on its own date; an amendment of the grace from the 15th leaves the 14th's deadlines as they were), joined
# by range from GRACE_RANGES (one row per contract and grace amendment) so the statement stays set-based.
_ANNOUNCE = outbox.insert_from_rows(
    "routes.pickup.missed",
    "missed",
    {
        "pickup_id": outbox.dumped_uuid("r.id"),
        "contract_id": outbox.dumped_uuid("r.contract_id"),
        "route_id": outbox.dumped_uuid("r.route_id"),
        "point_id": outbox.dumped_uuid("r.point_id"),
        "date": outbox.dumped_date("r.date"),
        "window_end": outbox.dumped_instant("r.window_end_at"),
    },
    producer="routes",
    order_by=("window_end_at", "id"),
)
MISS_PICKUPS = text(f"""
WITH graces AS ({GRACE_RANGES}
), missed AS (
    UPDATE pickups p
       SET status = 'missed', missed_at = :now, updated_at = :now
      FROM contracts c, graces g
     WHERE c.id = p.contract_id
       AND g.contract_id = p.contract_id AND p.date >= g.from_day AND p.date < g.to_day
       AND {in_force_sql("c", "p.date")}
       AND p.status = 'scheduled'
       AND p.window_end_at <= :now
       AND p.window_end_at + make_interval(mins => g.grace_minutes) <= :now
       AND NOT EXISTS (SELECT 1 FROM confirmations f WHERE f.pickup_id = p.id)
    RETURNING p.id, p.contract_id, p.route_id, p.point_id, p.date, p.window_end_at, c.number
), announced AS (
    {_ANNOUNCE}
)
SELECT number, count(*) AS missed FROM missed GROUP BY number
""")

# Unresolved complaints past their deadline are few: read them, count their overdue days in Python with the one
# definition (shared.contract_terms), write back those whose count grew.
UNRESOLVED_PAST_DUE = text("""
SELECT k.id, k.contract_id, k.point_id, k.reported_at, k.due_at, k.status, k.overdue_days, k.priority
  FROM complaints k
 WHERE k.resolved_at IS NULL AND k.due_at <= :now
 ORDER BY k.due_at, k.id
   FOR UPDATE OF k
""")
MARK_OVERDUE = text("""
UPDATE complaints SET status = 'overdue', overdue_at = COALESCE(overdue_at, :now), overdue_days = :days
 WHERE id = CAST(:id AS uuid)
""")


@dataclass(frozen=True)
class SweepResult:
    missed_by_contract: dict[str, int] = field(default_factory=dict)  # contract number -> pickups marked missed
    complaints_overdue: int = 0

    @property
    def missed(self) -> int:
        return sum(self.missed_by_contract.values())


def sweep(session: Session, now: datetime) -> SweepResult:
    """Mark missed pickups and overdue complaints as of `now`, with their events, in the caller's transaction.

    Catch-up by construction: it selects by deadline, not by "what happened since the last run", so a late or
    repeated run finds exactly what is still due and nothing twice."""
    missed = _miss_pickups(session, now)
    overdue = _overdue_complaints(session, now)
    return SweepResult(missed_by_contract=missed, complaints_overdue=overdue)


def _miss_pickups(session: Session, now: datetime) -> dict[str, int]:
    rows: Sequence[Any] = session.execute(MISS_PICKUPS, {"now": now, **outbox.rows_params(now)}).all()
    return {number: count for number, count in rows}


def _overdue_complaints(session: Session, now: datetime) -> int:
    """Mark complaints past their deadline overdue and keep counting their started overdue days (on days in
    force), announcing each change: an unresolved complaint keeps accruing, month by month."""
    rows = session.execute(UNRESOLVED_PAST_DUE, {"now": now}).mappings().all()
    copies = contract_copy.load(session, {row["contract_id"] for row in rows})
    envelopes = []
    for row in rows:
        by_month = overdue_days_by_month(row["due_at"], None, now, copies[str(row["contract_id"])].life.in_force)
        days = sum(by_month.values())
        if row["status"] == "overdue" and days == row["overdue_days"]:
            continue
        session.execute(MARK_OVERDUE, {"id": row["id"], "now": now, "days": days})
        envelopes.append(
            events.make(
                "routes.complaint.overdue",
                {
                    "complaint_id": row["id"],
                    "contract_id": row["contract_id"],
                    "point_id": row["point_id"],
                    "reported_at": row["reported_at"],
                    "due_at": row["due_at"],
                    "resolved_at": None,
                    "overdue_days": days,
                    "overdue_days_by_month": by_month,
                    "as_of": now,
                    "priority": row["priority"],
                },
                producer="routes",
                correlation_id=logs.correlation_id.get(),
            )
        )
    outbox.record_many(session, envelopes)
    return len(envelopes)
