"""Billing's HTTP API for objections (keberatan) and the berita acara (PDF, and checking a printed hash)."""
from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint

from services.billing import berita_acara, digests, objections
from services.billing.schemas import (DecisionRequest, ObjectionFilter, ObjectionRequest, ObjectionSchema,
                                      ObjectionsFiled, VerifyFilter, VerifySchema)
from shared import auth
from shared.pagination import page_of
from shared.web import transaction

objections_blp = Blueprint("objections", __name__, url_prefix="", description=(
    "Keberatan / objections: a contractor disputes evidence items of an issued invoice's deduction lines within "
    "10 days of issue; the agency (dinas) accepts or rejects each once. An accepted objection excuses the evidence "
    "in routes, and the credit reaches the next draft as an adjustment priced by the terms of the fact's date."))
documents_blp = Blueprint("berita_acara", __name__, url_prefix="/invoices", description=(
    "Berita acara pemeriksaan pekerjaan: the signed record of an issued invoice, and checking a printed hash."))


@objections_blp.route("/invoices/<uuid:invoice_id>/objections", methods=["POST"])
@auth.roles(*auth.CONTRACTOR)
@objections_blp.arguments(ObjectionRequest)
@objections_blp.response(201, ObjectionsFiled)
@objections_blp.alt_response(404, description="not this contractor's invoice")
@objections_blp.alt_response(409, description="draft invoice (invoice_not_issued), more than 10 days after issue "
                                              "(objection_window_closed), an item already objected to "
                                              "(already_objected), an Idempotency-Key reused for other items "
                                              "(idempotency_key_reused)")
@objections_blp.alt_response(422, description="an item not listed on the invoice's deduction lines "
                                              "(not_on_invoice), or named twice (duplicate_item)")
def file_objection(body, invoice_id):
    """File objections to evidence items of one's own issued invoice (one per item); honours Idempotency-Key."""
    with transaction() as session:
        filed = objections.file(session, auth.current(), invoice_id, body, request.headers.get("Idempotency-Key"))
        return {"items": filed}


@objections_blp.route("/objections", methods=["GET"])
@auth.roles(*auth.READERS)
@objections_blp.arguments(ObjectionFilter, location="query")
@objections_blp.response(200, page_of(ObjectionSchema))
def list_objections(args):
    """List objections, newest first (a contractor sees its own)."""
    with transaction() as session:
        return objections.listing(session, **args)


@objections_blp.route("/objections/<uuid:objection_id>", methods=["GET"])
@auth.roles(*auth.READERS)
@objections_blp.response(200, ObjectionSchema)
def get_objection(objection_id):
    """One objection with its decision, if any."""
    with transaction() as session:
        return objections.get(session, objection_id)


@objections_blp.route("/objections/<uuid:objection_id>/decision", methods=["POST"])
@auth.roles(*auth.DINAS)
@objections_blp.arguments(DecisionRequest)
@objections_blp.response(200, ObjectionSchema)
@objections_blp.alt_response(404, description="no such objection")
@objections_blp.alt_response(409, description="already decided (objection_decided)")
def decide_objection(body, objection_id):
    """Accept or reject an objection, once, with a reason."""
    with transaction() as session:
        return objections.decide(session, auth.current(), objection_id, body["accept"], body["reason"])


@documents_blp.route("/<uuid:invoice_id>/berita-acara", methods=["GET"])
@auth.roles(*auth.READERS)
@documents_blp.doc(responses={"200": {
    "description": "A4 PDF, Bahasa Indonesia with English beside; the invoice's SHA-256 printed and as a QR code",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
@documents_blp.alt_response(404, description="not this contractor's invoice")
@documents_blp.alt_response(409, description="a draft has no berita acara (invoice_not_issued)")
def get_berita_acara(invoice_id):
    """The berita acara pemeriksaan pekerjaan of an issued invoice, as a PDF."""
    with transaction() as session:
        pdf, filename = berita_acara.of_invoice(session, invoice_id)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@documents_blp.route("/verify", methods=["GET"])
@auth.roles(*auth.READERS)
@documents_blp.arguments(VerifyFilter, location="query")
@documents_blp.response(200, VerifySchema)
def verify_hash(args):
    """Whether a SHA-256 printed on a berita acara is that of an issued invoice."""
    with transaction() as session:
        return digests.verify(session, args["sha256"])
