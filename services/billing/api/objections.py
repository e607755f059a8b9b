"""Objections (keberatan): a contractor files them against an issued invoice's evidence, the agency decides each."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from services.billing import objections
from services.billing.schemas import (
    DecisionRequest,
    ObjectionFilter,
    ObjectionRequest,
    ObjectionSchema,
    ObjectionsFiled,
)
from shared import auth
from shared.pagination import page_of
from shared.web import transaction

blp = Blueprint(
    "objections",
    __name__,
    url_prefix="",
    description=(
        "Keberatan / objections: a contractor disputes evidence items of an issued invoice's deduction lines within "
        "10 days of issue; the agency (dinas) accepts or rejects each once. An accepted objection excuses the evidence "
        "in routes, and the credit reaches the next draft as an adjustment priced by the terms of the fact's date."
    ),
)


@blp.route("/invoices/<uuid:invoice_id>/objections", methods=["POST"])
@auth.roles(*auth.CONTRACTOR)
@blp.arguments(ObjectionRequest)
@blp.response(201, ObjectionsFiled)
@blp.alt_response(404, description="not this contractor's invoice")
@blp.alt_response(
    409,
    description="draft invoice (invoice_not_issued), more than 10 days after issue "
    "(objection_window_closed), an item already objected to "
    "(already_objected), an Idempotency-Key reused for other items "
    "(idempotency_key_reused)",
)
@blp.alt_response(
    422,
    description="an item not listed on the invoice's deduction lines (not_on_invoice), or named twice (duplicate_item)",
)
def file_objection(body, invoice_id):
    """File objections to evidence items of one's own issued invoice (one per item); honours Idempotency-Key."""
    with transaction() as session:
        filed = objections.file(session, auth.current(), invoice_id, body, request.headers.get("Idempotency-Key"))
        return {"items": filed}


@blp.route("/objections", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(ObjectionFilter, location="query")
@blp.response(200, page_of(ObjectionSchema))
def list_objections(args):
    """List objections, newest first (a contractor sees its own)."""
    with transaction() as session:
        return objections.listing(session, **args)


@blp.route("/objections/<uuid:objection_id>", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.response(200, ObjectionSchema)
def get_objection(objection_id):
    """One objection with its decision, if any."""
    with transaction() as session:
        return objections.get(session, objection_id)


@blp.route("/objections/<uuid:objection_id>/decision", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(DecisionRequest)
@blp.response(200, ObjectionSchema)
@blp.alt_response(404, description="no such objection")
@blp.alt_response(409, description="already decided (objection_decided)")
def decide_objection(body, objection_id):
    """Accept or reject an objection, once, with a reason."""
    with transaction() as session:
        return objections.decide(session, auth.current(), objection_id, body["accept"], body["reason"])
