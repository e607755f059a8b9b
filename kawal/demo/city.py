"""The reference city as plain data: contractors, kawasan contracts, fleet, points and routes, drawn from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from kawal.demo import names
from shared.city import KAWASAN

# 2025 contract values for six months and the implied unit price (DOMAIN.md, "Facts to build on").
CONTRACT_VALUES_RP = (16_840_000_000, 11_800_000_000, 4_730_000_000)
UNIT_PRICE_RP_PER_TON = 235_000
CITY_DAILY_TARGET_KG = 780_000
SMALL_DAILY_TARGET_KG = 9_000  # two vehicles of the small test city
FLEET = {"pikap": 35, "dump_truck": 55, "fuso": 15}
# capacity m3 and registered tare kg per type; a normal load stays under capacity x 600 kg/m3
VEHICLE_SPECS = {"pikap": (3.0, 1_650), "dump_truck": (12.0, 5_900), "fuso": (16.0, 7_800)}
POINT_COUNTS = {"tps": 48, "tps_liar": 100}
MORNING = ("04:00", "07:00")  # protocol roads
AFTERNOON = ("13:00", "17:00")  # markets, arterial roads, housing
ALTERNATE_DAYS = ((1, 3, 5, 7), (2, 4, 6))  # housing at least every two days


@dataclass(frozen=True)
class Contractor:
    name: str
    npwp: str
    address: str
    phone: str
    email: str


@dataclass(frozen=True)
class Contract:
    number: str
    contractor_npwp: str
    kawasan: str
    kecamatan: tuple[str, ...]
    start_date: date
    end_date: date
    value_rp: int
    unit_price_rp_per_ton: int
    daily_target_kg: int


@dataclass(frozen=True)
class Vehicle:
    plate: str
    contractor_npwp: str
    contract_number: str
    type: str
    capacity_m3: float
    tare_kg: int


@dataclass(frozen=True)
class Point:
    code: str
    name: str
    kind: str
    lat: float
    lon: float
    kecamatan: str
    kelurahan: str


@dataclass(frozen=True)
class Route:
    code: str
    contract_number: str
    plate: str
    stops: tuple[str, ...]  # point codes, in order
    weekdays: tuple[int, ...]
    window_start: str
    window_end: str


@dataclass
class City:
    contractors: list[Contractor] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    return date(day.year + month_index // 12, month_index % 12 + 1, min(day.day, 28))


def apportion(total: int, weights: tuple[int, ...]) -> list[int]:
    """Split an integer total by weights, largest remainder first, so the parts sum exactly to total."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def jitter(rng: random.Random, kecamatan: str, spread: float = 0.009) -> tuple[float, float]:
    lat, lon = names.CENTROIDS[kecamatan]
    return (
        round(min(0.62, max(0.45, lat + rng.uniform(-spread, spread))), 6),
        round(min(101.53, max(101.38, lon + rng.uniform(-spread, spread))), 6),
    )


def plate(rng: random.Random, used: set[str]) -> str:
    while True:
        candidate = (
            f"BM {rng.randint(8001, 9899)} {rng.choice(names.PLATE_SUFFIX_LETTERS)}"
            f"{rng.choice(names.PLATE_SUFFIX_LETTERS)}"
        )
        if candidate not in used:
            used.add(candidate)
            return candidate


def build_points(rng: random.Random, kecamatan: tuple[str, ...], counts: dict[str, int]) -> list[Point]:
    points: list[Point] = []

    def add(kind: str, prefix: str, name: str, kec: str) -> None:
        lat, lon = jitter(rng, kec)
        code = f"{prefix}-{sum(1 for p in points if p.kind == kind) + 1:03d}"
        points.append(Point(code, name, kind, lat, lon, kec, rng.choice(names.KELURAHAN[kec])))

    for name, kec in names.DEPOTS:
        if kec in kecamatan:
            add("depo", "DEPO", name, kec)
    for name, kec in names.MARKETS:
        if kec in kecamatan:
            add("pasar", "PSR", name, kec)
    for road, kec in names.PROTOCOL_ROADS[: counts.get("jalan_protokol", len(names.PROTOCOL_ROADS))]:
        if kec in kecamatan:
            add("jalan_protokol", "JLP", road, kec)
    # official and illegal TPS spread round-robin over the kecamatan, so every one has some
    for kind, prefix, label in (("tps", "TPS", "TPS"), ("tps_liar", "TPSL", "TPS liar")):
        for i in range(counts[kind]):
            kec = kecamatan[i % len(kecamatan)]
            kel = rng.choice(names.KELURAHAN[kec])
            lat, lon = jitter(rng, kec)
            code = f"{prefix}-{sum(1 for p in points if p.kind == kind) + 1:03d}"
            points.append(Point(code, f"{label} {kel} {i // len(kecamatan) + 1}", kind, lat, lon, kec, kel))
    return points


