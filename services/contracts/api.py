"""The contracts HTTP API: thin views that load, call one domain function in a transaction, and dump."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.contracts import amendments, contractors, contracts, lifecycle, warning_letters
from services.contracts import schemas as s
from shared import auth
from shared.auth import DINAS, READERS
from shared.pagination import PageArgs, page_of
from shared.web import transaction

contractor_blp = Blueprint("contractors", __name__, url_prefix="/contractors",
                           description="Contractors (penyedia): dinas registers, everyone reads (a contractor only itself).")
contract_blp = Blueprint("contracts", __name__, url_prefix="/contracts",
                         description="Contracts, their life, amendments (adendum), warning letters (SP) and breaches.")


@contractor_blp.route("")
class Contractors(MethodView):
    @auth.roles(*DINAS)
    @contractor_blp.arguments(s.ContractorIn)
    @contractor_blp.response(201, s.ContractorOut)
    def post(self, data):
        """Register a contractor"""
        with transaction() as session:
            return contractors.register(session, auth.current(), data)

    @auth.roles(*READERS)
    @contractor_blp.arguments(s.ContractorQuery, location="query")
    @contractor_blp.response(200, page_of(s.ContractorOut))
    def get(self, args):
        """List contractors"""
        with transaction() as session:
            return contractors.list_(session, args)


@contractor_blp.route("/<uuid:contractor_id>")
class ContractorById(MethodView):
    @auth.roles(*READERS)
    @contractor_blp.response(200, s.ContractorOut)
    def get(self, contractor_id):
        """Show a contractor"""
        with transaction() as session:
            return contractors.get(session, contractor_id)


@contract_blp.route("")
class Contracts(MethodView):
    @auth.roles(*DINAS)
    @contract_blp.arguments(s.ContractIn)
    @contract_blp.response(201, s.ContractOut)
    def post(self, data):
        """Create a contract as a draft (terms not given take the handbook's defaults)"""
        with transaction() as session:
            return contracts.create(session, auth.current(), data)

    @auth.roles(*READERS)
    @contract_blp.arguments(s.ContractQuery, location="query")
    @contract_blp.response(200, page_of(s.ContractOut))
    def get(self, args):
        """List contracts, filtered by status, contractor or kecamatan"""
        with transaction() as session:
            lifecycle.expire_due(session)
            return contracts.list_(session, args)


@contract_blp.route("/<uuid:contract_id>")
class ContractById(MethodView):
    @auth.roles(*READERS)
    @contract_blp.response(200, s.ContractOut)
    def get(self, contract_id):
        """Show a contract with its terms, amendments and warning letters"""
        with transaction() as session:
            lifecycle.expire_due(session)
            return contracts.get(session, contract_id)


def _transition(name: str, schema, action, summary: str):
    @auth.roles(*DINAS)
    @contract_blp.arguments(schema)
    @contract_blp.response(200, s.ContractOut)
    def post(self, data, contract_id):
        with transaction() as session:
            return action(session, auth.current(), contract_id, data.get("reason"),
                          **({"activated_on": data["activated_on"]} if data.get("activated_on") else {}))

    post.__doc__ = summary
    view = type(name, (MethodView,), {"post": post})
    return view


def _activate(session, principal, contract_id, _reason, activated_on=None):
    return lifecycle.activate(session, principal, contract_id, activated_on)


for _path, _name, _schema, _action, _summary in (
    ("activate", "Activate", s.ActivateIn, _activate,
     "Activate a draft (409 when a kecamatan already has a live contract in that period)"),
    ("suspend", "Suspend", s.ReasonIn, lifecycle.suspend, "Suspend an active contract"),
    ("resume", "Resume", s.OptionalReasonIn, lifecycle.resume, "Resume a suspended contract"),
    ("terminate", "Terminate", s.ReasonIn, lifecycle.terminate,
     "Terminate for fault (needs an SP3 or the penalty cap reached)"),
):
    contract_blp.route(f"/<uuid:contract_id>/{_path}", endpoint=_path)(_transition(_name, _schema, _action, _summary))


@contract_blp.route("/<uuid:contract_id>/amendments")
class Amendments(MethodView):
    @auth.roles(*DINAS)
    @contract_blp.arguments(s.AmendmentIn)
    @contract_blp.response(201, s.AmendmentOut)
    def post(self, data, contract_id):
        """Amend an active or suspended contract (adendum)"""
        with transaction() as session:
            return amendments.amend(session, auth.current(), contract_id, data)

    @auth.roles(*READERS)
    @contract_blp.arguments(PageArgs, location="query")
    @contract_blp.response(200, page_of(s.AmendmentOut))
    def get(self, args, contract_id):
        """List a contract's amendments, oldest first"""
        with transaction() as session:
            return amendments.list_(session, contract_id, args)


@contract_blp.route("/<uuid:contract_id>/warnings")
class Warnings(MethodView):
    @auth.roles(*DINAS)
    @contract_blp.arguments(s.WarningIn)
    @contract_blp.response(201, s.WarningOut)
    def post(self, data, contract_id):
        """Issue the next warning letter (SP1, SP2, SP3 in order), naming the breaches it rests on"""
        with transaction() as session:
            return warning_letters.issue(session, auth.current(), contract_id, data)

    @auth.roles(*READERS)
    @contract_blp.arguments(PageArgs, location="query")
    @contract_blp.response(200, page_of(s.WarningOut))
    def get(self, args, contract_id):
        """List a contract's warning letters"""
        with transaction() as session:
            return warning_letters.list_warnings(session, contract_id, args)


@contract_blp.route("/<uuid:contract_id>/breaches")
class Breaches(MethodView):
    @auth.roles(*READERS)
    @contract_blp.arguments(PageArgs, location="query")
    @contract_blp.response(200, page_of(s.BreachOut))
    def get(self, args, contract_id):
        """List the SLA breaches routes found for a contract"""
        with transaction() as session:
            return warning_letters.list_breaches(session, contract_id, args)


BLUEPRINTS = (contractor_blp, contract_blp)
