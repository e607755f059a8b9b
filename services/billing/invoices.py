"""Invoice use cases: draft (recomputed from the ledger), issue (freeze), approve, pay; how they read: invoice_views."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Sequence

from sqlalchemy import Uuid, select, text
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from services.billing import describe, digests, facts, pricing, termin
from services.billing.models import Contract, Invoice, InvoiceLine
from services.billing.readmodel import TIMELINE, timeline_from, timeline_of
from services.billing.timeline import Timeline
from shared import audit, auth, clock, db, outbox
from shared.errors import conflict, invalid, not_found

NEXT_STATUS = {"issue": ("draft", "issued"), "approve": ("issued", "approved"), "pay": ("approved", "paid")}
REFRESH_BATCH = 50  # stale contracts repriced per tick


FIGURES = (  # what pricing.compute gives an invoice, stored on its row
    "tonnage_kg",
    "tonnage_gross_rp",
    "ceiling_excess_rp",
    "tonnage_rp",
    "deductions_gross_rp",
    "capped_rp",
    "carried_in_rp",
    "deductions_rp",
    "carried_out_rp",
    "dpp_rp",
    "ppn_rp",
    "total_rp",
    "cap_used_rp",
    "assessed_rp",
    "bond_claim_rp",
)
LINE_COLUMNS = (  # of pricing.Line, stored on invoice_lines
    "kind",
    "category",
    "quantity",
    "unit",
    "unit_rp",
    "amount_rp",
    "evidence_count",
    "first_date",
    "last_date",
)


def facts_query(
    session: Session,
    contract: Contract,
    timeline: Timeline,
    month: str,
    as_of: datetime,
    frozen: Sequence[Any] | None = None,
) -> facts.FactsQuery:
    """What the invoice of `month` bills (facts.FactsQuery): its own month and the earlier issued months (their late
    facts become adjustments), on their days in force, complaint days counted up to `as_of`. `frozen`: the
    contract's frozen invoices when the caller has read them (frozen_invoices), else read here."""
    frozen_months = [row.month for row in frozen] if frozen is not None else facts.frozen_months(session, contract.id)
    return _facts_query(
        contract.id,
        timeline,
        month,
        as_of,
        frozen_months,
        lambda first, following: facts.complaint_days(session, contract.id, first, following, as_of, timeline.in_force),
    )


def _scope(month: str, frozen_months: Sequence[str]) -> tuple[tuple[str, ...], date, date]:
    """The months a draft of `month` bills (the frozen ones before it, then its own), its first day and the day
    after it."""
    months = tuple(sorted(m for m in frozen_months if m < month)) + (month,)
    return months, clock.month_bounds(months[0])[0], clock.month_bounds(month)[1]


def _facts_query(
    contract_id: str,
    timeline: Timeline,
    month: str,
    as_of: datetime,
    frozen_months: Sequence[str],
    complaint_days_in: Callable[[date, date], tuple[tuple[str, date], ...]],
) -> facts.FactsQuery:
    """The facts query of a draft of `month`; complaint_days_in(first, following) counts the scope's complaint
    days (read from the database, or from complaints already read)."""
    months, first, following = _scope(month, frozen_months)
    complaint_days = complaint_days_in(first, following)
    in_force = tuple((day, terms.shortfall_days_allowed) for day, terms in timeline.days(first, following))
    straight = all(m < month for m in frozen_months)
    return facts.FactsQuery(contract_id, month, months, in_force, as_of, complaint_days, straight)


def frozen_invoices(session: Session, contract_id: str) -> Sequence[Any]:
    """The contract's invoices that are no longer drafts, with what the ledger sums of them: one read for both the
    months a draft's scope adjusts and the ledger before it."""
    return session.connection().exec_driver_sql(_FROZEN, {"c": contract_id}).all()


def ledger_before(
    session: Session, contract_id: str, invoice_id: str | None, frozen: Sequence[Any] | None = None
) -> pricing.LedgerBefore:
    """What the contract's frozen invoices other than this one billed and carried."""
    rows = [
        row
        for row in (frozen if frozen is not None else frozen_invoices(session, contract_id))
        if row.id != str(invoice_id)
    ]
    return pricing.LedgerBefore(
        sum(int(r.tonnage_rp) for r in rows),
        sum(int(r.deductions_gross_rp) for r in rows),
        sum(int(r.carried) for r in rows),
        sum(int(r.bond_claim_rp) for r in rows),
    )


