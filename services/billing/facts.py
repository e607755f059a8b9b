"""The month's billable facts in set-based SQL: what is due (current facts minus what issued invoices billed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Sequence

from sqlalchemy import text
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import Session

from services.billing.pricing import FactGroup
from shared import clock, contract_terms, db

ONE_DAY = timedelta(days=1)

# Every billable fact of a range of days, one row each: (fact, ref, fact_date, quantity), only on days in force
# (`in_force`: each such day with the shortfall allowance of its terms; weighings on other days are unassigned).
# A pickup counts as missed when it was missed and no confirmation superseded it, or when it was confirmed
# off-site and not verified; an excused pickup never counts. Complaint days come counted (complaint_days(): each
# started day past the deadline, in the WIB month it starts in, resolved or not). Shortfall days are numbered per
# month and those past the day's allowance are billed. Each rule is written once, as the rows of one fact over the
# days [{first}, {following}): `_facts` lists them with their refs, `_sums` sums the same rows by day.
_IN_FORCE = """
in_force AS (
    SELECT t.day, t.allowance FROM unnest(CAST(:days AS date[]), CAST(:allowances AS int[])) AS t(day, allowance)
)"""
_WEIGHED = """w.contract_id = CAST(:contract_id AS uuid) AND w.cleared
      AND w.weighed_at >= :{first}_at AND w.weighed_at < :{following}_at"""
_WIB_DAY = "(w.weighed_at AT TIME ZONE 'Asia/Jakarta')::date"
_MISSED = """p.contract_id = CAST(:contract_id AS uuid)
      AND p.date >= :{first}_day AND p.date < :{following}_day
      AND NOT p.excused AND ((p.missed AND NOT p.confirmed) OR (p.confirmed AND p.off_site AND NOT p.verified))"""
_SMALL_FACTS = """
    SELECT 'complaint_day' AS fact, d.ref, f.day AS fact_date, 1 AS quantity
    FROM unnest(CAST(:complaint_refs AS text[]), CAST(:complaint_days AS date[])) AS d(ref, day)
    JOIN in_force f ON f.day = d.day
    WHERE d.day >= :{first}_day AND d.day < :{following}_day
      AND NOT EXISTS (SELECT 1 FROM excused_complaint_days x  -- excused by an accepted objection
                      WHERE x.complaint_id::text || '/' || x.day_no = d.ref)
    UNION ALL
    SELECT 'shortfall_day', s.date::text, s.date, 1
    FROM (SELECT d.date, f.allowance,
                 row_number() OVER (PARTITION BY date_trunc('month', d.date) ORDER BY d.date) AS n
          FROM daily_evaluations d JOIN in_force f ON f.day = d.date
          WHERE d.contract_id = CAST(:contract_id AS uuid) AND d.shortfall
            AND d.date >= :{first}_day AND d.date < :{following}_day) s
    WHERE s.n > s.allowance"""


def _facts(first: str, following: str) -> str:
    """Every fact of the days [first, following) with its ref (parameters :<first>_day and :<first>_at, the
    day and the instant it starts, likewise for following)."""
    return f"""
    SELECT 'tonnage' AS fact, w.weighing_id::text AS ref, f.day AS fact_date, w.net_kg AS quantity
    FROM weighings w JOIN in_force f ON f.day = {_WIB_DAY}
    WHERE {_WEIGHED}
    UNION ALL
    SELECT 'missed_pickup', p.pickup_id::text, f.day, 1
    FROM pickups p JOIN in_force f ON f.day = p.date
    WHERE {_MISSED}
    UNION ALL{_SMALL_FACTS}""".format(first=first, following=following)


def _sums(first: str, following: str) -> str:
    """The same facts summed by fact and day: (fact, fact_date, quantity, evidence), facts of quantity 0 left out
    as `due` leaves them. Weighings and pickups are grouped by day before the days in force are joined, so no
    fact carries a ref. A weighing's WIB day is found by a binary search of the instants the days start
    (:<first>_starts, by clock.wib_day_bounds: the n-th bucket is the n-th day from :<first>_day), where
    AT TIME ZONE 'Asia/Jakarta' on each weighing cost a tenth of the query; the straight and general quantities
    are tested to agree."""
    return f"""
    SELECT 'tonnage' AS fact, f.day AS fact_date, w.quantity, w.evidence
    FROM (SELECT width_bucket(w.weighed_at, CAST(:{first}_starts AS timestamptz[])) AS n,
                 sum(w.net_kg) AS quantity, count(*) AS evidence
          FROM weighings w WHERE {_WEIGHED} AND w.net_kg <> 0 GROUP BY 1) w
    JOIN in_force f ON f.day = CAST(:{first}_day AS date) + (w.n - 1)
    UNION ALL
    SELECT 'missed_pickup', f.day, p.evidence, p.evidence
    FROM (SELECT p.date, count(*) AS evidence FROM pickups p WHERE {_MISSED} GROUP BY p.date) p
    JOIN in_force f ON f.day = p.date
    UNION ALL
    SELECT fact, fact_date, sum(quantity), count(*) FROM ({_SMALL_FACTS}) small GROUP BY fact, fact_date
    """.format(first=first, following=following)


# What frozen invoices billed of the months in scope, per fact.
_BILLED = """
billed AS (
    SELECT e.fact, e.ref, e.fact_month, e.fact_date, sum(e.quantity) AS quantity
    FROM invoice_evidence e JOIN invoices i ON i.id = e.invoice_id
    WHERE i.contract_id = CAST(:contract_id AS uuid) AND i.status <> 'draft'
      AND e.fact_month = ANY(CAST(:months AS text[]))
    GROUP BY e.fact, e.ref, e.fact_month, e.fact_date
)"""

# The facts of every month in scope against what the frozen invoices billed of them, per ref: what is due.
_FACTS = f"""{_IN_FORCE},
facts AS ({_facts("from", "to")}
),{_BILLED},
due AS (
    SELECT CASE WHEN fact_month = :month THEN fact ELSE 'adjustment_' || fact END AS kind,
           fact, ref, fact_month, fact_date, coalesce(f.quantity, 0) - coalesce(b.quantity, 0) AS quantity
    FROM (SELECT fact, ref, to_char(fact_date, 'YYYY-MM') AS fact_month, fact_date, quantity FROM facts) f
    FULL JOIN billed b USING (fact, ref, fact_month, fact_date)
    WHERE fact_month = ANY(CAST(:months AS text[]))
)
"""

# Quantity and evidence count per line kind and WIB date: the general per-ref diff of every month in scope.
_QUANTITIES = text(
    "WITH " + _FACTS + "SELECT kind, fact_date, sum(quantity) AS quantity, count(*) AS evidence "
    "FROM due WHERE quantity <> 0 GROUP BY kind, fact_date"
)

# The same when no frozen invoice can hold evidence of the month drafted (FactsQuery.straight): the month's own
# facts summed straight (`_sums`, as cheap as one aggregate over them), the per-ref diff only for the earlier
# months' adjustments, over their own days; with no earlier month in scope, the sums alone.
_MONTH_SUMS = f"SELECT fact AS kind, fact_date, quantity, evidence FROM ({_sums('month_first', 'to')}) month"
_QUANTITIES_MONTH = text(f"WITH {_IN_FORCE}\n{_MONTH_SUMS}")
_QUANTITIES_STRAIGHT = text(
    f"""WITH {_IN_FORCE},{_BILLED},
