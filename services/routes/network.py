"""The collection network: points, vehicles and routes. The rules (kecamatan, coordinates inside Pekanbaru, plates,
route plans) as plain functions, then the agency's use cases that register them and the reads.
Scheduling a route's pickups is in scheduling.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.routes.models import Contract, Contractor, Point, Route, RouteStop, Vehicle
from shared import audit, clock
from shared.auth import Principal, scope
from shared.city import KECAMATAN
from shared.errors import conflict, invalid
from shared.pagination import paginate

# A generous box around Pekanbaru (about 0.42-0.70 N, 101.33-101.58 E): catches swapped or foreign coordinates.
CITY_LAT = (0.30, 0.85)
CITY_LON = (101.20, 101.75)

_PLATE = re.compile(r"^([A-Z]{1,2})\s*(\d{1,4})\s*([A-Z]{0,3})$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class RuleError(ValueError):
    """A value breaks a rule; `field` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def canonical_kecamatan(name: str) -> str:
    """The kecamatan's official spelling, whatever the case and spacing given."""
    wanted = " ".join(name.split()).lower()
    for kecamatan in KECAMATAN:
        if kecamatan.lower() == wanted:
            return kecamatan
    raise RuleError("kecamatan", f"{name!r} is not one of Pekanbaru's 15 kecamatan.")


def check_coordinates(lat: float, lon: float) -> None:
    if not -90 <= lat <= 90:
        raise RuleError("lat", "Latitude must be between -90 and 90.")
    if not -180 <= lon <= 180:
        raise RuleError("lon", "Longitude must be between -180 and 180.")
    if not CITY_LAT[0] <= lat <= CITY_LAT[1]:
        raise RuleError("lat", "The point is not in Pekanbaru (latitude).")
    if not CITY_LON[0] <= lon <= CITY_LON[1]:
        raise RuleError("lon", "The point is not in Pekanbaru (longitude).")


def normalise_plate(plate: str) -> str:
    """'bm 1234 ab', 'BM1234AB' and ' BM  1234  AB ' are all 'BM 1234 AB'."""
    match = _PLATE.match(" ".join(plate.upper().split()))
    if not match:
        raise RuleError("plate", f"{plate!r} is not a plate like 'BM 1234 AB'.")
    return " ".join(part for part in match.groups() if part)


def parse_clock(value: str, field: str) -> time:
    match = _CLOCK.match(value)
    if not match:
        raise RuleError(field, "Use a WIB wall-clock time 'HH:MM'.")
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class RoutePlan:
    stops: list[str]
    weekdays: list[int]
    window_start: time
    window_end: time


def check_route_plan(stops: list[str], weekdays: list[int], window_start: str, window_end: str) -> RoutePlan:
    if not stops:
        raise RuleError("stops", "A route visits at least one point.")
    if len(set(stops)) != len(stops):
        raise RuleError("stops", "A point appears twice in the stops.")
    if not weekdays or any(not 1 <= day <= 7 for day in weekdays) or len(set(weekdays)) != len(weekdays):
        raise RuleError("weekdays", "Weekdays are distinct ISO days, Monday = 1 to Sunday = 7.")
    start, end = parse_clock(window_start, "window_start"), parse_clock(window_end, "window_end")
    if start >= end:
        raise RuleError("window_end", "The window must end after it starts, on the same WIB day.")
    return RoutePlan(stops=list(stops), weekdays=sorted(weekdays), window_start=start, window_end=end)


def stops_outside(kecamatan_of: dict[str, str], contract_kecamatan: list[str]) -> list[str]:
    """The stops whose point lies outside the contract's kecamatan."""
    covered = set(contract_kecamatan)
    return [point_id for point_id, kecamatan in kecamatan_of.items() if kecamatan not in covered]


# The agency's use cases: register points, vehicles and routes (audited), and list them.

LIVE_CONTRACT = ("active", "suspended")  # a vehicle on such a contract's routes is taken


def _rule(error: RuleError):
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
        check_coordinates(body["lat"], body["lon"])
        kecamatan = canonical_kecamatan(body["kecamatan"])
    except RuleError as error:
        raise _rule(error)
    point = Point(
        code=body["code"].strip(),
        name=body["name"],
        kind=body["kind"],
        lat=body["lat"],
        lon=body["lon"],
        kecamatan=kecamatan,
        kelurahan=body["kelurahan"],
        created_at=clock.now(),
    )
    _insert_unique(session, point, f"A point with code {point.code}")
    audit.append(session, principal, "point.create", "point", point.id, {"code": point.code})
    return point


