"""How the simulated contractors, weighbridge and public behave: stated rates, and seeded draws of each action."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta

from shared import clock

METRES_PER_DEGREE = 111_320.0
COMPLAINT_TEXTS = (
    "Sampah menumpuk belum diangkut / Waste piled up, not collected",
    "Bau menyengat dari TPS / Strong smell from the TPS",
    "Sampah berserakan di bahu jalan / Waste scattered on the roadside",
    "Kontainer penuh sejak kemarin / Container full since yesterday",
)
CHANNELS = ("whatsapp", "phone", "lapor")
# normal load per trip in kg (min, max), by vehicle type; stays under capacity x 600 kg/m3
LOAD_KG = {
    "pikap": (900, 1_500),
    "dump_truck": (4_000, 6_600),
    "fuso": (5_800, 8_800),
    "arm_roll": (3_000, 5_000),
    "compactor": (4_000, 7_000),
}


@dataclass(frozen=True)
class Rates:
    """Every behaviour the simulation draws, as a probability or a count; missed (never confirmed) is what on time,
    late, off site and offline sync leave of 1."""

    on_time: float = field(default=0.935, metadata={"help": "confirmed inside the window, on site, sent at once"})
    late: float = field(default=0.02, metadata={"help": "collected after the window, inside the grace"})
    off_site: float = field(default=0.015, metadata={"help": "confirmed in the window, GPS outside the geofence"})
    offline_sync: float = field(default=0.015, metadata={"help": "collected in the window, synced hours later"})
    trips_per_truck: int = field(default=2, metadata={"help": "weighings a truck a day at the TPA (pikap: one)"})
    overloaded: float = field(default=0.004, metadata={"help": "trips loaded with soil or sand, over capacity"})
    double_weighing: float = field(default=0.003, metadata={"help": "trips weighed twice within minutes"})
    complaints_per_point_day: float = field(default=0.015, metadata={"help": "pengaduan a point a day"})
    resolution_late: float = field(default=0.2, metadata={"help": "complaints resolved after their deadline"})
    grace_minutes: int = field(default=60, metadata={"help": "the contracts' SLA grace, late draws stay inside"})
    geofence_m: int = field(default=150, metadata={"help": "the contracts' geofence, off-site draws fall outside"})
    discipline: tuple[float, ...] = field(
        default=(0.5, 1.0, 1.8),
        metadata={
            "help": "per contract (by number): multiplies late, off-site, offline and missed; good, average, poor"
        },
    )

    @property
    def missed(self) -> float:
        return max(0.0, 1.0 - self.on_time - self.late - self.off_site - self.offline_sync)

    def for_contract(self, index: int) -> "Rates":
        """The rates one contractor lives by: its slips scaled by its discipline factor."""
        factor = self.discipline[index % len(self.discipline)] if self.discipline else 1.0
        slips = {name: getattr(self, name) * factor for name in ("late", "off_site", "offline_sync")}
        missed = self.missed * factor
        return replace(self, on_time=max(0.0, 1.0 - sum(slips.values()) - missed), **slips)

    def with_missed(self, missed: float) -> "Rates":
        """The same slips with `missed` never confirmed: on time is what is left."""
        return replace(self, on_time=max(0.0, 1.0 - missed - self.late - self.off_site - self.offline_sync))

    def describe(self) -> list[tuple[str, str, str]]:
        rows = [(f.name, str(getattr(self, f.name)), f.metadata.get("help", "")) for f in fields(self)]
        return rows + [("missed", f"{self.missed:.3f}", "never confirmed: what the four above leave of 1")]


@dataclass(frozen=True)
class Action:
    """One HTTP call the simulation makes at a simulated instant."""

    at: datetime
    kind: str  # confirm, weigh, complain, resolve
    path: str
    body: dict
    role: str = "contractor"
    contractor_id: str | None = None
    idempotency_key: str | None = None
    label: str = ""  # what the draw intended: on_time, late, off_site, offline, overloaded, double, ...


def rng_for(seed: int, *parts: object) -> random.Random:
    """An RNG per decision, so a run does not depend on the order threads finish in."""
    return random.Random(":".join([str(seed), *map(str, parts)]))


def offset(lat: float, lon: float, distance_m: float, bearing: float) -> tuple[float, float]:
    d_lat = distance_m * math.cos(bearing) / METRES_PER_DEGREE
    d_lon = distance_m * math.sin(bearing) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lon + d_lon, 6)


def window_of(day: date, start: str, end: str) -> tuple[datetime, datetime]:
    return (clock.wib_instant(day, time.fromisoformat(start)), clock.wib_instant(day, time.fromisoformat(end)))


def draw_outcome(rng: random.Random, rates: Rates) -> str:
    roll = rng.random()
    for label in ("on_time", "late", "off_site", "offline_sync"):
        roll -= getattr(rates, label)
        if roll < 0:
            return label
    return "missed"


def plan_confirmation(
    rng: random.Random,
    rates: Rates,
    pickup_id: str,
    contractor_id: str,
    window: tuple[datetime, datetime],
    point: tuple[float, float],
) -> Action | None:
    """The contractor's confirmation of one pickup, or None when the crew never comes."""
    outcome = draw_outcome(rng, rates)
    if outcome == "missed":
        return None
    start, end = window
    span = (end - start).total_seconds()
    collected = start + timedelta(seconds=rng.uniform(0.05, 0.9) * span)
    lat, lon = offset(*point, rng.uniform(0, rates.geofence_m * 0.4), rng.uniform(0, 2 * math.pi))
    sent = collected + timedelta(minutes=rng.uniform(0.5, 4))
    if outcome == "late":
        collected = end + timedelta(minutes=rng.uniform(5, rates.grace_minutes * 0.8))
        sent = collected + timedelta(minutes=rng.uniform(0.5, 3))
    elif outcome == "off_site":
        lat, lon = offset(*point, rng.uniform(rates.geofence_m * 2, rates.geofence_m * 6), rng.uniform(0, 2 * math.pi))
    elif outcome == "offline_sync":
        sent = end + timedelta(minutes=rates.grace_minutes) + timedelta(hours=rng.uniform(2, 18))
    # no photo: routes refuses a hash it does not hold, and the simulated crews carry no camera
    body = {"collected_at": clock.iso(collected), "lat": lat, "lon": lon, "note": f"demo {outcome}"}
    return Action(
        sent,
        "confirm",
        f"/pickups/{pickup_id}/confirmation",
        body,
        "contractor",
        contractor_id,
        f"demo-confirm-{pickup_id}",
        outcome,
    )