due_before AS (
    SELECT 'adjustment_' || fact AS kind, fact_date, coalesce(f.quantity, 0) - coalesce(b.quantity, 0) AS quantity
    FROM (SELECT fact, ref, to_char(fact_date, 'YYYY-MM') AS fact_month, fact_date, quantity
          FROM ({_facts("from", "month_first")}) before) f
    FULL JOIN (SELECT * FROM billed WHERE fact_month <> :month) b USING (fact, ref, fact_month, fact_date)
    WHERE fact_month = ANY(CAST(:months AS text[]))
)
SELECT kind, fact_date, sum(quantity) AS quantity, count(*) AS evidence FROM due_before
WHERE quantity <> 0 GROUP BY kind, fact_date
UNION ALL
{_MONTH_SUMS}"""
)

_FREEZE = text(
    "WITH "
    + _FACTS
    + """
INSERT INTO invoice_evidence (invoice_id, kind, ref, fact, fact_month, fact_date, quantity)
SELECT CAST(:invoice_id AS uuid), kind, ref, fact, fact_month, fact_date, quantity FROM due WHERE quantity <> 0"""
)

_EVIDENCE_LIVE = text(
    "WITH "
    + _FACTS
    + """
SELECT kind, ref, fact_month, fact_date, quantity FROM due
WHERE quantity <> 0 AND (CAST(:kind AS text) IS NULL OR kind = :kind)
ORDER BY kind, fact_date, ref LIMIT :limit OFFSET :offset"""
)

_EMBED_LIVE = text(
    "WITH "
    + _FACTS
    + """
