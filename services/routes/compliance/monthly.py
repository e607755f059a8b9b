"""The monthly evaluation: every WIB month of every contract once its sync allowance has passed, revised by changed
evidence until its invoice is issued; breaches stored and published, those that no longer hold withdrawn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.routes import contract_copy
from services.routes.compliance.daily import evaluate_days
from services.routes.compliance.rules import MonthFigures, monthly_breaches, on_time_ratio, reevaluation_start
from services.routes.contract_copy import in_force_sql
from services.routes.models import Breach, MonthlyEvaluation
from shared import clock, events, logs, outbox
from shared.contract_terms import overdue_days_by_month
from shared.db import new_id

# Every (contract, WIB month from its activation) that is due: its end plus the contract's sync allowance has
# passed (so its evidence is in), and it was never evaluated, or it may still change: its invoice is not issued
# (billing.invoice.issued) and it ended inside the re-evaluation window. With what the rules read: the month's
# pickups on days in force (same outcome definitions as the daily evaluation: off-site unverified is not on
# time), the shortfall days the daily evaluation found, and the complaints that may have been overdue in it.
MONTH_FIGURES = text(
    """
WITH months AS (
    SELECT c.id AS contract_id, c.contractor_id, CAST(m AS date) AS first_day,
           CAST(m + interval '1 month' AS date) AS next_first_day
      FROM contracts c
     CROSS JOIN LATERAL generate_series(date_trunc('month', CAST(COALESCE(c.activated_on, c.start_date) AS timestamp)),
                                        date_trunc('month', CAST(c.end_date AS timestamp)), interval '1 month') m
     WHERE CAST(m + interval '1 month' AS timestamp) AT TIME ZONE 'Asia/Jakarta'
           + make_interval(hours => c.sync_allowance_hours) <= CAST(:now AS timestamptz)
), pending AS (
    SELECT k.* FROM months k
     WHERE NOT EXISTS (SELECT 1 FROM monthly_evaluations me
                        WHERE me.contract_id = k.contract_id AND me.month = to_char(k.first_day, 'YYYY-MM'))
        OR (k.next_first_day > CAST(:recheck_from AS date)
            AND NOT EXISTS (SELECT 1 FROM issued_months i
                             WHERE i.contract_id = k.contract_id AND i.month = to_char(k.first_day, 'YYYY-MM')))
)
SELECT k.contract_id, k.contractor_id, to_char(k.first_day, 'YYYY-MM') AS month, k.first_day, k.next_first_day,
       pk.scheduled, pk.excused, pk.on_time,
       COALESCE(pk.not_on_time, '{}') AS not_on_time,
       COALESCE(sd.days, '{}') AS shortfall_days
  FROM pending k
  JOIN contracts c ON c.id = k.contract_id
  CROSS JOIN LATERAL (
      SELECT count(*) AS scheduled,
             count(*) FILTER (WHERE p.status = 'excused') AS excused,
             count(*) FILTER (WHERE p.status = 'confirmed' AND p.on_time AND NOT COALESCE(p.off_site, false)) AS on_time,
             array_agg(CAST(p.id AS text) ORDER BY p.date, p.window_end_at) FILTER (
                 WHERE p.status <> 'excused'
                   AND NOT (p.status = 'confirmed' AND p.on_time AND NOT COALESCE(p.off_site, false))) AS not_on_time
        FROM pickups p
       WHERE p.contract_id = k.contract_id AND p.date >= k.first_day AND p.date < k.next_first_day
         AND """
    + in_force_sql("c", "p.date")
    + """
  ) pk
  CROSS JOIN LATERAL (
      SELECT array_agg(e.date ORDER BY e.date) AS days FROM daily_evaluations e
       WHERE e.contract_id = k.contract_id AND e.shortfall AND e.date >= k.first_day AND e.date < k.next_first_day
  ) sd
 ORDER BY k.contract_id, k.first_day
"""
)

MONTH_COMPLAINTS = text("""
SELECT CAST(q.id AS text) AS id, q.due_at, q.resolved_at FROM complaints q
 WHERE q.contract_id = CAST(:contract_id AS uuid) AND q.due_at < :ends
   AND COALESCE(q.resolved_at, 'infinity') > GREATEST(q.due_at, CAST(:starts AS timestamptz))
 ORDER BY q.due_at, q.id
