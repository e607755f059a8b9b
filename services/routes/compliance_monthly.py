"""The monthly evaluation: every ended WIB month of every contract, once; its SLA breaches stored and published."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from shared import events, logs, outbox
from shared.db import new_id
from services.routes.compliance import (MonthFigures, last_ended_month_start, monthly_breaches, on_time_ratio)
from services.routes.compliance_daily import evaluate_days
from services.routes.models import Breach, MonthlyEvaluation

# Every (contract, ended WIB month of its period) not yet in monthly_evaluations, with what the rules read:
# the month's pickups (same outcome definitions as the daily evaluation: off-site unverified is not on time),
# the shortfall days the daily evaluation found, and the complaints whose overdue span overlaps the month.
MONTH_FIGURES = text("""
WITH pending AS (
    SELECT c.id AS contract_id, c.contractor_id, c.min_on_time_ratio, c.shortfall_days_allowed,
           CAST(m AS date) AS first_day, CAST(m + interval '1 month' AS date) AS next_first_day
      FROM contracts c
     CROSS JOIN LATERAL generate_series(date_trunc('month', CAST(c.start_date AS timestamp)),
                                        date_trunc('month', CAST(LEAST(c.end_date, CAST(:last_month AS date)) AS timestamp)),
                                        interval '1 month') m
     WHERE NOT EXISTS (SELECT 1 FROM monthly_evaluations me
                        WHERE me.contract_id = c.id AND me.month = to_char(m, 'YYYY-MM'))
)
SELECT k.contract_id, k.contractor_id, to_char(k.first_day, 'YYYY-MM') AS month,
       k.min_on_time_ratio, k.shortfall_days_allowed, pk.scheduled, pk.excused, pk.on_time,
       COALESCE(pk.not_on_time, '{}') AS not_on_time,
       COALESCE(sd.days, '{}') AS shortfall_days,
       COALESCE(oc.ids, '{}') AS overdue_complaints
  FROM pending k
  CROSS JOIN LATERAL (
      SELECT count(*) AS scheduled,
             count(*) FILTER (WHERE p.status = 'excused') AS excused,
             count(*) FILTER (WHERE p.status = 'confirmed' AND p.on_time AND NOT COALESCE(p.off_site, false)) AS on_time,
             array_agg(CAST(p.id AS text) ORDER BY p.date, p.window_end_at) FILTER (
                 WHERE p.status <> 'excused'
                   AND NOT (p.status = 'confirmed' AND p.on_time AND NOT COALESCE(p.off_site, false))) AS not_on_time
        FROM pickups p
       WHERE p.contract_id = k.contract_id AND p.date >= k.first_day AND p.date < k.next_first_day
  ) pk
  CROSS JOIN LATERAL (
      SELECT array_agg(e.date ORDER BY e.date) AS days FROM daily_evaluations e
       WHERE e.contract_id = k.contract_id AND e.shortfall AND e.date >= k.first_day AND e.date < k.next_first_day
  ) sd
  CROSS JOIN LATERAL (
      SELECT array_agg(CAST(q.id AS text) ORDER BY q.due_at) AS ids FROM complaints q
       WHERE q.contract_id = k.contract_id
         AND q.due_at < CAST(k.next_first_day AS timestamp) AT TIME ZONE 'Asia/Jakarta'
         AND COALESCE(q.resolved_at, 'infinity')
             > GREATEST(q.due_at, CAST(k.first_day AS timestamp) AT TIME ZONE 'Asia/Jakarta')
  ) oc
 ORDER BY k.contract_id, k.first_day
""")


@dataclass(frozen=True)
class MonthlyResult:
    months: int  # contract-months evaluated
    breaches: int


def evaluate_months(session: Session, now: datetime) -> MonthlyResult:
    """Evaluate every ended, unevaluated WIB month per contract: breaches stored, published, month marked done.

    The daily evaluation runs first in the same transaction, so a month's shortfall days are complete even when
    the daily task has not caught up yet (after downtime). A month is evaluated once (monthly_evaluations)."""
    evaluate_days(session, now)  # it also turned JIT off for this transaction, which MONTH_FIGURES needs too
    rows = session.execute(MONTH_FIGURES, {"last_month": last_ended_month_start(now)}).mappings().all()
    breaches = 0
    for row in rows:
        figures = _month_figures(row)
        breaches += _record_breaches(session, row, figures, now)
        session.execute(insert(MonthlyEvaluation).values(
            contract_id=row["contract_id"], month=row["month"],
            on_time_ratio=on_time_ratio(figures.on_time, figures.scheduled, figures.excused),
            shortfall_days=len(figures.shortfall_days), complaints_overdue=len(figures.overdue_complaint_ids),
            evaluated_at=now).on_conflict_do_nothing(index_elements=["contract_id", "month"]))
    return MonthlyResult(months=len(rows), breaches=breaches)


def _month_figures(row) -> MonthFigures:
    return MonthFigures(
        contract_id=str(row["contract_id"]), month=row["month"], scheduled=row["scheduled"], excused=row["excused"],
        on_time=row["on_time"], not_on_time_pickup_ids=list(row["not_on_time"]),
        shortfall_days=list(row["shortfall_days"]), overdue_complaint_ids=list(row["overdue_complaints"]),
        min_on_time_ratio=row["min_on_time_ratio"], shortfall_days_allowed=row["shortfall_days_allowed"])


def _record_breaches(session: Session, row, figures: MonthFigures, now: datetime) -> int:
    findings = monthly_breaches(figures)
    if not findings:
        return 0
    values = [{"id": new_id(), "contract_id": figures.contract_id, "contractor_id": row["contractor_id"],
               "month": figures.month, "measure": f.measure, "threshold": f.threshold, "value": f.value,
               "evidence": f.evidence, "created_at": now} for f in findings]
    # the unique (contract, month, measure) makes a concurrent or repeated run record and publish a breach once
    statement = insert(Breach).on_conflict_do_nothing(constraint="uq_breaches_contract_month_measure")
    stored = session.execute(statement.returning(Breach.id, Breach.measure, Breach.threshold, Breach.value,
                                                 Breach.evidence), values).mappings().all()
    outbox.record_many(session, [
        events.make("routes.sla.breached", {
            "breach_id": b["id"], "contract_id": figures.contract_id, "month": figures.month,
            "measure": b["measure"], "threshold": b["threshold"], "value": b["value"], "evidence": b["evidence"]},
            producer="routes", correlation_id=logs.correlation_id.get())
        for b in stored])
    return len(stored)
