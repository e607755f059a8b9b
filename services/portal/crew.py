"""What the crew's phone needs, picked from the routes API's answers (plain functions over the APIs' bodies)."""

from __future__ import annotations

from datetime import date

from shared import clock


def day_list(day: date, vehicle: dict, routes: list[dict], pickups: list[dict], points: dict[str, dict]) -> dict:
    """A vehicle's pickups of one WIB day, in round order: by window start, then route, then stop order."""
    code_of = {route["id"]: route["code"] for route in routes}
    stops = []
    for pickup in sorted(pickups, key=lambda p: (p["window_start_at"], code_of.get(p["route_id"], ""), p["stop_seq"])):
        point = points.get(pickup["point_id"], {})
        stops.append(
            {
                "pickup_id": pickup["id"],
                "route": code_of.get(pickup["route_id"], ""),
                "seq": pickup["stop_seq"],
                "point": {
                    "code": point.get("code", ""),
                    "name": point.get("name", ""),
                    "kelurahan": point.get("kelurahan", ""),
                    "kecamatan": point.get("kecamatan", ""),
                    "lat": point.get("lat"),
                    "lon": point.get("lon"),
                },
                "window_start_at": pickup["window_start_at"],
                "window_end_at": pickup["window_end_at"],
                "window": f"{_wib_clock(pickup['window_start_at'])}–{_wib_clock(pickup['window_end_at'])}",
                "status": pickup["status"],
                "on_time": pickup.get("on_time"),
                "off_site": pickup.get("off_site"),
                "superseded_miss": pickup.get("superseded_miss", False),
            }
        )
    return {"date": day.isoformat(), "vehicle": {"id": vehicle["id"], "plate": vehicle["plate"]}, "stops": stops}


def complaint_list(complaints: list[dict], points: dict[str, dict]) -> list[dict]:
    """Open and overdue complaints, the most urgent (earliest due) first."""
    items = []
    for complaint in sorted(complaints, key=lambda c: c["due_at"]):
        point = points.get(complaint["point_id"], {})
        items.append(
            {
                "id": complaint["id"],
                "status": complaint["status"],
                "description": complaint["description"],
                "priority": complaint.get("priority", False),
                "due_at": complaint["due_at"],
                "due": _wib_moment(complaint["due_at"]),
                "point": {
                    "code": point.get("code", ""),
                    "name": point.get("name", ""),
                    "kelurahan": point.get("kelurahan", ""),
                    "lat": point.get("lat"),
                    "lon": point.get("lon"),
                },
            }
        )
    return items


def _wib_clock(instant: str) -> str:
    return clock.to_wib(clock.parse_instant(instant)).strftime("%H:%M")


def _wib_moment(instant: str) -> str:
    return clock.to_wib(clock.parse_instant(instant)).strftime("%d/%m %H:%M WIB")
