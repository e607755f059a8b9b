"""A contract's billing ledger: deductions to date, cap used, ceiling used."""
from __future__ import annotations

from flask_smorest import Blueprint

from services.billing import ledger
from services.billing.schemas import LedgerSchema
from shared import auth
from shared.web import transaction

blp = Blueprint("ledger", __name__, url_prefix="/contracts", description="A contract's billing ledger.")


@blp.route("/<uuid:contract_id>/ledger", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.response(200, LedgerSchema)
def get_ledger(contract_id):
    """Deductions to date, cap used and ceiling used, from issued invoices."""
    with transaction() as session:
        return ledger.of_contract(session, contract_id)
