"""The month's billable facts in set-based SQL: what is due (current facts minus what issued invoices billed)."""
from __future__ import annotations

from dataclasses import dataclass
from sqlalchemy import text
from sqlalchemy.orm import Session

from shared import clock

# Every billable fact of the months asked, one row each: (fact, ref, fact_month, quantity).
# A pickup counts as missed when it was missed and no confirmation superseded it, or when it was confirmed
# off-site and not verified; an excused pickup never counts. Shortfall days are numbered per month and those
# past the allowance are billed. (The month of a fact in the invoice's own month is known from the range, sparing
# the per-row to_char that only facts of earlier, issued months need.) A complaint's overdue days count in the WIB month it was resolved.
_FACTS = """
facts AS (
    SELECT 'tonnage' AS fact, w.weighing_id::text AS ref,
           CASE WHEN w.weighed_at >= :month_at THEN :month
                ELSE to_char(w.weighed_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM') END AS fact_month,
           w.net_kg AS quantity
    FROM weighings w
    WHERE w.contract_id = CAST(:contract_id AS uuid) AND w.cleared
      AND w.weighed_at >= :from_at AND w.weighed_at < :to_at
    UNION ALL
    SELECT 'missed_pickup', p.pickup_id::text,
           CASE WHEN p.date >= :month_day THEN :month ELSE to_char(p.date, 'YYYY-MM') END, 1
    FROM pickups p
    WHERE p.contract_id = CAST(:contract_id AS uuid) AND p.date >= :from_day AND p.date < :to_day
      AND NOT p.excused AND ((p.missed AND NOT p.confirmed) OR (p.confirmed AND p.off_site AND NOT p.verified))
    UNION ALL
    SELECT 'complaint_day', c.complaint_id::text,
           CASE WHEN c.resolved_at >= :month_at THEN :month
                ELSE to_char(c.resolved_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM') END, c.overdue_days
    FROM complaints c
    WHERE c.contract_id = CAST(:contract_id AS uuid) AND c.overdue_days > 0
      AND c.resolved_at >= :from_at AND c.resolved_at < :to_at
    UNION ALL
    SELECT 'shortfall_day', s.date::text, to_char(s.date, 'YYYY-MM'), 1
    FROM (SELECT d.date, row_number() OVER (PARTITION BY date_trunc('month', d.date) ORDER BY d.date) AS n
          FROM daily_evaluations d
          WHERE d.contract_id = CAST(:contract_id AS uuid) AND d.shortfall
            AND d.date >= :from_day AND d.date < :to_day) s
    WHERE s.n > :allowance
),
billed AS (
    SELECT e.fact, e.ref, e.fact_month, sum(e.quantity) AS quantity
    FROM invoice_evidence e JOIN invoices i ON i.id = e.invoice_id
    WHERE i.contract_id = CAST(:contract_id AS uuid) AND i.status <> 'draft'
      AND e.fact_month = ANY(CAST(:months AS text[]))
    GROUP BY e.fact, e.ref, e.fact_month
),
due AS (
    SELECT CASE WHEN fact_month = :month THEN fact ELSE 'adjustment_' || fact END AS kind,
           fact, ref, fact_month, coalesce(f.quantity, 0) - coalesce(b.quantity, 0) AS quantity
    FROM (SELECT * FROM facts WHERE fact_month = ANY(CAST(:months AS text[]))) f
    FULL JOIN billed b USING (fact, ref, fact_month)
)
"""

_QUANTITIES = text("WITH " + _FACTS + """
SELECT kind, sum(quantity) AS quantity, count(*) AS evidence FROM due WHERE quantity <> 0 GROUP BY kind""")

_FREEZE = text("WITH " + _FACTS + """
INSERT INTO invoice_evidence (invoice_id, kind, ref, fact, fact_month, quantity)
SELECT CAST(:invoice_id AS uuid), kind, ref, fact, fact_month, quantity FROM due WHERE quantity <> 0""")

_EVIDENCE_LIVE = text("WITH " + _FACTS + """
SELECT kind, ref, fact_month, quantity FROM due
WHERE quantity <> 0 AND (CAST(:kind AS text) IS NULL OR kind = :kind)
ORDER BY kind, fact_month, ref LIMIT :limit OFFSET :offset""")

_EMBED_LIVE = text("WITH " + _FACTS + """
SELECT kind, ref FROM (
    SELECT kind, ref, row_number() OVER (PARTITION BY kind ORDER BY fact_month, ref) AS n FROM due WHERE quantity <> 0
) ranked WHERE n <= :limit ORDER BY kind, n""")