# What a draft reads once its invoice row is locked, sent together (db.pipeline, _read): the contract row, locked
# (it serialises a contract's invoices), its timeline, its frozen invoices, and the complaints of the draft's scope:
# it starts at the earliest frozen month before the draft's, or its own (_scope), taken here in SQL from the same
# invoices the frozen read returns; facts.overdue_days keeps only the days from that instant on. Last, the
# statements that follow (the quantities, the writes, a view's evidence) are planned with their values for the
# rest of the transaction: psycopg prepares a statement on its fifth execution on a connection, and PostgreSQL's
# generic plan for the quantities then estimates a contract's month at ten rows and walks the (contract, date)
# index through all of them, three times slower (docs/perf/README.md).
_CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"
_CONTRACT = (
    "SELECT base_terms, activated_on, contractor_id::text AS contractor_id FROM contracts"
    " WHERE id = CAST(%(c)s AS uuid) FOR UPDATE"
)
_FROZEN = (
    "SELECT id::text AS id, month, tonnage_rp, deductions_gross_rp, carried_out_rp - carried_in_rp AS carried,"
    " bond_claim_rp FROM invoices WHERE contract_id = CAST(%(c)s AS uuid) AND status <> 'draft'"
)
_SCOPE_COMPLAINTS = """
SELECT complaint_id::text AS complaint_id, due_at, resolved_at FROM complaints
WHERE contract_id = CAST(%(c)s AS uuid) AND due_at <= %(until)s
  AND (resolved_at IS NULL OR resolved_at > least(%(month_at)s, (
      SELECT CAST(to_date(min(month), 'YYYY-MM') AS timestamp) AT TIME ZONE 'Asia/Jakarta' FROM invoices
      WHERE contract_id = CAST(%(c)s AS uuid) AND status <> 'draft' AND month < %(month)s)))"""

# What a draft writes, sent together with its audit entry: its lines replaced (one INSERT of them all, given as one
# JSON parameter: a few lines of a dozen columns, cheaper to send than as a dozen arrays), its figures.
_DELETE_LINES = "DELETE FROM invoice_lines WHERE invoice_id = CAST(%(i)s AS uuid)"
_INSERT_LINES = """
INSERT INTO invoice_lines (invoice_id, position, description, kind, category, quantity, unit, unit_rp, amount_rp,
                           evidence_count, first_date, last_date)
SELECT CAST(%(i)s AS uuid), * FROM jsonb_to_recordset(CAST(%(lines)s AS jsonb)) AS t(
    position int, description text, kind text, category text, quantity bigint, unit text, unit_rp bigint,
    amount_rp bigint, evidence_count int, first_date date, last_date date)"""
_UPDATE = (
    "UPDATE invoices SET "
    + ", ".join(f"{name} = %({name})s" for name in ("kind", *FIGURES, "performance_bond_rp", "computed_at"))
    + " WHERE id = CAST(%(i)s AS uuid)"
)


# The draft's invoice row, locked, as the ORM maps it (ids as text), read first in the same pipeline.
_INVOICE = (
    "SELECT "
    + ", ".join(
        f"{column.name}::text AS {column.name}" if isinstance(column.type, Uuid) else column.name
        for column in Invoice.__table__.columns
    )
    + " FROM invoices WHERE contract_id = CAST(%(c)s AS uuid) AND month = %(month)s FOR UPDATE"
)


@dataclass(frozen=True)
class _Reads:
    """What a draft of a contract month reads, in one round trip (_read)."""

    now: datetime
    invoice: Any  # the invoice row (None when not asked for, or there is none)
    contract: Any  # base_terms, activated_on, contractor_id (None: no such contract)
    timeline_rows: Sequence[Any]
    frozen: Sequence[Any]
    complaints: Sequence[Any]


def _read(session: Session, contract_id: str, month: str, invoice_row: bool) -> _Reads:
    """The reads of a draft in one pipeline, the invoice row first when asked (invoice, then contract: the order
    every invoice change locks them in)."""
    now = clock.now()
    month_at, until = facts.complaint_bounds(*clock.month_bounds(month), now)
    scope = {"c": contract_id, "month": month, "month_at": month_at, "until": until}
    reads = [(_CONTRACT, scope), (TIMELINE, scope), (_FROZEN, scope), (_SCOPE_COMPLAINTS, scope), (_CUSTOM_PLANS, {})]
    if invoice_row:
        invoice, contract, timeline_rows, frozen, complaints, _ = db.pipeline(session, [(_INVOICE, scope), *reads])
    else:
        invoice, (contract, timeline_rows, frozen, complaints, _) = [], db.pipeline(session, reads)
    return _Reads(now, next(iter(invoice), None), next(iter(contract), None), timeline_rows, frozen, complaints)


def recompute(session: Session, invoice: Invoice) -> facts.FactsQuery:
    """Price a draft from the ledger as it stands now; the facts query it was priced over."""
    reads = _read(session, invoice.contract_id, invoice.month, invoice_row=False)
    query, writes = _reprice(session, invoice, reads)
    db.pipeline(session, writes)
    return query