def create_vehicle(session: Session, principal: Principal, body: dict) -> Vehicle:
    try:
        plate = normalise_plate(body["plate"])
    except RuleError as error:
        raise _rule(error)
    if session.get(Contractor, str(body["contractor_id"])) is None:
        raise invalid("unknown_contractor", "No such contractor.", {"contractor_id": ["No such contractor."]})
    vehicle = Vehicle(
        plate=plate,
        contractor_id=str(body["contractor_id"]),
        type=body["type"],
        capacity_m3=body["capacity_m3"],
        tare_kg=body["tare_kg"],
        created_at=clock.now(),
    )
    _insert_unique(session, vehicle, f"A vehicle with plate {plate}")
    audit.append(session, principal, "vehicle.create", "vehicle", vehicle.id, {"plate": plate})
    return vehicle


def create_route(session: Session, principal: Principal, body: dict) -> dict:
    try:
        plan = check_route_plan(
            [str(s) for s in body["stops"]], body["weekdays"], body["window_start"], body["window_end"]
        )
    except RuleError as error:
        raise _rule(error)
    contract = session.get(Contract, str(body["contract_id"]), with_for_update=True)
    if contract is None:
        raise invalid("unknown_contract", "No such contract.", {"contract_id": ["No such contract."]})
    if contract.status != "active":
        raise conflict("contract_not_active", f"The contract is {contract.status}.")
    vehicle = _vehicle_of(session, str(body["vehicle_id"]), contract)
    _check_stops(session, plan.stops, contract)
    route = Route(
        code=body["code"].strip(),
        contract_id=contract.id,
        contractor_id=contract.contractor_id,
        vehicle_id=vehicle.id,
        weekdays=plan.weekdays,
        window_start=plan.window_start,
        window_end=plan.window_end,
        created_at=clock.now(),
    )
    _insert_unique(session, route, f"A route with code {route.code}")
    session.add_all(
        [RouteStop(route_id=route.id, seq=seq, point_id=point_id) for seq, point_id in enumerate(plan.stops, start=1)]
    )
    audit.append(
        session,
        principal,
        "route.create",
        "route",
        route.id,
        {"code": route.code, "contract_id": contract.id, "vehicle_id": vehicle.id},
    )
    return route_body(route, plan.stops)


def _vehicle_of(session: Session, vehicle_id: str, contract: Contract) -> Vehicle:
    # the vehicle row lock serialises two routes racing to put it on two contracts
    vehicle = session.get(Vehicle, vehicle_id, with_for_update=True)
    if vehicle is None or vehicle.contractor_id != contract.contractor_id:
        raise invalid(
            "vehicle_not_of_contractor",
            "The vehicle is not the contract's contractor's.",
            {"vehicle_id": ["Not a vehicle of the contract's contractor."]},
        )
    other = session.execute(
        select(Contract.number)
        .join(Route, Route.contract_id == Contract.id)
        .where(Route.vehicle_id == vehicle.id, Contract.id != contract.id, Contract.status.in_(LIVE_CONTRACT))
        .limit(1)
    ).scalar()
    if other is not None:
        raise conflict(
            "vehicle_on_other_contract",
            f"The vehicle already serves contract {other}.",
            {"vehicle_id": [f"Serves contract {other}."]},
        )
    return vehicle


def _check_stops(session: Session, stops: list[str], contract: Contract) -> None:
    kecamatan_of = dict(session.execute(select(Point.id, Point.kecamatan).where(Point.id.in_(stops))).all())
    unknown = [point_id for point_id in stops if point_id not in kecamatan_of]
    if unknown:
        raise invalid("unknown_point", "Some stops are not known points.", {"stops": unknown})
    outside = stops_outside(kecamatan_of, contract.kecamatan)
    if outside:
        raise invalid("outside_contract", "Some stops lie outside the contract's kecamatan.", {"stops": outside})


def route_body(route: Route, stops: list[str]) -> dict:
    body = {
        column: getattr(route, column)
        for column in (
            "id",
            "code",
            "contract_id",
            "contractor_id",
            "vehicle_id",
            "weekdays",
            "window_start",
            "window_end",
        )
    }
    body.update(
        stops=stops, window_start=route.window_start.strftime("%H:%M"), window_end=route.window_end.strftime("%H:%M")
    )
    return body


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
    for stop in session.execute(
        select(RouteStop).where(RouteStop.route_id.in_(ids)).order_by(RouteStop.route_id, RouteStop.seq)
    ).scalars():
        stops[stop.route_id].append(stop.point_id)
    result["items"] = [route_body(route, stops[route.id]) for route in result["items"]]
    return result
