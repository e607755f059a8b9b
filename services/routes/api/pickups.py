"""HTTP endpoints of pickups: reads, the contractor's confirmation, the agency's excuse and verification."""

from flask import request
from flask_smorest import Blueprint

from services.routes import pickups
from services.routes import schemas as s
from shared import auth
from shared.pagination import page_of
from shared.web import transaction

blp = Blueprint("pickups", __name__, description="Pickups and their evidence")


@blp.route("/pickups", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.PickupArgs, location="query")
@blp.response(200, page_of(s.PickupOut))
def list_pickups(args):
    """List pickups by WIB date, route, contract and status (a contractor sees its own)."""
    filters = {key.rstrip("_"): value for key, value in args.items()}
    with transaction() as session:
        return pickups.list_pickups(session, filters, filters.pop("page"), filters.pop("per_page"))


@blp.route("/pickups/<uuid:pickup_id>", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.response(200, s.PickupDetailOut)
def get_pickup(pickup_id):
    """One pickup, with its confirmation if any."""
    with transaction() as session:
        return pickups.get_pickup(session, str(pickup_id))


@blp.route("/pickups/<uuid:pickup_id>/confirmation", methods=["POST"])
@auth.roles(*auth.CONTRACTOR)
@blp.arguments(s.ConfirmationIn)
@blp.response(201, s.ConfirmationOut)
def confirm_pickup(body, pickup_id):
    """Confirm a pickup (device time, GPS, photo hash); honours Idempotency-Key."""
    with transaction() as session:
        return pickups.confirm(session, auth.current(), str(pickup_id), body, request.headers.get("Idempotency-Key"))


@blp.route("/pickups/<uuid:pickup_id>/excuse", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(s.ReasonIn)
@blp.response(200, s.PickupOut)
def excuse_pickup(body, pickup_id):
    """Excuse a scheduled or missed pickup (flood, road closed)."""
    with transaction() as session:
        return pickups.excuse(session, auth.current(), str(pickup_id), body["reason"])


@blp.route("/pickups/<uuid:pickup_id>/verify", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(s.ReasonIn)
@blp.response(200, s.PickupOut)
def verify_pickup(body, pickup_id):
    """Verify an off-site confirmation, so it no longer counts as missed."""
    with transaction() as session:
        return pickups.verify(session, auth.current(), str(pickup_id), body["reason"])
