"""HTTP endpoints of weighbridge tickets: recording one, listing them, clearing a flagged one (thin views)."""

from flask import request
from flask_smorest import Blueprint

from services.routes import schemas as s
from services.routes import weighings
from shared import auth
from shared.pagination import page_of
from shared.web import transaction

blp = Blueprint("weighings", __name__, description="Weighbridge tickets")


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
