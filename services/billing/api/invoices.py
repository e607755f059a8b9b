"""Invoices (termin): draft, read, evidence, and the three steps of an invoice's life (issue, approve, pay)."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.billing import invoice_views, invoices
from services.billing.schemas import DraftRequest, EvidenceFilter, EvidenceSchema, InvoiceFilter, InvoiceSchema
from shared import auth
from shared.pagination import page_of
from shared.web import transaction

blp = Blueprint("invoices", __name__, url_prefix="/invoices", description="Monthly invoices (termin).")


@blp.route("", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(DraftRequest)
@blp.response(200, InvoiceSchema)
def create_draft(args):
    """Create or recompute the draft invoice of a contract month."""
    with transaction() as session:
        return invoice_views.draft_view(session, auth.current(), str(args["contract_id"]), args["month"])


@blp.route("", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(InvoiceFilter, location="query")
@blp.response(200, page_of(InvoiceSchema))
def list_invoices(args):
    """List invoices (a contractor sees its own), newest month first."""
    with transaction() as session:
        return invoice_views.listing(session, **args)


@blp.route("/<uuid:invoice_id>", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.response(200, InvoiceSchema)
def get_invoice(invoice_id):
    """One invoice with its lines and evidence, as last computed (reading never reprices nor locks it)."""
    with transaction() as session:
        return invoice_views.get(session, invoice_id)


@blp.route("/<uuid:invoice_id>/evidence", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(EvidenceFilter, location="query")
@blp.response(200, page_of(EvidenceSchema))
def list_evidence(args, invoice_id):
    """Every fact an invoice bills, by line kind, paginated."""
    with transaction() as session:
        return invoice_views.evidence(session, invoice_id, args.get("kind"), args["page"], args["per_page"])


@blp.route("/<uuid:invoice_id>/issue", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.response(200, InvoiceSchema)
def issue_invoice(invoice_id):
    """Issue a draft once its month and sync allowance have passed: repriced once more and frozen."""
    with transaction() as session:
        return invoice_views.view(session, invoices.transition(session, auth.current(), invoice_id, "issue"))


@blp.route("/<uuid:invoice_id>/approve", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.response(200, InvoiceSchema)
def approve_invoice(invoice_id):
    """Approve an issued invoice."""
    with transaction() as session:
        return invoice_views.view(session, invoices.transition(session, auth.current(), invoice_id, "approve"))


@blp.route("/<uuid:invoice_id>/pay", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.response(200, InvoiceSchema)
def pay_invoice(invoice_id):
    """Record an approved invoice as paid."""
    with transaction() as session:
        return invoice_views.view(session, invoices.transition(session, auth.current(), invoice_id, "pay"))