def _reprice(session: Session, invoice: Invoice, reads: _Reads) -> tuple[facts.FactsQuery, list[db.Statement]]:
    """Price a draft over what was read: the facts query it was priced over and the writes that store it, which
    the caller sends in its transaction (recompute, or draft with its audit entry). The invoice object holds the
    new figures as stored: they are the row's once the writes are sent."""
    now, month = reads.now, invoice.month
    timeline = timeline_from(reads.contract.base_terms, reads.contract.activated_on, reads.timeline_rows)
    frozen_months = [row.month for row in reads.frozen]
    query = _facts_query(
        invoice.contract_id,
        timeline,
        month,
        now,
        frozen_months,
        lambda first, following: facts.overdue_days(reads.complaints, first, following, now, timeline.in_force),
    )
    kind = termin.kind_of(timeline, month)
    terms = termin.terms_for(timeline, month)
    lines = pricing.price_lines(facts.quantities(session, query), timeline.on)
    before = ledger_before(session, invoice.contract_id, invoice.id, reads.frozen)
    computed = pricing.compute(terms, before, lines, final=kind != termin.TERMIN)
    stored = {
        "kind": kind,
        **{name: getattr(computed, name) for name in FIGURES},
        "performance_bond_rp": terms.performance_bond_rp,
        "computed_at": now,
    }
    for name, value in stored.items():  # what the UPDATE below writes: the object is not left dirty for a flush
        set_committed_value(invoice, name, value)
    rows = [
        {"position": position, "description": describe.line(line, terms), **{n: getattr(line, n) for n in LINE_COLUMNS}}
        for position, line in enumerate(computed.lines, start=1)
    ]
    return query, [
        (_DELETE_LINES, {"i": invoice.id}),
        (_INSERT_LINES, {"i": invoice.id, "lines": json.dumps(rows, default=date.isoformat)}),
        (_UPDATE, {"i": invoice.id, **stored}),
    ]


def draft(session: Session, principal: auth.Principal, contract_id: str, month: str) -> Invoice:
    """Create or recompute the draft of a contract month."""
    return draft_priced(session, principal, contract_id, month)[0]


def draft_priced(
    session: Session, principal: auth.Principal, contract_id: str, month: str
) -> tuple[Invoice, facts.FactsQuery]:
    """A draft in four round trips: its reads (the transaction's BEGIN with them), its quantities, its writes with
    its audit entry, the COMMIT; a month's first draft adds the INSERT of its invoice."""
    reads = _read(session, contract_id, month, invoice_row=True)
    if reads.contract is None:
        raise invalid("unknown_contract", "No such contract is known to billing.", {"contract_id": ["unknown"]})
    if reads.invoice is None:
        timeline = timeline_from(reads.contract.base_terms, reads.contract.activated_on, reads.timeline_rows)
        termin.check_month(session, contract_id, timeline, month)
        invoice = Invoice(
            contract_id=contract_id,
            contractor_id=reads.contract.contractor_id,
            month=month,
            status="draft",
            created_at=reads.now,
            computed_at=reads.now,
        )
        session.add(invoice)
        session.flush()
    elif reads.invoice.status != "draft":
        raise conflict(
            "invoice_frozen",
            f"The invoice of {month} is {reads.invoice.status}; later evidence goes to "
            "the next month's draft as an adjustment.",
            {"month": [reads.invoice.status]},
        )
    else:  # the row as the ORM would have loaded it, without loading it again
        row = Invoice(**reads.invoice._asdict())
        make_transient_to_detached(row)
        invoice = session.merge(row, load=False)
    query, writes = _reprice(session, invoice, reads)
    entry = audit.statements(
        principal,
        "invoice.drafted",
        "invoice",
        invoice.id,
        {"contract_id": invoice.contract_id, "month": month, "total_rp": invoice.total_rp},
    )
    db.pipeline(session, writes + entry)
    return invoice, query


def refresh_stale_drafts(session: Session) -> int:
    """Reprice the drafts of contracts whose evidence changed (event handlers mark them): how drafts follow
    evidence without a read ever writing. Returns the drafts repriced.

    Locks go invoice, contract, then the stale mark, the order the API and the handlers take them in (a handler
    changing terms locks the contract before marking it), so the two never wait on each other in a circle."""
    stale: Sequence[Any] = (  # contract ids (UUIDs)
        session.execute(
            text("SELECT contract_id FROM stale_drafts ORDER BY contract_id LIMIT :n"), {"n": REFRESH_BATCH}
        )
        .scalars()
        .all()
    )
    repriced = 0
    for contract_id in (str(c) for c in stale):
        drafts = (
            session.execute(
                select(Invoice)
                .where(Invoice.contract_id == contract_id, Invoice.status == "draft")
                .order_by(Invoice.month)
                .with_for_update()
            )
            .scalars()
            .all()
        )
        if drafts:  # the contract before the stale mark
            session.get(Contract, contract_id, with_for_update=True)
        session.execute(text("DELETE FROM stale_drafts WHERE contract_id = CAST(:c AS uuid)"), {"c": contract_id})
        for invoice in drafts:
            recompute(session, invoice)
            repriced += 1
    return repriced


