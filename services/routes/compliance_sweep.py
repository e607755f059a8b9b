"""The minute sweep: overdue pickups become missed and late complaints overdue, each kind in one set-based statement."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared import events, logs, outbox

# An instant as Python's datetime.isoformat() writes an aware UTC value (what shared.events dumps):
# microseconds only when there are some, and the offset as +00:00.
def _iso_utc(column: str) -> str:
    return (f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
            f" || CASE WHEN extract(microseconds FROM {column})::bigint % 1000000 <> 0"
            f" THEN to_char({column} AT TIME ZONE 'UTC', '.US') ELSE '' END || '+00:00'")


# One statement: mark the pickups missed and write their routes.pickup.missed envelopes to the outbox, built in
# SQL (300,000 misses after an outage must not become 300,000 Python objects). The envelope matches
# shared.events.Envelope.to_dict() and the PickupMissed schema's dump exactly; a test parses it with
# shared.events.parse. Only an active contract's pickups are swept: a suspended or ended contract is not
# serviced, so its pickups are no miss of the contractor's (DOMAIN: only an active contract's pickups are
# scheduled and billed). `window_end_at <= :now` lets the partial index ix_pickups_due find the candidates;
# the grace (>= 0) is then applied per contract.
MISS_PICKUPS = text(f"""
WITH missed AS (
    UPDATE pickups p
       SET status = 'missed', missed_at = :now, updated_at = :now
      FROM contracts c
     WHERE c.id = p.contract_id
       AND c.status = 'active'
       AND p.status = 'scheduled'
       AND p.window_end_at <= :now
       AND p.window_end_at + make_interval(mins => c.grace_minutes) <= :now
       AND NOT EXISTS (SELECT 1 FROM confirmations f WHERE f.pickup_id = p.id)
    RETURNING p.id, p.contract_id, p.route_id, p.point_id, p.date, p.window_end_at, c.number
), announced AS (
    SELECT gen_random_uuid() AS event_id, missed.* FROM missed
), recorded AS (
    INSERT INTO outbox (id, type, envelope, created_at)
    SELECT a.event_id, 'routes.pickup.missed',
           jsonb_build_object(
               'id', a.event_id::text,
               'type', 'routes.pickup.missed',
               'version', 1,
               'occurred_at', CAST(:occurred_at AS text),
               'producer', 'routes',
               'correlation_id', COALESCE(CAST(:correlation_id AS text), a.event_id::text),
               'data', jsonb_build_object(
                   'pickup_id', a.id::text,
                   'contract_id', a.contract_id::text,
                   'route_id', a.route_id::text,
                   'point_id', a.point_id::text,
                   'date', to_char(a.date, 'YYYY-MM-DD'),
                   'window_end', {_iso_utc('a.window_end_at')})),
           :now
      FROM announced a
     ORDER BY a.window_end_at, a.id
)
SELECT number, count(*) AS missed FROM announced GROUP BY number
""")  # nosec B608 - the f-string inserts constant SQL expressions; values are bound

# Complaints are few: one set-based UPDATE, then their envelopes built and validated by shared.events.
OVERDUE_COMPLAINTS = text("""
UPDATE complaints k
   SET status = 'overdue', overdue_at = :now,
       overdue_days = GREATEST(1, CEIL(EXTRACT(EPOCH FROM (CAST(:now AS timestamptz) - k.due_at)) / 86400))::int
  FROM contracts c
 WHERE c.id = k.contract_id
   AND c.status = 'active'
   AND k.status = 'open'
   AND k.resolved_at IS NULL
   AND k.due_at <= :now
RETURNING k.id, k.contract_id, k.point_id, k.reported_at, k.due_at, k.overdue_days
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
    rows = session.execute(MISS_PICKUPS, {"now": now, "occurred_at": now.isoformat(),
                                          "correlation_id": logs.correlation_id.get()}).all()
    return {number: count for number, count in rows}


def _overdue_complaints(session: Session, now: datetime) -> int:
    rows = session.execute(OVERDUE_COMPLAINTS, {"now": now}).mappings().all()
    outbox.record_many(session, [
        events.make("routes.complaint.overdue", {
            "complaint_id": row["id"], "contract_id": row["contract_id"], "point_id": row["point_id"],
            "reported_at": row["reported_at"], "due_at": row["due_at"], "resolved_at": None,
            "overdue_days": row["overdue_days"]}, producer="routes", correlation_id=logs.correlation_id.get())
        for row in rows
    ])
    return len(rows)
