"""Invoice use cases: draft (recomputed from the ledger), issue (freeze), approve, pay; how they read: invoice_views."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from services.billing import describe, digests, facts, pricing, termin
from services.billing.models import Contract, Invoice, InvoiceLine
from services.billing.readmodel import timeline_of
from services.billing.timeline import Timeline
from shared import audit, auth, clock, outbox
from shared.errors import conflict, invalid, not_found

NEXT_STATUS = {"issue": ("draft", "issued"), "approve": ("issued", "approved"), "pay": ("approved", "paid")}
REFRESH_BATCH = 50  # stale contracts repriced per tick


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
    months = tuple(sorted(m for m in frozen_months if m < month)) + (month,)
    first = min(clock.month_bounds(m)[0] for m in months)
    following = clock.month_bounds(month)[1]
    in_force = tuple((day, terms.shortfall_days_allowed) for day, terms in timeline.days(first, following))
    complaint_days = facts.complaint_days(session, contract.id, first, following, as_of, timeline.in_force)
    straight = all(m < month for m in frozen_months)
    return facts.FactsQuery(contract.id, month, months, in_force, as_of, complaint_days, straight)


def frozen_invoices(session: Session, contract_id: str) -> Sequence[Any]:
    """The contract's invoices that are no longer drafts, with what the ledger sums of them: one read for both the
    months a draft's scope adjusts and the ledger before it."""
    return session.execute(
        text(
            "SELECT id::text AS id, month, tonnage_rp, deductions_gross_rp, carried_out_rp - carried_in_rp AS carried,"
            " bond_claim_rp FROM invoices WHERE contract_id = CAST(:c AS uuid) AND status <> 'draft'"
        ),
        {"c": contract_id},
    ).all()


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


def recompute(session: Session, invoice: Invoice, contract: Contract | None = None) -> facts.FactsQuery:
    """Price a draft from the ledger as it stands now; the facts query it was priced over.

    The contract row lock (taken here unless the caller passes the contract it already locked) serialises a
    contract's invoices."""
    contract = contract or session.get_one(Contract, invoice.contract_id, with_for_update=True)
    timeline = timeline_of(session, contract)
    now = clock.now()
    frozen = frozen_invoices(session, contract.id)
    query = facts_query(session, contract, timeline, invoice.month, now, frozen)
    invoice.kind = termin.kind_of(timeline, invoice.month)
    terms = termin.terms_for(timeline, invoice.month)
    lines = pricing.price_lines(facts.quantities(session, query), timeline.on)
    computed = pricing.compute(
        terms, ledger_before(session, contract.id, invoice.id, frozen), lines, final=invoice.kind != termin.TERMIN
    )
    session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
    session.add_all(
        InvoiceLine(invoice_id=invoice.id, position=position, description=describe.line(line, terms), **asdict(line))
        for position, line in enumerate(computed.lines, start=1)
    )
    for name in (
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
    ):
        setattr(invoice, name, getattr(computed, name))
    invoice.performance_bond_rp = terms.performance_bond_rp
    invoice.computed_at = now
    session.flush()
    return query


def draft(session: Session, principal: auth.Principal, contract_id: str, month: str) -> Invoice:
    """Create or recompute the draft of a contract month."""
    return draft_priced(session, principal, contract_id, month)[0]


def draft_priced(
    session: Session, principal: auth.Principal, contract_id: str, month: str
) -> tuple[Invoice, facts.FactsQuery]:
    # invoice row, then contract row: the order every invoice change locks them in
    invoice = session.execute(
        select(Invoice).where(Invoice.contract_id == contract_id, Invoice.month == month).with_for_update()
    ).scalar_one_or_none()
    contract = session.get(Contract, contract_id, with_for_update=True)
    if contract is None:
        raise invalid("unknown_contract", "No such contract is known to billing.", {"contract_id": ["unknown"]})
    if invoice is None:
        termin.check_month(session, contract, timeline_of(session, contract), month)
        now = clock.now()
        invoice = Invoice(
            contract_id=contract.id,
            contractor_id=contract.contractor_id,
            month=month,
            status="draft",
            created_at=now,
            computed_at=now,
        )
        session.add(invoice)
        session.flush()
    elif invoice.status != "draft":
        raise conflict(
            "invoice_frozen",
            f"The invoice of {month} is {invoice.status}; later evidence goes to "
            "the next month's draft as an adjustment.",
            {"month": [invoice.status]},
        )
    query = recompute(session, invoice, contract)
    audit.append(
        session,
        principal,
        "invoice.drafted",
        "invoice",
        invoice.id,
        {"contract_id": contract.id, "month": month, "total_rp": invoice.total_rp},
    )
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
        contract = session.get(Contract, contract_id, with_for_update=True) if drafts else None
        session.execute(text("DELETE FROM stale_drafts WHERE contract_id = CAST(:c AS uuid)"), {"c": contract_id})
        for invoice in drafts:
            recompute(session, invoice, contract)
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
        termin.check_month(session, contract, timeline, invoice.month)
    elif now < termin.issuable_from(timeline, invoice.month):
        opens = clock.to_wib(termin.issuable_from(timeline, invoice.month))
        raise conflict(
            "month_not_ended",
            f"{invoice.month} can be issued from {opens:%Y-%m-%d %H:%M} WIB: the month "
            "must have ended and its sync allowance passed.",
            {"month": [invoice.month]},
        )
    query = recompute(session, invoice, contract)
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