def load(session: Session, invoice_id, lock: bool = False, scoped: bool = True) -> Invoice:
    """The invoice, as the caller may see it when scoped (a contractor its own; another's is not found)."""
    query = select(Invoice).where(Invoice.id == str(invoice_id))
    if scoped:
        query = auth.scope(query, Invoice.contractor_id)
    invoice = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if invoice is None:
        raise not_found("Invoice")
    return invoice


def _change_event(invoice: Invoice) -> dict:
    return {
        "invoice_id": invoice.id,
        "contract_id": invoice.contract_id,
        "month": invoice.month,
        "dpp_rp": invoice.dpp_rp,
        "ppn_rp": invoice.ppn_rp,
        "total_rp": invoice.total_rp,
    }


def transition(session: Session, principal: auth.Principal, invoice_id, action: str) -> Invoice:
    """issue | approve | pay: each from its one allowed status, announced by its event."""
    invoice = load(session, invoice_id, lock=True, scoped=False)  # writes are dinas-only: no contractor scope
    required, target = NEXT_STATUS[action]
    if invoice.status != required:
        raise conflict(
            "invalid_status",
            f"Only a {required} invoice can be {target}; this one is {invoice.status}.",
            {"status": [invoice.status]},
        )
    now = clock.now()
    if action == "issue":
        _issue(session, invoice, now)
    setattr(invoice, f"{target}_at", now)
    invoice.status = target
    if action == "issue":
        digests.fix(session, invoice)  # the berita acara's hash: fixed once the invoice is frozen
    outbox.record(session, f"billing.invoice.{target}", _change_event(invoice), producer="billing")
    audit.append(
        session,
        principal,
        f"invoice.{target}",
        "invoice",
        invoice.id,
        {"contract_id": invoice.contract_id, "month": invoice.month, "total_rp": invoice.total_rp},
    )
    return invoice


def _issue(session: Session, invoice: Invoice, now: datetime) -> None:
    """Freeze: recompute once more, keep the billed facts, announce the penalties and a reached cap."""
    contract = session.get_one(Contract, invoice.contract_id, with_for_update=True)
    timeline = timeline_of(session, contract)
    earlier = (
        session.execute(
            select(Invoice.month)
            .where(Invoice.contract_id == contract.id, Invoice.status == "draft", Invoice.month < invoice.month)
            .order_by(Invoice.month)
        )
        .scalars()
        .all()
    )
    if earlier:  # months are issued in order: a later one's adjustments and cap rest on the earlier ones
        raise conflict(
            "earlier_month_open",
            f"The invoice of {earlier[0]} is still a draft; issue it first.",
            {"month": list(earlier)},
        )
    if termin.kind_of(timeline, invoice.month) == termin.CLOSING:
        termin.check_month(session, contract.id, timeline, invoice.month)
    elif now < termin.issuable_from(timeline, invoice.month):
        opens = clock.to_wib(termin.issuable_from(timeline, invoice.month))
        raise conflict(
            "month_not_ended",
            f"{invoice.month} can be issued from {opens:%Y-%m-%d %H:%M} WIB: the month "
            "must have ended and its sync allowance passed.",
            {"month": [invoice.month]},
        )
    query = recompute(session, invoice)
    facts.freeze(session, query, invoice.id)
    refs = facts.all_refs(session, invoice.id)
    amounts: dict[str, int] = {}
    for line in session.execute(
        select(InvoiceLine).where(
            InvoiceLine.invoice_id == invoice.id,
            InvoiceLine.category == "deduction",
            InvoiceLine.kind != pricing.CARRIED,
        )
    ).scalars():
        amounts[line.kind] = amounts.get(line.kind, 0) + line.amount_rp
    for kind, amount in amounts.items():
        outbox.record(
            session,
            "billing.penalty.assessed",
            {
                "contract_id": invoice.contract_id,
                "month": invoice.month,
                "kind": kind,
                "amount_rp": amount,
                "evidence": refs.get(kind, []),
            },
            producer="billing",
        )
    cap_rp = termin.terms_for(timeline, invoice.month).cap_rp
    if contract.cap_reached_at is None and invoice.cap_used_rp >= cap_rp:
        contract.cap_reached_at = now
        outbox.record(
            session,
            "billing.penalty.cap_reached",
            {"contract_id": contract.id, "cap_rp": cap_rp, "at": now},
            producer="billing",
        )
