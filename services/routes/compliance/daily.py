"""The daily evaluation: every ended WIB day of every active contract, evaluated once and revised when evidence changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.routes import contract_copy
from services.routes.compliance.rules import is_shortfall, last_ended_day, reevaluation_start
from services.routes.contract_copy import in_force_sql
from services.routes.models import DailyEvaluation
from shared import events, logs, outbox

FIGURES = (
    "scheduled",
    "on_time",
    "late",
    "missed",
    "off_site",
    "excused",
    "net_kg",
    "target_kg",
    "shortfall",
    "complaints_overdue",
    "in_force",
    "force_majeure",
)

# The days to (re)compute: every ended day of a contract's period from its activation day, not evaluated yet (so a
# worker that was down catches up; whatever the contract's status now, so the last day is evaluated also after
# expiry or termination), plus every recent day already evaluated (so later evidence revises it), in one query.
# A day not in force (suspended, after a termination) is recorded with in_force false and is never a shortfall
# day; a force-majeure day is no shortfall day either. Target and shortfall ratio are the terms in force on the
# day (shared.contract_terms), compared exactly, in Python.
# Counting, per pickup of the day:
#   on time  confirmed, on time and within the geofence;
#   missed   missed by the sweep, or confirmed off-site and not verified by the agency: off-site unverified counts as
#            missed (DOMAIN: it counts as missed for billing until the agency verifies it);
#   late     every other confirmation (late, or off-site and verified);
#   off_site every off-site confirmation, verified or not (shown beside the outcome, not an outcome itself).
# A pickup still `scheduled` on an ended day (its grace runs past midnight, or the sweep has not run) counts only
# in `scheduled` until the sweep decides it; the next run revises the day.
# Net kg: CLEARED weighings of the contract weighed inside the WIB day. Complaints overdue: those whose overdue
# span [due_at, resolved_at or still open) overlaps the day.
DAY_FIGURES = text(
    """
WITH candidates AS (
    SELECT c.id AS contract_id, CAST(g AS date) AS day
      FROM contracts c
     CROSS JOIN LATERAL generate_series(COALESCE(c.activated_on, c.start_date),
                                        LEAST(c.end_date, CAST(:last_day AS date)), interval '1 day') g
     WHERE NOT EXISTS (SELECT 1 FROM daily_evaluations e WHERE e.contract_id = c.id AND e.date = CAST(g AS date))
    UNION
    SELECT e.contract_id, e.date FROM daily_evaluations e
     WHERE e.date BETWEEN CAST(:recheck_from AS date) AND CAST(:last_day AS date)
), span AS (
    SELECT CAST(min(day) AS timestamp) AT TIME ZONE 'Asia/Jakarta' AS starts,
           CAST(max(day) + 1 AS timestamp) AT TIME ZONE 'Asia/Jakarta' AS ends
      FROM candidates
), pickup_figures AS (
    SELECT p.contract_id, p.date AS day,
           count(*) AS scheduled,
           count(*) FILTER (WHERE p.status = 'confirmed' AND p.on_time AND NOT COALESCE(p.off_site, false)) AS on_time,
           count(*) FILTER (WHERE p.status = 'confirmed' AND NOT (p.on_time AND NOT COALESCE(p.off_site, false))
                              AND NOT (COALESCE(p.off_site, false) AND p.verified_at IS NULL)) AS late,
           count(*) FILTER (WHERE p.status = 'missed'
                               OR (p.status = 'confirmed' AND p.off_site AND p.verified_at IS NULL)) AS missed,
           count(*) FILTER (WHERE p.status = 'confirmed' AND p.off_site) AS off_site,
           count(*) FILTER (WHERE p.status = 'excused') AS excused
      FROM candidates k JOIN pickups p ON p.contract_id = k.contract_id AND p.date = k.day
     GROUP BY p.contract_id, p.date
), weighing_figures AS (
    SELECT w.contract_id, CAST(w.weighed_at AT TIME ZONE 'Asia/Jakarta' AS date) AS day, sum(w.net_kg) AS net_kg
      FROM weighings w, span s
     WHERE w.cleared AND w.weighed_at >= s.starts AND w.weighed_at < s.ends
     GROUP BY 1, 2
), complaint_figures AS (
    SELECT k.contract_id, k.day, count(*) AS complaints_overdue
      FROM candidates k JOIN complaints q ON q.contract_id = k.contract_id
     WHERE q.due_at < CAST(k.day + 1 AS timestamp) AT TIME ZONE 'Asia/Jakarta'
       AND COALESCE(q.resolved_at, 'infinity') > GREATEST(q.due_at, CAST(k.day AS timestamp) AT TIME ZONE 'Asia/Jakarta')
     GROUP BY k.contract_id, k.day
)
SELECT k.contract_id, k.day,
       COALESCE(pf.scheduled, 0) AS scheduled, COALESCE(pf.on_time, 0) AS on_time, COALESCE(pf.late, 0) AS late,
       COALESCE(pf.missed, 0) AS missed, COALESCE(pf.off_site, 0) AS off_site, COALESCE(pf.excused, 0) AS excused,
       COALESCE(wf.net_kg, 0) AS net_kg, c.daily_target_kg AS target_kg, c.shortfall_ratio,
       COALESCE(cf.complaints_overdue, 0) AS complaints_overdue,
       """
    + in_force_sql("c", "k.day")
    + """ AS in_force,
       EXISTS (SELECT 1 FROM force_majeure_days f WHERE f.contract_id = k.contract_id AND f.date = k.day)
           AS force_majeure,
       EXISTS (SELECT 1 FROM excused_days x WHERE x.contract_id = k.contract_id AND x.measure = 'shortfall_day'
                  AND x.date = k.day) AS shortfall_excused
  FROM candidates k
  JOIN contracts c ON c.id = k.contract_id
  LEFT JOIN pickup_figures pf ON pf.contract_id = k.contract_id AND pf.day = k.day
  LEFT JOIN weighing_figures wf ON wf.contract_id = k.contract_id AND wf.day = k.day
  LEFT JOIN complaint_figures cf ON cf.contract_id = k.contract_id AND cf.day = k.day
 ORDER BY k.contract_id, k.day
