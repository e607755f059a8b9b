"""The contracts HTTP API: thin views that load, call one domain function in a transaction, and dump."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.contracts import amendments, contractors, contracts, lifecycle, warning_letters
from services.contracts import schemas as s
from shared import auth
from shared.auth import DINAS, READERS
from shared.pagination import PageArgs, page_of
from shared.web import transaction

contractor_blp = Blueprint(
    "contractors",
    __name__,
    url_prefix="/contractors",
    description="Contractors (penyedia): dinas registers, everyone reads (a contractor only itself).",
)
contract_blp = Blueprint(
    "contracts",
    __name__,
    url_prefix="/contracts",
    description="Contracts, their life, amendments (adendum), warning letters (SP) and breaches.",
)


# Contractors


@contractor_blp.route("", methods=["POST"])
@auth.roles(*DINAS)
@contractor_blp.arguments(s.ContractorIn)
@contractor_blp.response(201, s.ContractorOut)
def register_contractor(data):
    """Register a contractor"""
    with transaction() as session:
        return contractors.register(session, auth.current(), data)


@contractor_blp.route("", methods=["GET"])
@auth.roles(*READERS)
@contractor_blp.arguments(s.ContractorQuery, location="query")
@contractor_blp.response(200, page_of(s.ContractorOut))
def list_contractors(args):
    """List contractors"""
    with transaction() as session:
        return contractors.list_(session, args)


@contractor_blp.route("/<uuid:contractor_id>", methods=["GET"])
@auth.roles(*READERS)
@contractor_blp.response(200, s.ContractorOut)
def get_contractor(contractor_id):
    """Show a contractor"""
    with transaction() as session:
        return contractors.get(session, contractor_id)


# Contracts


@contract_blp.route("", methods=["POST"])
@auth.roles(*DINAS)
@contract_blp.arguments(s.ContractIn)
@contract_blp.response(201, s.ContractOut)
def create_contract(data):
    """Create a contract as a draft (terms not given take the handbook's defaults)"""
    with transaction() as session:
        return contracts.create(session, auth.current(), data)


@contract_blp.route("", methods=["GET"])
@auth.roles(*READERS)
@contract_blp.arguments(s.ContractQuery, location="query")
@contract_blp.response(200, page_of(s.ContractOut))
def list_contracts(args):
    """List contracts, filtered by status, contractor or kecamatan"""
    with transaction() as session:
        lifecycle.expire_due(session)
        return contracts.list_(session, args)


@contract_blp.route("/<uuid:contract_id>", methods=["GET"])
@auth.roles(*READERS)
@contract_blp.response(200, s.ContractOut)
def get_contract(contract_id):
    """Show a contract with its terms, amendments and warning letters"""
    with transaction() as session:
        lifecycle.expire_due(session)
        return contracts.get(session, contract_id)


# A contract's life


@contract_blp.route("/<uuid:contract_id>/activate", methods=["POST"])
@auth.roles(*DINAS)
@contract_blp.arguments(s.ActivateIn)
@contract_blp.response(200, s.ContractOut)
def activate(data, contract_id):
    """Activate a draft (409 when a kecamatan already has a live contract in that period)"""
    with transaction() as session:
        return lifecycle.activate(session, auth.current(), contract_id, data.get("activated_on"))


@contract_blp.route("/<uuid:contract_id>/suspend", methods=["POST"])
@auth.roles(*DINAS)
@contract_blp.arguments(s.ReasonIn)
@contract_blp.response(200, s.ContractOut)
def suspend(data, contract_id):
    """Suspend an active contract"""
    with transaction() as session:
        return lifecycle.suspend(session, auth.current(), contract_id, data["reason"])


@contract_blp.route("/<uuid:contract_id>/resume", methods=["POST"])
@auth.roles(*DINAS)
@contract_blp.arguments(s.OptionalReasonIn)
@contract_blp.response(200, s.ContractOut)
def resume(data, contract_id):
    """Resume a suspended contract"""
    with transaction() as session:
        return lifecycle.resume(session, auth.current(), contract_id, data.get("reason"))


@contract_blp.route("/<uuid:contract_id>/terminate", methods=["POST"])
@auth.roles(*DINAS)
@contract_blp.arguments(s.ReasonIn)
@contract_blp.response(200, s.ContractOut)
def terminate(data, contract_id):
    """Terminate for fault (needs an SP3 or the penalty cap reached)"""
    with transaction() as session:
        return lifecycle.terminate(session, auth.current(), contract_id, data["reason"])


# Amendments (adendum)


@contract_blp.route("/<uuid:contract_id>/amendments", methods=["POST"])
@auth.roles(*DINAS)
@contract_blp.arguments(s.AmendmentIn)
@contract_blp.response(201, s.AmendmentOut)
def amend(data, contract_id):
    """Amend an active or suspended contract (adendum)"""
    with transaction() as session:
        return amendments.amend(session, auth.current(), contract_id, data)


@contract_blp.route("/<uuid:contract_id>/amendments", methods=["GET"])
@auth.roles(*READERS)
@contract_blp.arguments(PageArgs, location="query")
@contract_blp.response(200, page_of(s.AmendmentOut))
def list_amendments(args, contract_id):
    """List a contract's amendments, oldest first"""
    with transaction() as session:
        return amendments.list_(session, contract_id, args)


# Warning letters (SP) and the breaches they rest on


@contract_blp.route("/<uuid:contract_id>/warnings", methods=["POST"])
@auth.roles(*DINAS)
@contract_blp.arguments(s.WarningIn)
@contract_blp.response(201, s.WarningOut)
def issue_warning(data, contract_id):
    """Issue the next warning letter (SP1, SP2, SP3 in order), naming the breaches it rests on"""
    with transaction() as session:
        return warning_letters.issue(session, auth.current(), contract_id, data)


@contract_blp.route("/<uuid:contract_id>/warnings", methods=["GET"])
@auth.roles(*READERS)
@contract_blp.arguments(PageArgs, location="query")
@contract_blp.response(200, page_of(s.WarningOut))
def list_warnings(args, contract_id):
    """List a contract's warning letters"""
    with transaction() as session:
        return warning_letters.list_warnings(session, contract_id, args)


@contract_blp.route("/<uuid:contract_id>/breaches", methods=["GET"])
@auth.roles(*READERS)
@contract_blp.arguments(PageArgs, location="query")
@contract_blp.response(200, page_of(s.BreachOut))
def list_breaches(args, contract_id):
    """List the SLA breaches routes found for a contract"""
    with transaction() as session:
        return warning_letters.list_breaches(session, contract_id, args)


BLUEPRINTS = (contractor_blp, contract_blp)