def trip_times(rng: random.Random, day: date, vehicle_type: str, trips: int) -> list[datetime]:
    """When a vehicle reaches the TPA (open 08:00-24:00 WIB): pikaps after the morning round, trucks after the
    afternoon window (13:00-17:00), then again late in the evening."""
    if vehicle_type == "pikap":
        slots = [(8.0, 11.5), (17.5, 20.0), (20.5, 22.0)]
    else:
        slots = [(17.3, 20.0), (20.3, 23.3), (23.4, 23.9)]
    day_start = clock.wib_instant(day, time(0, 0))
    return [day_start + timedelta(hours=rng.uniform(*slots[i % len(slots)])) for i in range(trips)]


def plan_weighings(
    seed: int, rates: Rates, day: date, plate: str, vehicle_type: str, capacity_m3: float, tare_kg: int
) -> list[Action]:
    """A vehicle's trips to the weighbridge on one day; a few overloaded, a few weighed twice."""
    rng = rng_for(seed, "weigh", day, plate)
    trips = 1 if vehicle_type == "pikap" else rates.trips_per_truck
    actions = []
    for n, at in enumerate(trip_times(rng, day, vehicle_type, trips), start=1):
        low, high = LOAD_KG.get(vehicle_type, (2_000, 5_000))
        net, label = rng.randint(low, high), "normal"
        if rng.random() < rates.overloaded:
            net, label = int(capacity_m3 * 600 * rng.uniform(1.08, 1.3)), "overloaded"
        ticket = f"TPA-{day:%Y%m%d}-{plate.replace(' ', '')}-{n}"
        body = {"ticket_no": ticket, "plate": plate, "gross_kg": tare_kg + net, "weighed_at": clock.iso(at)}
        actions.append(Action(at, "weigh", "/weighings", body, "dinas", None, ticket, label))
        if rng.random() < rates.double_weighing:
            again = at + timedelta(minutes=rng.uniform(4, 15))
            twin = {
                **body,
                "ticket_no": f"{ticket}-B",
                "gross_kg": body["gross_kg"] + rng.randint(-80, 80),
                "weighed_at": clock.iso(again),
            }
            actions.append(Action(again, "weigh", "/weighings", twin, "dinas", None, twin["ticket_no"], "double"))
    return actions


def plan_complaints(seed: int, rates: Rates, day: date, points: list[tuple[str, str]]) -> list[Action]:
    """Residents' complaints of one day, each at a point (id, code), reported between 06:00 and 21:00 WIB; drawn by
    point code, so a fresh city with new ids gets the same complaints."""
    actions = []
    for point_id, code in points:
        rng = rng_for(seed, "complain", day, code)
        if rng.random() >= rates.complaints_per_point_day:
            continue
        at = clock.wib_instant(day, time(0, 0)) + timedelta(hours=rng.uniform(6, 21))
        body = {"point_id": point_id, "description": rng.choice(COMPLAINT_TEXTS), "channel": rng.choice(CHANNELS)}
        actions.append(
            Action(at, "complain", "/complaints", body, "dinas", None, f"demo-complaint-{day}-{code}", "complaint")
        )
    return actions


def plan_resolution(
    seed: int,
    rates: Rates,
    complaint_id: str,
    contractor_id: str,
    reported_at: datetime,
    due_at: datetime,
    draw_key: str,
) -> Action:
    """The contractor resolves a complaint: mostly before its deadline, some hours or days after it."""
    rng = rng_for(seed, "resolve", draw_key)  # the complaint's own key, not its server-made id: same run, same draw
    allowed = (due_at - reported_at).total_seconds()
    if rng.random() < rates.resolution_late:
        at, label = due_at + timedelta(hours=rng.uniform(2, 60)), "late"
    else:
        at, label = reported_at + timedelta(seconds=allowed * rng.uniform(0.1, 0.8)), "in_time"
    body = {"note": "Sudah diangkut dan dibersihkan / Collected and cleaned"}
    return Action(
        at,
        "resolve",
        f"/complaints/{complaint_id}/resolution",
        body,
        "contractor",
        contractor_id,
        f"demo-resolve-{complaint_id}",
        label,
    )
