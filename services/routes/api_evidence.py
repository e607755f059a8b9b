"""HTTP endpoints of the agency's evidence: weighbridge tickets, complaints, and compliance results (thin views)."""
from flask import request
from flask_smorest import Blueprint

from shared import auth
from shared.pagination import page_of
from shared.web import transaction
from services.routes import complaints, force_majeure, results, weighings
from services.routes import schemas as s

blp = Blueprint("evidence", __name__, description="Weighings, complaints and compliance results")


@blp.route("/weighings", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(s.WeighingIn)
@blp.response(201, s.WeighingOut)
def record_weighing(body):
    """Record a weighbridge ticket: net = gross - tare, flags; honours Idempotency-Key."""
    with transaction() as session:
        return weighings.record(session, auth.current(), body, request.headers.get("Idempotency-Key"))


@blp.route("/weighings", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.WeighingArgs, location="query")
@blp.response(200, page_of(s.WeighingOut))
def list_weighings(args):
    """List weighings by contract, plate, WIB dates and flagged (a contractor sees its own contracts')."""
    with transaction() as session:
        return weighings.list_weighings(session, args, args.pop("page"), args.pop("per_page"))


@blp.route("/weighings/<uuid:weighing_id>/clear", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(s.ReasonIn)
@blp.response(200, s.WeighingOut)
def clear_weighing(body, weighing_id):
    """Clear a flagged weighing so it counts for billing."""
    with transaction() as session:
        return weighings.clear(session, auth.current(), str(weighing_id), body["reason"])


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
        return complaints.resolve(session, auth.current(), str(complaint_id), body["note"], body.get("resolved_at"),
                                  body.get("photo_sha256"))


@blp.route("/compliance/daily", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.DailyArgs, location="query")
@blp.response(200, page_of(s.DailyOut))
def compliance_daily(args):
    """Daily evaluations per contract and WIB day."""
    with transaction() as session:
        return results.daily(session, args, args.pop("page"), args.pop("per_page"))


@blp.route("/compliance/breaches", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.BreachArgs, location="query")
@blp.response(200, page_of(s.BreachOut))
def compliance_breaches(args):
    """SLA breaches per contract and WIB month."""
    with transaction() as session:
        return results.breaches(session, args, args.pop("page"), args.pop("per_page"))


@blp.route("/force-majeure", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(s.ForceMajeureIn)
@blp.response(201, s.ForceMajeureOut)
def declare_force_majeure(body):
    """Declare a force-majeure day (keadaan kahar): its pickups there excused, no shortfall day."""
    with transaction() as session:
        return force_majeure.declare(session, auth.current(), body)


@blp.route("/force-majeure", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.ForceMajeureArgs, location="query")
@blp.response(200, page_of(s.ForceMajeureOut))
def list_force_majeure(args):
    """List force-majeure days by contract and WIB dates (a contractor sees its own contracts')."""
    with transaction() as session:
        return force_majeure.list_days(session, args, args.pop("page"), args.pop("per_page"))