"""
)


@dataclass(frozen=True)
class DailyResult:
    evaluated: int  # days evaluated for the first time
    revised: int  # days whose figures changed, published again with the next revision


def evaluate_days(session: Session, now: datetime) -> DailyResult:
    """Evaluate every ended, unevaluated WIB day and revise recent days whose figures changed, with their events.

    Idempotent: a day whose figures are unchanged is neither written nor published again."""
    # generate_series is estimated at 1,000 rows a contract, which pushes these small queries over the JIT cost
    # threshold: compiling them took 2 s for a query that runs in milliseconds.
    session.execute(text("SET LOCAL jit = off"))
    rows = (
        session.execute(DAY_FIGURES, {"last_day": last_ended_day(now), "recheck_from": reevaluation_start(now)})
        .mappings()
        .all()
    )
    if not rows:
        return DailyResult(0, 0)
    copies = contract_copy.load(session, {row["contract_id"] for row in rows})
    values = [_figures(row, copies[str(row["contract_id"])], now) for row in rows]
    changed = session.execute(_upsert(), values).mappings().all()
    outbox.record_many(session, [_event(row) for row in changed])
    first = sum(1 for row in changed if row["revision"] == 1)
    return DailyResult(evaluated=first, revised=len(changed) - first)


def _figures(row, copy: contract_copy.Copy, now: datetime) -> dict:
    figures = {name: row[name] for name in FIGURES if name != "shortfall"}
    terms = copy.terms_on(row["day"])
    figures["target_kg"] = terms.daily_target_kg
    if not row["in_force"]:
        figures["complaints_overdue"] = 0  # never an overdue-complaint day
    # a shortfall day excused by an accepted objection is no shortfall day, whatever the tonnage
    figures["shortfall"] = (
        row["in_force"]
        and not row["force_majeure"]
        and not row["shortfall_excused"]
        and is_shortfall(row["net_kg"], terms.daily_target_kg, terms.sla.get("shortfall_ratio", row["shortfall_ratio"]))
    )
    return {"contract_id": row["contract_id"], "date": row["day"], **figures, "revision": 1, "evaluated_at": now}


def _upsert():
    # Changed figures bump the revision; identical ones are left alone (the WHERE), so nothing is re-published.
    statement = insert(DailyEvaluation)
    current = DailyEvaluation.__table__.c
    differs = tuple(current[name] for name in FIGURES)
    incoming = tuple(statement.excluded[name] for name in FIGURES)
    return statement.on_conflict_do_update(
        index_elements=["contract_id", "date"],
        set_={
            **{name: statement.excluded[name] for name in FIGURES},
            "revision": current.revision + 1,
            "evaluated_at": statement.excluded.evaluated_at,
        },
        where=tuple_(*differs).is_distinct_from(tuple_(*incoming)),
    ).returning(*(current[name] for name in ("contract_id", "date", "revision", *FIGURES)))


def _event(row) -> events.Envelope:
    data = {name: row[name] for name in FIGURES if name != "complaints_overdue"}
    return events.make(
        "routes.compliance.evaluated",
        {"contract_id": row["contract_id"], "date": row["date"], "revision": row["revision"], **data},
        producer="routes",
        correlation_id=logs.correlation_id.get(),
    )
