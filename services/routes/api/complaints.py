"""HTTP endpoints of complaints: the agency opens one, the contractor resolves it, both read them (thin views)."""

from flask import request
from flask_smorest import Blueprint

from services.routes import complaints
from services.routes import schemas as s
from shared import auth
from shared.pagination import page_of
from shared.web import transaction

blp = Blueprint("complaints", __name__, description="Complaints (aduan)")


@blp.route("/complaints", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(s.ComplaintIn)
@blp.response(201, s.ComplaintOut)
def open_complaint(body):
    """Open a complaint at a point; assigned to the active contract covering its kecamatan."""
    with transaction() as session:
        return complaints.open_complaint(session, auth.current(), body, request.headers.get("Idempotency-Key"))


@blp.route("/complaints", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.ComplaintArgs, location="query")
@blp.response(200, page_of(s.ComplaintOut))
def list_complaints(args):
    """List complaints (a contractor sees those assigned to it)."""
    with transaction() as session:
        return complaints.list_complaints(session, args, args.pop("page"), args.pop("per_page"))


@blp.route("/complaints/<uuid:complaint_id>", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.response(200, s.ComplaintOut)
def get_complaint(complaint_id):
    """One complaint."""
    with transaction() as session:
        return complaints.get_complaint(session, str(complaint_id))


@blp.route("/complaints/<uuid:complaint_id>/resolution", methods=["POST"])
@auth.roles(*auth.CONTRACTOR)
@blp.arguments(s.ResolutionIn)
@blp.response(200, s.ComplaintOut)
def resolve_complaint(body, complaint_id):
    """Resolve a complaint assigned to the caller; days overdue are counted."""
    with transaction() as session:
        return complaints.resolve(
            session, auth.current(), str(complaint_id), body["note"], body.get("resolved_at"), body.get("photo_sha256")
        )