SELECT kind, fact_date, ref FROM (
    SELECT kind, fact_date, ref, row_number() OVER (PARTITION BY kind ORDER BY fact_date, ref) AS n
    FROM due WHERE quantity <> 0
) ranked WHERE n <= :limit ORDER BY kind, n"""
)

_EMBED_FROZEN = text("""
SELECT kind, fact_date, ref FROM (
    SELECT kind, fact_date, ref, row_number() OVER (PARTITION BY kind ORDER BY fact_date, ref) AS n
    FROM invoice_evidence WHERE invoice_id = CAST(:invoice_id AS uuid)
) ranked WHERE n <= :limit ORDER BY kind, n""")

_EVIDENCE_LIVE_COUNT = text(
    "WITH "
    + _FACTS
    + """
SELECT count(*) FROM due WHERE quantity <> 0 AND (CAST(:kind AS text) IS NULL OR kind = :kind)"""
)


@dataclass(frozen=True)
class FactsQuery:
    """Which facts a month's invoice bills: its own month and earlier months whose invoice is frozen, on the
    days in force among them, as of an instant (an open complaint's days are counted up to it)."""

    contract_id: str
    month: str
    months: tuple[str, ...]
    in_force: tuple[tuple[date, int], ...]  # each day in force in the range, with its shortfall allowance
    as_of: datetime
    complaint_days: tuple[tuple[str, date], ...] = ()  # (ref, WIB day it starts) of each started day overdue
    # No invoice of this month or a later one is frozen, so none holds evidence of this month (a frozen invoice
    # bills facts of its own month and earlier ones only): its facts are summed straight, not diffed per ref.
    straight: bool = False

    def params(self) -> dict:
        first = min(clock.month_bounds(m)[0] for m in self.months)
        following = max(clock.month_bounds(m)[1] for m in self.months)
        month_first = clock.month_bounds(self.month)[0]
        return {
            "contract_id": self.contract_id,
            "month": self.month,
            "months": list(self.months),
            "days": [day for day, _ in self.in_force],
            "allowances": [n for _, n in self.in_force],
            "complaint_refs": [ref for ref, _ in self.complaint_days],
            "complaint_days": [day for _, day in self.complaint_days],
            "from_day": first,
            "to_day": following,
            "month_first_day": month_first,
            "from_at": clock.wib_day_bounds(first)[0],
            "to_at": clock.wib_day_bounds(following)[0],
            "month_first_at": clock.wib_day_bounds(month_first)[0],
            "month_first_starts": [
                clock.wib_day_bounds(month_first + timedelta(days=n))[0] for n in range((following - month_first).days)
            ],
        }


def complaint_days(
    session: Session, contract_id: str, first: date, following: date, as_of: datetime, in_force: Callable[[date], bool]
) -> tuple[tuple[str, date], ...]:
    """Every started day overdue in [first, following) as of `as_of`, resolved or not, on days in force:
    ("<complaint id>/<n>", the WIB day the n-th starts), by shared.contract_terms.overdue_day_starts."""
    from_at, until = complaint_bounds(first, following, as_of)
    rows = session.connection().exec_driver_sql(COMPLAINTS, {"c": contract_id, "until": until, "from_at": from_at})
    return overdue_days(rows.all(), first, following, as_of, in_force)


# The complaints that may have days overdue in a range (psycopg's SQL: a draft sends it in its pipeline of reads).
COMPLAINTS = (
    "SELECT complaint_id::text AS complaint_id, due_at, resolved_at FROM complaints "
    "WHERE contract_id = CAST(%(c)s AS uuid) AND due_at <= %(until)s AND (resolved_at IS NULL OR resolved_at > %(from_at)s)"
)


def complaint_bounds(first: date, following: date, as_of: datetime) -> tuple[datetime, datetime]:
    """The COMPLAINTS bounds of [first, following): the instant it starts, and the last one counted."""
    from_at, to_at = clock.wib_day_bounds(first)[0], clock.wib_day_bounds(following)[0]
    return from_at, min(as_of, to_at - timedelta(microseconds=1))  # the next midnight starts next month


def overdue_days(
    rows: Sequence[Any], first: date, following: date, as_of: datetime, in_force: Callable[[date], bool]
) -> tuple[tuple[str, date], ...]:
    """complaint_days() of the rows COMPLAINTS read (or more: a day outside the range is not counted)."""
    from_at, until = complaint_bounds(first, following, as_of)
    days = []
    for row in rows:
        for start in contract_terms.overdue_day_starts(row.due_at, row.resolved_at, until, in_force):
            if start >= from_at:
                days.append((f"{row.complaint_id}/{(start - row.due_at) // ONE_DAY + 1}", clock.wib_date(start)))
    return tuple(sorted(days))


def frozen_months(session: Session, contract_id: str) -> tuple[str, ...]:
    """The months of the contract's invoices that are no longer drafts."""
    rows: Sequence[str] = (
        session.execute(
            text("SELECT month FROM invoices WHERE contract_id = CAST(:c AS uuid) AND status <> 'draft'"),
            {"c": contract_id},
        )
        .scalars()
        .all()
    )
    return tuple(rows)


def quantities(session: Session, query: FactsQuery) -> list[FactGroup]:
    """Quantity and evidence count per line kind and WIB date, in one aggregate query."""
    statement = _QUANTITIES
    if query.straight:
        statement = _QUANTITIES_STRAIGHT if len(query.months) > 1 else _QUANTITIES_MONTH
    (rows,) = db.pipeline(session, [(_AS_SENT[statement], query.params())])
    return [FactGroup(kind, day, int(quantity), int(evidence)) for kind, day, quantity, evidence in rows]


# The quantities statements as psycopg takes them (%(name)s), sent without SQLAlchemy's execution (a draft's
# hottest statement: its binds and rows need no processing).
_AS_SENT = {
    statement: str(statement.compile(dialect=psycopg_dialect()))
    for statement in (_QUANTITIES, _QUANTITIES_STRAIGHT, _QUANTITIES_MONTH)
}


def freeze(session: Session, query: FactsQuery, invoice_id: str) -> None:
    """Write the evidence an invoice bills, one row a fact, as it is issued."""
    session.execute(_FREEZE, {**query.params(), "invoice_id": invoice_id})


def live_evidence(
    session: Session, query: FactsQuery, kind: str | None, limit: int, offset: int
) -> tuple[Sequence[Any], int]:
    params = {**query.params(), "kind": kind}
    rows = session.execute(_EVIDENCE_LIVE, {**params, "limit": limit, "offset": offset}).all()
    total: int = session.execute(_EVIDENCE_LIVE_COUNT, params).scalar_one()
    return rows, total


def embedded(
    session: Session, query: FactsQuery | None, invoice_id: str, limit: int
) -> dict[str, list[tuple[date, str]]]:
    """The first `limit` evidence (date, ref) of each line kind: live for a draft (its query given), frozen otherwise."""
    if query is not None:
        rows = session.execute(_EMBED_LIVE, {**query.params(), "limit": limit}).all()
    else:
        rows = session.execute(_EMBED_FROZEN, {"invoice_id": invoice_id, "limit": limit}).all()
    refs: dict[str, list[tuple[date, str]]] = {}
    for row in rows:
        refs.setdefault(row.kind, []).append((row.fact_date, row.ref))
    return refs


def frozen_evidence(
    session: Session, invoice_id: str, kind: str | None, limit: int, offset: int
) -> tuple[Sequence[Any], int]:
    params = {"invoice_id": invoice_id, "kind": kind}
    where = "invoice_id = CAST(:invoice_id AS uuid) AND (CAST(:kind AS text) IS NULL OR kind = :kind)"
    rows = session.execute(
        text(
            f"SELECT kind, ref, fact_month, fact_date, quantity FROM invoice_evidence "
            f"WHERE {where} ORDER BY kind, fact_date, ref LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": limit, "offset": offset},
    ).all()
    total: int = session.execute(text(f"SELECT count(*) FROM invoice_evidence WHERE {where}"), params).scalar_one()
    return rows, total


def all_refs(session: Session, invoice_id: str) -> dict[str, list[str]]:
    """Every frozen evidence ref by line kind (for billing.penalty.assessed)."""
    rows = session.execute(
        text(
            "SELECT kind, array_agg(ref ORDER BY fact_month, ref) AS refs FROM invoice_evidence "
            "WHERE invoice_id = CAST(:i AS uuid) GROUP BY kind"
        ),
        {"i": invoice_id},
    ).all()
    return {row.kind: list(row.refs) for row in rows}
