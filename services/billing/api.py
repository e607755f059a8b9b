"""Billing's HTTP API: invoices (draft, issue, approve, pay, read) and a contract's ledger; views stay thin."""
from __future__ import annotations

from flask_smorest import Blueprint

from services.billing import invoices, ledger
from services.billing.schemas import (DraftRequest, EvidenceFilter, EvidenceSchema, InvoiceFilter, InvoiceSchema,
                                      LedgerSchema)
from shared import auth
from shared.pagination import PageArgs, page_of
from shared.web import transaction

invoices_blp = Blueprint("invoices", __name__, url_prefix="/invoices", description="Monthly invoices (termin).")
ledger_blp = Blueprint("ledger", __name__, url_prefix="/contracts", description="A contract's billing ledger.")


@invoices_blp.route("", methods=["POST"])
@auth.roles(*auth.DINAS)
@invoices_blp.arguments(DraftRequest)
@invoices_blp.response(200, InvoiceSchema)
def create_draft(args):
    """Create or recompute the draft invoice of a contract month."""
    with transaction() as session:
        return invoices.draft_view(session, auth.current(), str(args["contract_id"]), args["month"])


@invoices_blp.route("", methods=["GET"])
@auth.roles(*auth.READERS)
@invoices_blp.arguments(InvoiceFilter, location="query")
@invoices_blp.response(200, page_of(InvoiceSchema))
def list_invoices(args):
    """List invoices (a contractor sees its own), newest month first."""
    with transaction() as session:
        return invoices.listing(session, **args)


@invoices_blp.route("/<uuid:invoice_id>", methods=["GET"])
@auth.roles(*auth.READERS)
@invoices_blp.response(200, InvoiceSchema)
def get_invoice(invoice_id):
    """One invoice with its lines and evidence, as last computed (reading never reprices nor locks it)."""
    with transaction() as session:
        return invoices.get(session, invoice_id)


@invoices_blp.route("/<uuid:invoice_id>/evidence", methods=["GET"])
@auth.roles(*auth.READERS)
@invoices_blp.arguments(EvidenceFilter, location="query")
@invoices_blp.response(200, page_of(EvidenceSchema))
def list_evidence(args, invoice_id):
    """Every fact an invoice bills, by line kind, paginated."""
    with transaction() as session:
        return invoices.evidence(session, invoice_id, args.get("kind"), args["page"], args["per_page"])


def _transition(action: str, summary: str):
    @auth.roles(*auth.DINAS)
    @invoices_blp.response(200, InvoiceSchema)
    def change(invoice_id):
        with transaction() as session:
            return invoices.view(session, invoices.transition(session, auth.current(), invoice_id, action))

    change.__name__ = f"{action}_invoice"
    change.__doc__ = summary
    invoices_blp.route(f"/<uuid:invoice_id>/{action}", methods=["POST"], endpoint=change.__name__)(change)


_transition("issue", "Issue a draft once its month and sync allowance have passed: repriced once more and frozen.")
_transition("approve", "Approve an issued invoice.")
_transition("pay", "Record an approved invoice as paid.")


@ledger_blp.route("/ledgers", methods=["GET"])
@auth.roles(*auth.READERS)
@ledger_blp.arguments(PageArgs, location="query")
@ledger_blp.response(200, page_of(LedgerSchema))
def list_ledgers(args):
    """Every contract's ledger (a contractor sees its own), by contract number: the dashboard's one read."""
    with transaction() as session:
        return ledger.listing(session, args["page"], args["per_page"])


@ledger_blp.route("/<uuid:contract_id>/ledger", methods=["GET"])
@auth.roles(*auth.READERS)
@ledger_blp.response(200, LedgerSchema)
def get_ledger(contract_id):
    """Deductions to date, cap used and ceiling used, from issued invoices."""
    with transaction() as session:
        return ledger.of_contract(session, contract_id)
