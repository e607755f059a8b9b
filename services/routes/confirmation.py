"""The confirmation rules: when a contractor's word that a pickup was collected is refused, on time, late or off-site,
and when the agency may excuse a pickup or verify an off-site confirmation. Plain functions; pickups.py applies them.
FUTURE_TOLERANCE is the one device-clock tolerance of all evidence (weighings and complaints use it too)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

FUTURE_TOLERANCE = timedelta(
    minutes=2
)  # clocks drift (a driver's phone, the weighbridge PC, the complaint desk): more ahead of the server is refused
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


@dataclass(frozen=True)
class Terms:
    """The contract's SLA terms a confirmation is judged by."""

    grace: timedelta
    sync_allowance: timedelta
    geofence_m: float


@dataclass(frozen=True)
class Claim:
    collected_at: datetime  # device time
    received_at: datetime  # server time
    distance_m: float  # from the point, by the device's GPS


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Verdict:
    on_time: bool
    off_site: bool
    supersedes_missed: bool

    @property
    def late(self) -> bool:
        return not self.on_time


class Refused(Exception):
    """The confirmation is not accepted; `code` is the API's error code."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def check_state(pickup_status: str, contract_status: str) -> None:
    """409s: what the pickup or its contract already is forbids a confirmation."""
    if pickup_status == "confirmed":
        raise Refused(409, "already_confirmed", "The pickup is already confirmed.")
    if pickup_status == "excused":
        raise Refused(409, "excused", "The pickup was excused by the agency.")
    if contract_status != "active":
        raise Refused(409, "contract_not_active", f"The contract is {contract_status}.")


def check_times(claim: Claim, window: Window, terms: Terms) -> None:
    """422s, in the order a reviewer reads them: device clock, then the window, then the sync allowance."""
    if claim.collected_at - claim.received_at > FUTURE_TOLERANCE:
        raise Refused(422, "future", "collected_at is after the server's time.", "collected_at")
    if claim.collected_at < window.start:
        raise Refused(422, "before_window", "collected_at is before the window opens.", "collected_at")
    if claim.collected_at > window.end + terms.grace:
        raise Refused(422, "window_closed", "collected_at is after the window end plus grace.", "collected_at")
    if claim.received_at - claim.collected_at > terms.sync_allowance:
        raise Refused(422, "stale", "The confirmation arrived after the offline sync allowance.", "collected_at")


def judge(claim: Claim, window: Window, terms: Terms, pickup_status: str, contract_status: str) -> Verdict:
    """Refuse (raise Refused) or accept and classify a confirmation."""
    check_state(pickup_status, contract_status)
    check_times(claim, window, terms)
    off_site = claim.distance_m > terms.geofence_m
    on_time = (
        window.start <= claim.collected_at <= window.end
        and claim.received_at <= window.end + terms.grace
        and not off_site
    )
    superseding = pickup_status == "missed"
    # a miss superseded by an offline driver's sync is confirmed, but never on time
    return Verdict(on_time=on_time and not superseding, off_site=off_site, supersedes_missed=superseding)


def can_excuse(pickup_status: str) -> bool:
    """Flood or road closed: only a pickup not yet collected (scheduled, or already swept as missed)."""
    return pickup_status in ("scheduled", "missed")


def can_verify(pickup_status: str, off_site: bool | None, verified: bool) -> bool:
    """Only an off-site confirmation awaits the agency's verification, once."""
    return pickup_status == "confirmed" and bool(off_site) and not verified
