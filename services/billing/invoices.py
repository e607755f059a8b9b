"""Invoice use cases: draft (recomputed from the ledger), issue (freeze), approve, pay, and reading them."""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from services.billing import describe, digests, facts, invoicing, objections
from services.billing.models import Contract, Invoice, InvoiceLine
from services.billing.terms import Terms
from shared import audit, auth, clock, outbox
from shared.errors import conflict, invalid, not_found
from shared.pagination import paginate

EMBEDDED_EVIDENCE = 1000  # refs per line in an invoice body; the rest through /invoices/{id}/evidence
NEXT_STATUS = {"issue": ("draft", "issued"), "approve": ("issued", "approved"), "pay": ("approved", "paid")}


def terms_of(contract: Contract) -> Terms:
    return Terms(value_rp=contract.value_rp, unit_price_rp_per_ton=contract.unit_price_rp_per_ton,
                 ppn_rate=contract.ppn_rate, missed_pickup_rp=contract.missed_pickup_rp,
                 complaint_day_rp=contract.complaint_day_rp, shortfall_day_rp=contract.shortfall_day_rp,
                 cap_rp=contract.cap_rp, shortfall_days_allowed=contract.shortfall_days_allowed)


def scope_of(session: Session, contract: Contract, month: str) -> facts.Scope:
    months = facts.issued_months_before(session, contract.id, month) + (month,)
    return facts.Scope(contract.id, month, months, contract.shortfall_days_allowed)


def ledger_before(session: Session, contract_id: str, invoice_id: str | None) -> invoicing.LedgerBefore:
    row = session.execute(text(
        "SELECT coalesce(sum(tonnage_rp), 0) AS tonnage, coalesce(sum(deductions_gross_rp - capped_rp), 0) AS cap,"
        " coalesce(sum(carried_out_rp - carried_in_rp), 0) AS carried FROM invoices"
        " WHERE contract_id = CAST(:c AS uuid) AND status <> 'draft' AND id <> CAST(:i AS uuid)"),
        {"c": contract_id, "i": invoice_id or "00000000-0000-0000-0000-000000000000"}).one()
    return invoicing.LedgerBefore(int(row.tonnage), int(row.cap), int(row.carried))


def recompute(session: Session, invoice: Invoice, contract: Contract | None = None) -> facts.Scope:
    """Price a draft from the ledger as it stands; the scope it was priced over.

    The contract row lock (taken here unless the caller passes the contract it already locked) serialises a
    contract's invoices."""
    contract = contract or session.get(Contract, invoice.contract_id, with_for_update=True)
    terms = terms_of(contract)
    scope = scope_of(session, contract, invoice.month)
    quantities, counts = facts.quantities(session, scope)
    computed = invoicing.compute(terms, ledger_before(session, contract.id, invoice.id), quantities)
    session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
    session.add_all(InvoiceLine(invoice_id=invoice.id, position=position, description=describe.line(line, terms),
                                evidence_count=counts.get(line.kind, 0), **asdict(line))
                    for position, line in enumerate(computed.lines, start=1))
    for name in ("tonnage_kg", "tonnage_gross_rp", "ceiling_excess_rp", "tonnage_rp", "deductions_gross_rp",
                 "capped_rp", "carried_in_rp", "deductions_rp", "carried_out_rp", "dpp_rp", "ppn_rp", "total_rp",
                 "cap_used_rp"):
        setattr(invoice, name, getattr(computed, name))
    invoice.computed_at = clock.now()
    session.flush()
    return scope


def draft(session: Session, principal: auth.Principal, contract_id: str, month: str) -> Invoice:
    """Create or recompute the draft of a contract month."""
    return _draft(session, principal, contract_id, month)[0]


def draft_view(session: Session, principal: auth.Principal, contract_id: str, month: str) -> dict:
    """The draft of a contract month as shown, priced once (draft then view would price it twice)."""
    return view(session, *_draft(session, principal, contract_id, month))


def _draft(session: Session, principal: auth.Principal, contract_id: str, month: str) -> tuple[Invoice, facts.Scope]:
    # invoice row, then contract row: the order every invoice change locks them in
    invoice = session.execute(select(Invoice).where(Invoice.contract_id == contract_id, Invoice.month == month)
                              .with_for_update()).scalar_one_or_none()
    contract = session.get(Contract, contract_id, with_for_update=True)
    if contract is None:
        raise invalid("unknown_contract", "No such contract is known to billing.", {"contract_id": ["unknown"]})
    first, following = clock.month_bounds(month)
    if following <= contract.start_date or first > contract.end_date:
        raise invalid("outside_contract_period", "The month is outside the contract period.",
                      {"month": [f"contract runs {contract.start_date} to {contract.end_date}"]})
    if invoice is None:
        now = clock.now()
        invoice = Invoice(contract_id=contract.id, contractor_id=contract.contractor_id, month=month, status="draft",
                          created_at=now, computed_at=now)
        session.add(invoice)
        session.flush()
    elif invoice.status != "draft":
        raise conflict("invoice_frozen", f"The invoice of {month} is {invoice.status}; later evidence goes to "
                       "the next month's draft as an adjustment.", {"month": [invoice.status]})
    scope = recompute(session, invoice, contract)
    audit.append(session, principal, "invoice.drafted", "invoice", invoice.id,
                 {"contract_id": contract.id, "month": month, "total_rp": invoice.total_rp})
    return invoice, scope


