"""Twin contracts for the chaos run, seeded through the APIs: one confirmed quietly, one under faults, same shape.

The day's window is open all day (pickups whose window has already passed are no longer scheduled), so nothing is
swept during the run; a tenth of the confirmations are off site, each a deduction on the invoice, and every
confirmation is counted in routes and billing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import create_engine, text

from kawal.demo.client import ApiFailure, Kawal
from kawal.demo.seeder import until_accepted
from shared import clock
from tests.support.broker import wait_until

DAY = date(2026, 11, 10)
MONTH = "2026-11"
CLOCK_START = clock.wib_instant(DAY, time(6, 0))
STOPS = 100  # points per contract, every route visits them all
OFF_SITE_EVERY = 10  # one confirmation in ten is 1 km away from its point
UNCONFIRMED_PER_CONFIRMED = 10  # one pickup in eleven is never confirmed (stays missed)
BASE_LAT, BASE_LON = 0.50, 101.40
REPLICATION_WAIT_S = 240.0


@dataclass
class Contract:
    label: str
    contract_id: str
    contractor_id: str
    plate: str
    pickups: list[str] = field(default_factory=list)  # to confirm, in order
    unconfirmed: list[str] = field(default_factory=list)
    points: dict[str, tuple[float, float]] = field(default_factory=dict)  # pickup id -> its point's lat, lon


def seed(kawal: Kawal, label: str, kecamatan: str, confirmations: int, routes_url: str, npwp: str) -> Contract:
    """A contractor, an active contract, its points, a vehicle, routes and one day's pickups, all swept missed."""
    contractor = kawal.must_post("contracts", "/contractors", {"name": f"PT Uji {label}", "npwp": npwp})
    contract = kawal.must_post("contracts", "/contracts", {
        "number": f"CHAOS-{label}/2026", "contractor_id": contractor["id"], "kawasan": f"Kawasan {label}",
        "kecamatan": [kecamatan], "start_date": DAY.isoformat(), "end_date": (DAY + timedelta(days=180)).isoformat(),
        "value_rp": 10_000_000_000, "unit_price_rp_per_ton": 235_000, "daily_target_kg": 260_000,
        "sla": {"grace_minutes": 60, "geofence_m": 150, "sync_allowance_hours": 24},
        # small rates, so that the tonnage line stays above the deductions and every Rupiah shows on the DPP
        "penalties": {"missed_pickup_rp": 2_000, "complaint_day_rp": 2_000, "shortfall_day_rp": 2_000,
                      "cap_ratio": 0.05}})
    kawal.must_post("contracts", f"/contracts/{contract['id']}/activate", {})
    plate = f"BM {1000 + sum(map(ord, label))} CH"
    vehicle = _accepted(kawal, "/vehicles", {"plate": plate, "contractor_id": contractor["id"], "type": "dump_truck",
                                             "capacity_m3": 14, "tare_kg": 8000})
    point_ids = [_accepted(kawal, "/points", {
        "code": f"{label}-{n}", "name": f"TPS {label} {n}", "kind": "tps", "lat": BASE_LAT + n * 0.002,
        "lon": BASE_LON, "kecamatan": kecamatan, "kelurahan": "Uji"})["id"] for n in range(STOPS)]
    total = confirmations + max(1, confirmations // UNCONFIRMED_PER_CONFIRMED)
    for n in range(-(-total // STOPS)):
        route = _accepted(kawal, "/routes", {
            "code": f"{label}-R{n}", "contract_id": contract["id"], "vehicle_id": vehicle["id"], "stops": point_ids,
            "weekdays": [1, 2, 3, 4, 5, 6, 7], "window_start": "00:00", "window_end": "23:59"})
        kawal.must_post("routes", f"/routes/{route['id']}/schedule", {"from": DAY.isoformat(), "to": DAY.isoformat()})
    engine = create_engine(routes_url)
    try:
        wait_until(lambda: _count(engine, contract["id"], "scheduled") >= total, timeout=120, message="the day's pickups")
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT p.id::text, pt.lat, pt.lon FROM pickups p JOIN points pt ON pt.id = p.point_id "
                "WHERE p.contract_id = CAST(:c AS uuid) AND p.date = :d ORDER BY p.route_id, p.stop_seq"),
                {"c": contract["id"], "d": DAY}).all()
    finally:
        engine.dispose()
    result = Contract(label, contract["id"], contractor["id"], plate,
                      points={r[0]: (float(r[1]), float(r[2])) for r in rows})
    for n, row in enumerate(rows):
        skip = n % (UNCONFIRMED_PER_CONFIRMED + 1) == UNCONFIRMED_PER_CONFIRMED or len(result.pickups) >= confirmations
        (result.unconfirmed if skip else result.pickups).append(row[0])
    return result


def confirmation_body(contract: Contract, index: int, pickup_id: str) -> dict:
    lat, lon = contract.points[pickup_id]
    if index % OFF_SITE_EVERY == OFF_SITE_EVERY - 1:
        lat += 0.01
    collected = clock.wib_instant(DAY, time(0, 30)) + timedelta(seconds=index % 1200)
    return {"collected_at": collected.isoformat(), "lat": lat, "lon": lon}


def weighing_body(contract: Contract, n: int) -> dict:
    # 25 minutes apart: the same plate within 20 minutes would be flagged, and which one depends on arrival order
    weighed = datetime.combine(DAY, time(0, 0), clock.WIB) + timedelta(minutes=25 * n)
    return {"ticket_no": f"CH-{contract.label}-{n}", "plate": contract.plate, "gross_kg": 13_000 + 37 * n,
            "weighed_at": weighed.isoformat()}


def _accepted(kawal: Kawal, path: str, body: dict) -> dict:
    # the contractor and contract reach routes as events: on a busy shared machine that can take a while
    answer = until_accepted(lambda: kawal.post("routes", path, body), wait_seconds=REPLICATION_WAIT_S)
    if not answer.ok:
        raise ApiFailure("POST", path, answer)
    return answer.body


def _count(engine, contract_id: str, status: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT count(*) FROM pickups WHERE contract_id = CAST(:c AS uuid) AND date = :d AND status = :s"),
            {"c": contract_id, "d": DAY, "s": status}).scalar_one()