""")


@dataclass(frozen=True)
class MonthlyResult:
    months: int  # contract-months evaluated or re-evaluated
    breaches: int  # breaches found or revised
    withdrawn: int = 0


def evaluate_months(session: Session, now: datetime) -> MonthlyResult:
    """Evaluate every due WIB month per contract (see MONTH_FIGURES), reconcile its breaches with what holds now.

    The daily evaluation runs first in the same transaction, so a month's shortfall days are complete even when
    the daily task has not caught up yet (after downtime). Re-running with unchanged evidence changes nothing."""
    evaluate_days(session, now)  # it also turned JIT off for this transaction, which MONTH_FIGURES needs too
    rows = session.execute(MONTH_FIGURES, {"now": now, "recheck_from": reevaluation_start(now)}).mappings().all()
    copies = contract_copy.load(session, {row["contract_id"] for row in rows})
    breaches = withdrawn = 0
    for row in rows:
        copy = copies[str(row["contract_id"])]
        figures = _month_figures(session, row, copy, now)
        found, gone = _reconcile_breaches(session, row, figures, now)
        breaches, withdrawn = breaches + found, withdrawn + gone
        ratio = on_time_ratio(figures.on_time, figures.scheduled, figures.excused)
        values = dict(
            on_time_ratio=float(ratio) if ratio is not None else None,
            shortfall_days=len(figures.shortfall_days),
            complaints_overdue=len(figures.overdue_complaint_ids),
            evaluated_at=now,
        )
        statement = insert(MonthlyEvaluation).values(contract_id=row["contract_id"], month=row["month"], **values)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["contract_id", "month"], set_={**values, "revision": MonthlyEvaluation.revision + 1}
            )
        )
    return MonthlyResult(months=len(rows), breaches=breaches, withdrawn=withdrawn)


def _month_figures(session: Session, row, copy: contract_copy.Copy, now: datetime) -> MonthFigures:
    # The on-time ratio is a measure of the whole month: its minimum is the one in force on the month's last day
    # (or the period's last day), when the measure is complete. Shortfall days are facts of their own days: each
    # is held against the allowance in force on it (rules.over_allowance), as billing prices them; whether a
    # day is a shortfall day already used that day's ratio and target (daily.py).
    last_day = min(row["next_first_day"] - timedelta(days=1), copy.contract.end_date)
    terms = copy.terms_on(last_day)
    starts, ends = clock.wib_day_bounds(row["first_day"])[0], clock.wib_day_bounds(row["next_first_day"])[0]
    overdue = [
        complaint.id
        for complaint in session.execute(
            MONTH_COMPLAINTS, {"contract_id": row["contract_id"], "starts": starts, "ends": ends}
        )
        if overdue_days_by_month(complaint.due_at, complaint.resolved_at, min(now, ends), copy.life.in_force).get(
            row["month"], 0
        )
        > 0
    ]
    return MonthFigures(
        contract_id=str(row["contract_id"]),
        month=row["month"],
        scheduled=row["scheduled"],
        excused=row["excused"],
        on_time=row["on_time"],
        not_on_time_pickup_ids=list(row["not_on_time"]),
        shortfall_days=list(row["shortfall_days"]),
        overdue_complaint_ids=overdue,
        min_on_time_ratio=terms.sla.get("min_on_time_ratio", copy.contract.min_on_time_ratio),
        shortfall_days_allowed=terms.sla.get("shortfall_days_allowed", copy.contract.shortfall_days_allowed),
        shortfall_allowance_on={day: copy.sla_on(day, "shortfall_days_allowed") for day in row["shortfall_days"]},
    )


def _reconcile_breaches(session: Session, row, figures: MonthFigures, now: datetime) -> tuple[int, int]:
    """New findings become breaches, changed ones are revised (same id, next revision), and live breaches whose
    measure no longer fails are withdrawn, each with its event. Answers (found or revised, withdrawn)."""
    findings = {finding.measure: finding for finding in monthly_breaches(figures)}
    live = {
        breach.measure: breach
        for breach in session.execute(
            select(Breach)
            .where(
                Breach.contract_id == figures.contract_id, Breach.month == figures.month, Breach.withdrawn_at.is_(None)
            )
            .with_for_update()
        ).scalars()
    }
    announced, withdrawn = [], []
    for measure, finding in findings.items():
        breach = live.get(measure)
        shape = (Decimal(str(finding.threshold)), Decimal(str(finding.value)), list(finding.evidence))
        if breach is None:
            breach = Breach(
                id=new_id(),
                contract_id=figures.contract_id,
                contractor_id=row["contractor_id"],
                month=figures.month,
                measure=measure,
                threshold=finding.threshold,
                value=finding.value,
                evidence=finding.evidence,
                created_at=now,
                revision=1,
            )
            session.add(breach)
        elif (Decimal(str(breach.threshold)), Decimal(str(breach.value)), list(breach.evidence)) != shape:
            # the Float columns take the finding's Decimal as it is (as the constructor above does); they read as float
            breach.threshold, breach.value, breach.evidence = finding.threshold, finding.value, finding.evidence  # type: ignore[assignment]
            breach.revision += 1
        else:
            continue
        announced.append(breach)
    for measure, breach in live.items():
        if measure not in findings:
            breach.withdrawn_at = now
            breach.withdrawn_reason = (
                f"Evaluasi ulang {figures.month}: {measure} tidak lagi melanggar "
                f"(re-evaluation: the measure no longer fails)"
            )
            withdrawn.append(breach)
    session.flush()
    correlation = logs.correlation_id.get()
    outbox.record_many(
        session,
        [
            events.make(
                "routes.sla.breached",
                {
                    "breach_id": b.id,
                    "contract_id": b.contract_id,
                    "month": b.month,
                    "measure": b.measure,
                    "threshold": Decimal(str(b.threshold)),
                    "value": Decimal(str(b.value)),
                    "evidence": b.evidence,
                    "revision": b.revision,
                },
                producer="routes",
                correlation_id=correlation,
            )
            for b in announced
        ]
        + [
            events.make(
                "routes.sla.breach_withdrawn",
                {
                    "breach_id": b.id,
                    "contract_id": b.contract_id,
                    "month": b.month,
                    "measure": b.measure,
                    "reason": b.withdrawn_reason,
                },
                producer="routes",
                correlation_id=correlation,
            )
            for b in withdrawn
        ],
    )
    return len(announced), len(withdrawn)