_EMBED_FROZEN = text("""
SELECT kind, ref FROM (
    SELECT kind, ref, row_number() OVER (PARTITION BY kind ORDER BY fact_month, ref) AS n
    FROM invoice_evidence WHERE invoice_id = CAST(:invoice_id AS uuid)
) ranked WHERE n <= :limit ORDER BY kind, n""")

_EVIDENCE_LIVE_COUNT = text("WITH " + _FACTS + """
SELECT count(*) FROM due WHERE quantity <> 0 AND (CAST(:kind AS text) IS NULL OR kind = :kind)""")


@dataclass(frozen=True)
class Scope:
    """Which facts a month's invoice looks at: its own month, and earlier months whose invoice is frozen."""

    contract_id: str
    month: str
    months: tuple[str, ...]
    shortfall_days_allowed: int

    def params(self) -> dict:
        first = min(clock.month_bounds(m)[0] for m in self.months)
        month_day, following = clock.month_bounds(self.month)
        return {"contract_id": self.contract_id, "month": self.month, "months": list(self.months),
                "month_day": month_day, "month_at": clock.wib_day_bounds(month_day)[0],
                "allowance": self.shortfall_days_allowed, "from_day": first, "to_day": following,
                "from_at": clock.wib_day_bounds(first)[0], "to_at": clock.wib_day_bounds(following)[0]}


def issued_months_before(session: Session, contract_id: str, month: str) -> tuple[str, ...]:
    rows = session.execute(text(
        "SELECT month FROM invoices WHERE contract_id = CAST(:c AS uuid) AND status <> 'draft' AND month < :m "
        "ORDER BY month"), {"c": contract_id, "m": month}).scalars().all()
    return tuple(rows)


def quantities(session: Session, scope: Scope) -> tuple[dict[str, int], dict[str, int]]:
    """Quantity and evidence count per line kind, in one aggregate query."""
    rows = session.execute(_QUANTITIES, scope.params()).all()
    return {row.kind: int(row.quantity) for row in rows}, {row.kind: int(row.evidence) for row in rows}


def freeze(session: Session, scope: Scope, invoice_id: str) -> None:
    """Write the evidence an invoice bills, one row a fact, as it is issued."""
    session.execute(_FREEZE, {**scope.params(), "invoice_id": invoice_id})


def live_evidence(session: Session, scope: Scope, kind: str | None, limit: int, offset: int) -> tuple[list, int]:
    params = {**scope.params(), "kind": kind}
    rows = session.execute(_EVIDENCE_LIVE, {**params, "limit": limit, "offset": offset}).all()
    total = session.execute(_EVIDENCE_LIVE_COUNT, params).scalar_one()
    return rows, total


def embedded(session: Session, scope: Scope | None, invoice_id: str, limit: int) -> dict[str, list[str]]:
    """The first `limit` evidence refs of each line: live for a draft (scope given), frozen otherwise."""
    if scope is not None:
        rows = session.execute(_EMBED_LIVE, {**scope.params(), "limit": limit}).all()
    else:
        rows = session.execute(_EMBED_FROZEN, {"invoice_id": invoice_id, "limit": limit}).all()
    refs: dict[str, list[str]] = {}
    for row in rows:
        refs.setdefault(row.kind, []).append(row.ref)
    return refs


def frozen_evidence(session: Session, invoice_id: str, kind: str | None, limit: int, offset: int) -> tuple[list, int]:
    params = {"invoice_id": invoice_id, "kind": kind}
    where = "invoice_id = CAST(:invoice_id AS uuid) AND (CAST(:kind AS text) IS NULL OR kind = :kind)"
    rows = session.execute(text(f"SELECT kind, ref, fact_month, quantity FROM invoice_evidence WHERE {where} "
                                "ORDER BY kind, fact_month, ref LIMIT :limit OFFSET :offset"),
                           {**params, "limit": limit, "offset": offset}).all()
    total = session.execute(text(f"SELECT count(*) FROM invoice_evidence WHERE {where}"), params).scalar_one()
    return rows, total


def all_refs(session: Session, invoice_id: str) -> dict[str, list[str]]:
    """Every frozen evidence ref by line kind (for billing.penalty.assessed)."""
    rows = session.execute(text("SELECT kind, array_agg(ref ORDER BY fact_month, ref) AS refs FROM invoice_evidence "
                                "WHERE invoice_id = CAST(:i AS uuid) GROUP BY kind"), {"i": invoice_id}).all()
    return {row.kind: list(row.refs) for row in rows}