def _load(session: Session, invoice_id, lock: bool = False, scoped: bool = True) -> Invoice:
    """The invoice, as the caller may see it when scoped (a contractor its own; another's is not found)."""
    query = select(Invoice).where(Invoice.id == str(invoice_id))
    if scoped:
        query = auth.scope(query, Invoice.contractor_id)
    invoice = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if invoice is None:
        raise not_found("Invoice")
    return invoice


def _change_event(invoice: Invoice) -> dict:
    return {"invoice_id": invoice.id, "contract_id": invoice.contract_id, "month": invoice.month,
            "dpp_rp": invoice.dpp_rp, "ppn_rp": invoice.ppn_rp, "total_rp": invoice.total_rp}


def transition(session: Session, principal: auth.Principal, invoice_id, action: str) -> Invoice:
    """issue | approve | pay: each from its one allowed status, announced by its event."""
    invoice = _load(session, invoice_id, lock=True, scoped=False)  # writes are dinas-only: no contractor scope
    required, target = NEXT_STATUS[action]
    if invoice.status != required:
        raise conflict("invalid_status", f"Only a {required} invoice can be {target}; this one is {invoice.status}.",
                       {"status": [invoice.status]})
    now = clock.now()
    if action == "issue":
        _issue(session, invoice, now)
    setattr(invoice, f"{target}_at", now)
    invoice.status = target
    if action == "issue":
        digests.fix(session, invoice)  # the berita acara's hash: fixed once the invoice is frozen
    outbox.record(session, f"billing.invoice.{target}", _change_event(invoice), producer="billing")
    audit.append(session, principal, f"invoice.{target}", "invoice", invoice.id,
                 {"contract_id": invoice.contract_id, "month": invoice.month, "total_rp": invoice.total_rp})
    return invoice


def _issue(session: Session, invoice: Invoice, now) -> None:
    """Freeze: recompute once more, keep the billed facts, announce the penalties and a reached cap."""
    if now < clock.wib_day_bounds(clock.month_bounds(invoice.month)[1])[0]:
        raise conflict("month_not_ended", f"{invoice.month} has not ended in WIB yet.", {"month": [invoice.month]})
    scope = recompute(session, invoice)
    contract = session.get(Contract, invoice.contract_id)  # locked by recompute, so from the identity map
    facts.freeze(session, scope, invoice.id)
    refs = facts.all_refs(session, invoice.id)
    lines = session.execute(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id,
                                                      InvoiceLine.category == "deduction",
                                                      InvoiceLine.kind != invoicing.CARRIED)).scalars().all()
    for line in lines:
        outbox.record(session, "billing.penalty.assessed", {
            "contract_id": invoice.contract_id, "month": invoice.month, "kind": line.kind,
            "amount_rp": line.amount_rp, "evidence": refs.get(line.kind, [])}, producer="billing")
    if contract.cap_reached_at is None and invoice.cap_used_rp >= contract.cap_rp:
        contract.cap_reached_at = now
        outbox.record(session, "billing.penalty.cap_reached",
                      {"contract_id": contract.id, "cap_rp": contract.cap_rp, "at": now}, producer="billing")


def get(session: Session, invoice_id) -> dict:
    """One invoice with its lines and their evidence; a draft is recomputed first, so it is never stale."""
    return view(session, _load(session, invoice_id, lock=True))


def view(session: Session, invoice: Invoice, scope: facts.Scope | None = None) -> dict:
    """The invoice with its lines and their first evidence; a draft is recomputed first unless `scope` says it
    just was (and over what)."""
    if invoice.status == "draft" and scope is None:
        scope = recompute(session, invoice)
    lines = session.execute(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                            .order_by(InvoiceLine.position)).scalars().all()
    refs = facts.embedded(session, scope, invoice.id, EMBEDDED_EVIDENCE)
    body = {column.name: getattr(invoice, column.name) for column in Invoice.__table__.columns}
    body["lines"] = [{**{column.name: getattr(line, column.name) for column in InvoiceLine.__table__.columns},
                      "evidence": refs.get(line.kind, [])} for line in lines]
    body["objections"] = objections.of_invoice(session, invoice.id)
    digest = digests.of_invoice(session, invoice.id)
    body["sha256"] = digest.sha256 if digest else None
    return body


def listing(session: Session, contract_id=None, month=None, status=None, page: int = 1, per_page: int = 50) -> dict:
    query = auth.scope(select(Invoice), Invoice.contractor_id)
    if contract_id:
        query = query.where(Invoice.contract_id == str(contract_id))
    if month:
        query = query.where(Invoice.month == month)
    if status:
        query = query.where(Invoice.status == status)
    result = paginate(session, query.order_by(Invoice.month.desc(), Invoice.id), page, per_page)
    result["items"] = [view(session, invoice) for invoice in result["items"]]
    return result


def evidence(session: Session, invoice_id, kind: str | None, page: int,
             per_page: int) -> dict:
    invoice = _load(session, invoice_id)
    offset = (page - 1) * per_page
    if invoice.status == "draft":
        scope = scope_of(session, session.get(Contract, invoice.contract_id), invoice.month)
        rows, total = facts.live_evidence(session, scope, kind, per_page, offset)
    else:
        rows, total = facts.frozen_evidence(session, invoice.id, kind, per_page, offset)
    return {"items": [row._asdict() for row in rows],
            "page": {"page": page, "per_page": per_page, "total": total, "pages": (total + per_page - 1) // per_page}}
