"""Rules of the collection network: kecamatan, point kinds and coordinates, plates, vehicle types, route windows."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from shared.city import KECAMATAN


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
