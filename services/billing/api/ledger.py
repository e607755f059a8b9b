"""A contract's billing ledger: deductions to date, cap used, ceiling used."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.billing import ledger
from services.billing.schemas import LedgerSchema
from shared import auth
from shared.pagination import PageArgs, page_of
from shared.web import transaction

blp = Blueprint("ledger", __name__, url_prefix="/contracts", description="A contract's billing ledger.")


@blp.route("/ledgers", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(LedgerSchema))
def list_ledgers(args):
    """Every contract's ledger (a contractor sees its own), by contract number: the dashboard's one read."""
    with transaction() as session:
        return ledger.listing(session, args["page"], args["per_page"])


@blp.route("/<uuid:contract_id>/ledger", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.response(200, LedgerSchema)
def get_ledger(contract_id):
    """Deductions to date, cap used and ceiling used, from issued invoices."""
    with transaction() as session:
        return ledger.of_contract(session, contract_id)