def build_routes(
    rng: random.Random, contract: Contract, vehicles: list[Vehicle], points: list[Point], stops_range: tuple[int, int]
) -> list[Route]:
    """Pikap routes sweep protocol roads (and markets) in the morning, trucks serve markets, depots and TPS in the
    afternoon; each vehicle works every other day, and the two halves of the fleet alternate, so every point is
    served daily or at least every two days."""
    mine = [p for p in points if p.kecamatan in contract.kecamatan]
    morning_pool = [p for p in mine if p.kind in ("jalan_protokol", "pasar")]
    morning_pool += [p for p in mine if p.kind == "tps"][: max(0, stops_range[1] - len(morning_pool))]
    afternoon_pool = [p for p in mine if p.kind != "jalan_protokol"]
    rng.shuffle(afternoon_pool)
    routes, cursors = [], {}
    area = contract.kawasan.split()[-1]
    for n, vehicle in enumerate(vehicles, start=1):
        morning = vehicle.type == "pikap" and bool(morning_pool)
        pool, window = (morning_pool, MORNING) if morning else (afternoon_pool, AFTERNOON)
        days = ALTERNATE_DAYS[n % 2]
        # walk each pool round-robin per day group, so every point is visited before any is visited twice
        cursor = cursors.get((window, days), rng.randrange(len(pool)))
        size = min(rng.randint(*stops_range), len(pool))
        stops = [pool[(cursor + i) % len(pool)] for i in range(size)]
        cursors[(window, days)] = cursor + size
        routes.append(
            Route(f"R{area}-{n:03d}", contract.number, vehicle.plate, tuple(p.code for p in stops), days, *window)
        )
    return routes


def build_city(start: date, seed: int = 2025, small: bool = False) -> City:
    """The whole reference city (or a small one for tests) for contracts starting on `start`, six months long."""
    rng = random.Random(seed)
    city = City()
    kawasan = list(KAWASAN.items())
    values = CONTRACT_VALUES_RP
    if small:
        kawasan, values = kawasan[2:], values[2:]  # Kawasan 3 (Rumbai) alone
    end = date.fromordinal(add_months(start, 6).toordinal() - 1)
    targets = apportion(SMALL_DAILY_TARGET_KG if small else CITY_DAILY_TARGET_KG, values)
    for i, ((area, kecamatan), value, target) in enumerate(zip(kawasan, values, targets, strict=True)):
        firm = names.CONTRACTORS[i + (2 if small else 0)]
        city.contractors.append(Contractor(**firm))
        number = f"DLHK-{start.year}/{start.month:02d}/{area.replace(' ', '').upper()}"
        city.contracts.append(
            Contract(number, firm["npwp"], area, tuple(kecamatan), start, end, value, UNIT_PRICE_RP_PER_TON, target)
        )
    all_kecamatan = tuple(k for _, ks in kawasan for k in ks)
    counts = {"tps": 3, "tps_liar": 4, "jalan_protokol": 32} if small else {**POINT_COUNTS}
    city.points = build_points(rng, all_kecamatan, counts)
    fleet = {"pikap": 1, "dump_truck": 1, "fuso": 0} if small else FLEET
    shares = {kind: apportion(count, values) for kind, count in fleet.items()}
    used: set[str] = set()
    for i, contract in enumerate(city.contracts):
        vehicles = []
        for kind, parts in shares.items():
            capacity, tare = VEHICLE_SPECS[kind]
            for _ in range(parts[i]):
                vehicles.append(
                    Vehicle(
                        plate(rng, used),
                        contract.contractor_npwp,
                        contract.number,
                        kind,
                        capacity,
                        tare + rng.randint(-150, 150),
                    )
                )
        city.vehicles.extend(vehicles)
        city.routes.extend(build_routes(rng, contract, vehicles, city.points, (6, 8) if small else (6, 9)))
    return city
