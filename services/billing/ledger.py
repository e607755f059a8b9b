"""A contract's ledger to date: deductions by kind, cap used, ceiling used, from its issued invoices."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.billing.models import Contract
from shared import auth
from shared.errors import not_found
from shared.pagination import paginate

# per contract of :ids (text[]), issued invoices only, in one statement each for any number of contracts
_TOTALS = text("""
SELECT c.id::text AS contract_id, count(i.id) AS invoices, coalesce(sum(i.tonnage_rp), 0) AS tonnage_rp,
       coalesce(sum(i.ceiling_excess_rp), 0) AS ceiling_excess_rp, coalesce(sum(i.deductions_rp), 0) AS deductions_rp,
       coalesce(sum(i.capped_rp), 0) AS capped_rp, coalesce(sum(i.deductions_gross_rp - i.capped_rp), 0) AS cap_used_rp,
       coalesce(sum(i.carried_out_rp - i.carried_in_rp), 0) AS carried_rp, coalesce(sum(i.total_rp), 0) AS invoiced_rp,
       coalesce(sum(i.bond_claim_rp), 0) AS bond_claim_rp
FROM unnest(CAST(:ids AS uuid[])) AS c(id)
LEFT JOIN invoices i ON i.contract_id = c.id AND i.status <> 'draft'
GROUP BY c.id""")

_BY_KIND = text("""
SELECT i.contract_id::text AS contract_id, l.kind, sum(l.amount_rp) AS amount_rp
FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
WHERE i.contract_id = ANY(CAST(:ids AS uuid[])) AND i.status <> 'draft' AND l.category = 'deduction'
  AND l.kind <> 'carried_deduction'  -- already counted on the invoice it came from
GROUP BY i.contract_id, l.kind ORDER BY l.kind""")


def ratio(used: int, of: int) -> float:
    """Shown, never compared: exact to six places from integers."""
    return float((Decimal(used) / Decimal(of)).quantize(Decimal("0.000001"))) if of else 0.0


def of_contract(session: Session, contract_id) -> dict:
    """Issued invoices only: a draft is not yet part of what the contractor was billed."""
    query = auth.scope(select(Contract).where(Contract.id == str(contract_id)), Contract.contractor_id)
    contract = session.execute(query).scalar_one_or_none()
    if contract is None:
        raise not_found("Contract")
    return _ledgers(session, [contract])[0]


def listing(session: Session, page: int, per_page: int) -> dict:
    """Every contract's ledger the caller may see (a contractor its own), by number: one read for a dashboard."""
    query = auth.scope(select(Contract), Contract.contractor_id).order_by(Contract.number, Contract.id)
    result = paginate(session, query, page, per_page)
    result["items"] = _ledgers(session, result["items"])
    return result


def _ledgers(session: Session, contracts: list[Contract]) -> list[dict]:
    """The contracts' ledgers in two statements, whatever their number."""
    if not contracts:
        return []
    ids = [str(contract.id) for contract in contracts]
    totals = {row.contract_id: row._asdict() for row in session.execute(_TOTALS, {"ids": ids})}
    by_kind: dict[str, dict[str, int]] = {contract_id: {} for contract_id in totals}
    for row in session.execute(_BY_KIND, {"ids": ids}):
        by_kind[row.contract_id][row.kind] = int(row.amount_rp)
    return [_ledger(contract, totals[str(contract.id)], by_kind[str(contract.id)]) for contract in contracts]


def _ledger(contract: Contract, totals: dict, by_kind: dict[str, int]) -> dict:
    totals = {name: int(value) for name, value in totals.items() if name != "contract_id"}
    return {
        "contract_id": contract.id,
        "number": contract.number,
        "status": contract.status,
        "value_rp": contract.value_rp,
        "cap_rp": contract.cap_rp,
        "performance_bond_rp": contract.performance_bond_rp,
        "cap_reached_at": contract.cap_reached_at,
        **totals,
        "deductions_by_kind": by_kind,
        "cap_used_ratio": ratio(totals["cap_used_rp"], contract.cap_rp),
        "ceiling_used_ratio": ratio(totals["tonnage_rp"], contract.value_rp),
    }
