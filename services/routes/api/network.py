"""HTTP endpoints of the network: points, vehicles, routes, and scheduling a route's pickups (thin views)."""

from flask_smorest import Blueprint

from services.routes import network, scheduling
from services.routes import schemas as s
from shared import auth
from shared.pagination import page_of
from shared.web import transaction

blp = Blueprint("network", __name__, description="Points, vehicles and routes")


@blp.route("/points", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(s.PointIn)
@blp.response(201, s.PointOut)
def create_point(body):
    """Register a collection point (titik layanan)."""
    with transaction() as session:
        return network.create_point(session, auth.current(), body)


@blp.route("/points", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.PointArgs, location="query")
@blp.response(200, page_of(s.PointOut))
def list_points(args):
    """List collection points."""
    with transaction() as session:
        return network.list_points(session, args, args.pop("page"), args.pop("per_page"))


@blp.route("/vehicles", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(s.VehicleIn)
@blp.response(201, s.VehicleOut)
def create_vehicle(body):
    """Register a vehicle (armada) of a contractor."""
    with transaction() as session:
        return network.create_vehicle(session, auth.current(), body)


@blp.route("/vehicles", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.VehicleArgs, location="query")
@blp.response(200, page_of(s.VehicleOut))
def list_vehicles(args):
    """List vehicles (a contractor sees its own)."""
    with transaction() as session:
        return network.list_vehicles(session, args, args.pop("page"), args.pop("per_page"))


@blp.route("/routes", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(s.RouteIn)
@blp.response(201, s.RouteOut)
def create_route(body):
    """Create a route of an active contract: one vehicle, stops in order, weekdays and a WIB window."""
    with transaction() as session:
        return network.create_route(session, auth.current(), body)


@blp.route("/routes", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.RouteArgs, location="query")
@blp.response(200, page_of(s.RouteOut))
def list_routes(args):
    """List routes (a contractor sees its own)."""
    with transaction() as session:
        return network.list_routes(session, args, args.pop("page"), args.pop("per_page"))


@blp.route("/routes/<uuid:route_id>/schedule", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(s.ScheduleIn)
@blp.response(200, s.ScheduleOut)
def schedule_route(body, route_id):
    """Schedule the route's pickups for WIB dates from..to (existing ones are kept)."""
    with transaction() as session:
        return {
            "scheduled": scheduling.schedule_route(session, auth.current(), str(route_id), body["from_"], body["to"])
        }
