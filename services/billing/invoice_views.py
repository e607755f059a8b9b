"""How an invoice reads: its lines with their first evidence, its stored totals, lists and the full evidence of a
line; the draft as shown once priced. Reads never lock nor rewrite an invoice (invoices.py changes them)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.billing import digests, facts, invoices, objections
from services.billing.models import Contract, Invoice, InvoiceLine
from services.billing.readmodel import timeline_of
from shared import auth
from shared.pagination import paginate

EMBEDDED_EVIDENCE = 1000  # refs per line kind in an invoice body; the rest through /invoices/{id}/evidence


def draft_view(session: Session, principal: auth.Principal, contract_id: str, month: str) -> dict:
    """The draft of a contract month as shown, priced once (draft then view would price it twice)."""
    return view(session, *invoices.draft_priced(session, principal, contract_id, month))


def get(session: Session, invoice_id) -> dict:
    """One invoice with its lines and their evidence, as last computed: a read never locks nor rewrites it."""
    return view(session, invoices.load(session, invoice_id))


def _draft_facts_query(session: Session, invoice: Invoice) -> facts.FactsQuery:
    """The facts query a draft was last priced over (its complaint days as of computed_at), for its live evidence."""
    contract = session.get_one(Contract, invoice.contract_id)
    return invoices.facts_query(session, contract, timeline_of(session, contract), invoice.month, invoice.computed_at)


def view(session: Session, invoice: Invoice, query: facts.FactsQuery | None = None) -> dict:
    """The invoice with its lines and their first evidence, read as stored (a draft with when it was computed)."""
    if invoice.status == "draft" and query is None:
        query = _draft_facts_query(session, invoice)
    lines = (
        session.execute(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position))
        .scalars()
        .all()
    )
    refs = facts.embedded(session, query if invoice.status == "draft" else None, invoice.id, EMBEDDED_EVIDENCE)
    body = summary_view(session, invoice)
    body["lines"] = [
        {
            **{column.name: getattr(line, column.name) for column in InvoiceLine.__table__.columns},
            "evidence": _line_refs(line, refs),
        }
        for line in lines
    ]
    body["objections"] = objections.of_invoice(session, invoice.id)
    digest = digests.of_invoice(session, invoice.id)
    body["sha256"] = digest.sha256 if digest else None
    return body


def _line_refs(line: InvoiceLine, refs: dict[str, list[tuple[date, str]]]) -> list[str]:
    """A line's evidence: the refs of its kind on the dates it covers."""
    if line.first_date is None:
        return []
    assert line.last_date is not None, "a line's dates are both set (facts) or both empty (carried, bond claim)"
    return [ref for day, ref in refs.get(line.kind, []) if line.first_date <= day <= line.last_date]


def summary_view(session: Session, invoice: Invoice) -> dict:
    """The invoice's stored totals and its contract's number, without lines, evidence or objections: a draft's
    evidence needs its scope (the contract's timeline and complaint days), which a list of totals does not."""
    body = {column.name: getattr(invoice, column.name) for column in Invoice.__table__.columns}
    body["contract_number"] = session.get_one(Contract, invoice.contract_id).number
    return body


def listing(
    session: Session,
    contract_id=None,
    month=None,
    status=None,
    page: int = 1,
    per_page: int = 50,
    summary: bool = False,
) -> dict:
    query = auth.scope(select(Invoice), Invoice.contractor_id)
    if contract_id:
        query = query.where(Invoice.contract_id == str(contract_id))
    if month:
        query = query.where(Invoice.month == month)
    if status:
        query = query.where(Invoice.status == status)
    result = paginate(session, query.order_by(Invoice.month.desc(), Invoice.id), page, per_page)
    shown = summary_view if summary else view
    result["items"] = [shown(session, invoice) for invoice in result["items"]]
    return result


def evidence(session: Session, invoice_id, kind: str | None, page: int, per_page: int) -> dict:
    invoice = invoices.load(session, invoice_id)
    offset = (page - 1) * per_page
    if invoice.status == "draft":
        rows, total = facts.live_evidence(session, _draft_facts_query(session, invoice), kind, per_page, offset)
    else:
        rows, total = facts.frozen_evidence(session, invoice.id, kind, per_page, offset)
    return {
        "items": [row._asdict() for row in rows],
        "page": {"page": page, "per_page": per_page, "total": total, "pages": (total + per_page - 1) // per_page},
    }
