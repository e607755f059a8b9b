"""Network use cases: points, vehicles and routes as the agency registers them, and scheduling a route's pickups."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared import audit, clock
from shared.auth import Principal, scope
from shared.errors import conflict, invalid, not_found
from shared.pagination import paginate
from services.routes import network
from services.routes.models import Contract, Contractor, Point, Route, RouteStop, Vehicle
from services.routes.scheduling import schedule_pickups

MAX_SCHEDULE_DAYS = 400
LIVE_CONTRACT = ("active", "suspended")  # a vehicle on such a contract's routes is taken


def _rule(error: network.RuleError):
    return invalid("invalid", str(error), {error.field: [str(error)]})


def _insert_unique(session: Session, obj, what: str) -> None:
    """Add a row whose unique key (code, plate) may already be taken: 409, not 500."""
    try:
        with session.begin_nested():
            session.add(obj)
            session.flush()
    except IntegrityError:
        raise conflict("duplicate", f"{what} already exists.") from None


def create_point(session: Session, principal: Principal, body: dict) -> Point:
    try:
        network.check_coordinates(body["lat"], body["lon"])
        kecamatan = network.canonical_kecamatan(body["kecamatan"])
    except network.RuleError as error:
        raise _rule(error)
    point = Point(code=body["code"].strip(), name=body["name"], kind=body["kind"], lat=body["lat"],
                  lon=body["lon"], kecamatan=kecamatan, kelurahan=body["kelurahan"], created_at=clock.now())
    _insert_unique(session, point, f"A point with code {point.code}")
    audit.append(session, principal, "point.create", "point", point.id, {"code": point.code})
    return point


def create_vehicle(session: Session, principal: Principal, body: dict) -> Vehicle:
    try:
        plate = network.normalise_plate(body["plate"])
    except network.RuleError as error:
        raise _rule(error)
    if session.get(Contractor, str(body["contractor_id"])) is None:
        raise invalid("unknown_contractor", "No such contractor.", {"contractor_id": ["No such contractor."]})
    vehicle = Vehicle(plate=plate, contractor_id=str(body["contractor_id"]), type=body["type"],
                      capacity_m3=body["capacity_m3"], tare_kg=body["tare_kg"], created_at=clock.now())
    _insert_unique(session, vehicle, f"A vehicle with plate {plate}")
    audit.append(session, principal, "vehicle.create", "vehicle", vehicle.id, {"plate": plate})
    return vehicle


def create_route(session: Session, principal: Principal, body: dict) -> dict:
    try:
        plan = network.check_route_plan([str(s) for s in body["stops"]], body["weekdays"], body["window_start"],
                                        body["window_end"])
    except network.RuleError as error:
        raise _rule(error)
    contract = session.get(Contract, str(body["contract_id"]), with_for_update=True)
    if contract is None:
        raise invalid("unknown_contract", "No such contract.", {"contract_id": ["No such contract."]})
    if contract.status != "active":
        raise conflict("contract_not_active", f"The contract is {contract.status}.")
    vehicle = _vehicle_of(session, str(body["vehicle_id"]), contract)
    _check_stops(session, plan.stops, contract)
    route = Route(code=body["code"].strip(), contract_id=contract.id, contractor_id=contract.contractor_id,
                  vehicle_id=vehicle.id, weekdays=plan.weekdays, window_start=plan.window_start,
                  window_end=plan.window_end, created_at=clock.now())
    _insert_unique(session, route, f"A route with code {route.code}")
    session.add_all([RouteStop(route_id=route.id, seq=seq, point_id=point_id)
                     for seq, point_id in enumerate(plan.stops, start=1)])
    audit.append(session, principal, "route.create", "route", route.id,
                 {"code": route.code, "contract_id": contract.id, "vehicle_id": vehicle.id})
    return route_body(route, plan.stops)


def _vehicle_of(session: Session, vehicle_id: str, contract: Contract) -> Vehicle:
    # the vehicle row lock serialises two routes racing to put it on two contracts
    vehicle = session.get(Vehicle, vehicle_id, with_for_update=True)
    if vehicle is None or vehicle.contractor_id != contract.contractor_id:
        raise invalid("vehicle_not_of_contractor", "The vehicle is not the contract's contractor's.",
                      {"vehicle_id": ["Not a vehicle of the contract's contractor."]})
    other = session.execute(
        select(Contract.number).join(Route, Route.contract_id == Contract.id)
        .where(Route.vehicle_id == vehicle.id, Contract.id != contract.id, Contract.status.in_(LIVE_CONTRACT))
        .limit(1)).scalar()
    if other is not None:
        raise conflict("vehicle_on_other_contract", f"The vehicle already serves contract {other}.",
                       {"vehicle_id": [f"Serves contract {other}."]})
    return vehicle


def _check_stops(session: Session, stops: list[str], contract: Contract) -> None:
    kecamatan_of = dict(session.execute(select(Point.id, Point.kecamatan).where(Point.id.in_(stops))).all())
    unknown = [point_id for point_id in stops if point_id not in kecamatan_of]
    if unknown:
        raise invalid("unknown_point", "Some stops are not known points.", {"stops": unknown})
    outside = network.stops_outside(kecamatan_of, contract.kecamatan)
    if outside:
        raise invalid("outside_contract", "Some stops lie outside the contract's kecamatan.", {"stops": outside})


def route_body(route: Route, stops: list[str]) -> dict:
    body = {column: getattr(route, column) for column in (
        "id", "code", "contract_id", "contractor_id", "vehicle_id", "weekdays", "window_start", "window_end")}
    body.update(stops=stops, window_start=route.window_start.strftime("%H:%M"),
                window_end=route.window_end.strftime("%H:%M"))
    return body


def schedule_route(session: Session, principal: Principal, route_id: str, from_date: date, to_date: date) -> int:
    if from_date > to_date:
        raise invalid("invalid", "from must not be after to.", {"to": ["Must not be before from."]})
    today = clock.today_wib()
    if from_date < today:
        raise invalid("past", f"Pickups are scheduled from today ({today.isoformat()}, WIB) on: nobody can be "
                              "charged for a pickup that could not be confirmed.",
                      {"from": [f"Before today ({today.isoformat()})."]})
    if (to_date - from_date).days >= MAX_SCHEDULE_DAYS:
        raise invalid("invalid", f"Schedule at most {MAX_SCHEDULE_DAYS} days at once.", {"to": ["Range too long."]})
    row = session.execute(select(Route.id, Contract.status).join(Contract, Contract.id == Route.contract_id)
                          .where(Route.id == route_id)).first()
    if row is None:
        raise not_found("Route")
    if row.status != "active":
        raise conflict("contract_not_active", f"The route's contract is {row.status}.")
    count = schedule_pickups(session, [route_id], from_date, to_date)
    audit.append(session, principal, "route.schedule", "route", route_id,
                 {"from": from_date.isoformat(), "to": to_date.isoformat(), "scheduled": count})
    return count


def list_points(session: Session, filters: dict, page: int, per_page: int) -> dict:
    query = select(Point).order_by(Point.code)
    for name in ("kecamatan", "kind"):
        if filters.get(name):
            query = query.where(getattr(Point, name) == filters[name])
    return paginate(session, query, page, per_page)


def list_vehicles(session: Session, filters: dict, page: int, per_page: int) -> dict:
    query = scope(select(Vehicle), Vehicle.contractor_id).order_by(Vehicle.plate)
    if filters.get("contractor_id"):
        query = query.where(Vehicle.contractor_id == str(filters["contractor_id"]))
    return paginate(session, query, page, per_page)


def list_routes(session: Session, filters: dict, page: int, per_page: int) -> dict:
    query = scope(select(Route), Route.contractor_id).order_by(Route.code)
    for name in ("contract_id", "vehicle_id"):
        if filters.get(name):
            query = query.where(getattr(Route, name) == str(filters[name]))
    result = paginate(session, query, page, per_page)
    ids = [route.id for route in result["items"]]
    stops: dict[str, list[str]] = {route_id: [] for route_id in ids}
    for stop in session.execute(select(RouteStop).where(RouteStop.route_id.in_(ids))
                                .order_by(RouteStop.route_id, RouteStop.seq)).scalars():
        stops[stop.route_id].append(stop.point_id)
    result["items"] = [route_body(route, stops[route.id]) for route in result["items"]]
    return result
