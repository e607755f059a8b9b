"""Fixtures of the routes service's integration tests: the app on the real database, contracts replicated by events."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text

from shared import auth, clock, db, events, inbox
from tests.support.databases import truncate_all

DEFAULT_SLA = {"grace_minutes": 60, "geofence_m": 150, "sync_allowance_hours": 24, "min_on_time_ratio": 0.95,
               "complaint_hours_priority": 24, "complaint_hours_normal": 72, "shortfall_ratio": 0.5,
               "shortfall_days_allowed": 3}
PENALTIES = {"missed_pickup_rp": 500_000, "complaint_day_rp": 500_000, "shortfall_day_rp": 1_000_000,
             "cap_ratio": 0.05, "cap_rp": 236_000_000}
# TPS Jalan Yos Sudarso, Rumbai (invented point, real place)
POINT_LAT, POINT_LON = 0.6120, 101.4380
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)  # 10:00 WIB, a Tuesday


@pytest.fixture(scope="session")
def routes_app(routes_db, amqp_url):
    from services.routes.app import create_app

    app = create_app({"TESTING": True})
    return app


@pytest.fixture
def client(routes_app, routes_db, frozen_clock):
    truncate_all(routes_db)
    frozen_clock(NOW)
    return routes_app.test_client()


def bearer(role: str, contractor_id: str | None = None) -> dict:
    return {"Authorization": f"Bearer {auth.mint(role, contractor_id=contractor_id)}"}


def deliver(routes_db: str, type_: str, data: dict) -> events.Envelope:
    """What the consumer does with one message: parse it, claim it in the inbox, apply the handler, commit."""
    from services.routes.handlers import HANDLERS

    envelope = events.parse(events.make(type_, data, producer="contracts").to_json())
    with db.unit_of_work(routes_db) as session:
        if inbox.claim(session, envelope.id, envelope.type):
            HANDLERS[type_](session, envelope)
    return envelope


def activate(routes_db: str, contractor_id: str, kecamatan: list[str], number: str = "KTR-3/2026",
             start: date = date(2026, 1, 1), end: date = date(2026, 6, 30), activated_on: date | None = None,
             **sla) -> str:
    """A contract activated on its start date unless told otherwise (days before activation are not in force)."""
    contract_id = str(uuid.uuid4())
    deliver(routes_db, "contracts.contract.activated", {
        "activated_on": activated_on or start,
        "contract_id": contract_id, "number": number, "contractor_id": contractor_id, "kawasan": "Kawasan 3",
        "kecamatan": kecamatan, "start_date": start, "end_date": end, "value_rp": 4_730_000_000,
        "unit_price_rp_per_ton": 235_000, "daily_target_kg": 110_000, "ppn_rate": 0.11,
        "sla": {**DEFAULT_SLA, **sla}, "penalties": PENALTIES})
    return contract_id


def register_contractor(routes_db: str, name: str = "PT Sungai Siak Bersih") -> str:
    contractor_id = str(uuid.uuid4())
    deliver(routes_db, "contracts.contractor.registered",
            {"contractor_id": contractor_id, "name": name, "npwp": "01.234.567.8-216.000"})
    return contractor_id


class World:
    """One contractor, its active contract over kawasan 3, a point, a vehicle and a daily route, via HTTP."""

    def __init__(self, client, routes_db):
        self.client, self.db = client, routes_db
        self.dinas = bearer("dinas")
        self.auditor = bearer("auditor")
        self.contractor_id = register_contractor(routes_db)
        self.contractor = bearer("contractor", self.contractor_id)
        self.contract_id = activate(routes_db, self.contractor_id, ["Rumbai", "Rumbai Barat", "Rumbai Timur"])
        self.point_id = self.point("TPS-RMB-001")["id"]
        self.vehicle = self.post("/vehicles", {"plate": "bm 8123 ru", "contractor_id": self.contractor_id,
                                               "type": "dump_truck", "capacity_m3": 10, "tare_kg": 6000}).json
        self.route = self.post("/routes", {"code": "R3-01", "contract_id": self.contract_id,
                                           "vehicle_id": self.vehicle["id"], "stops": [self.point_id],
                                           "weekdays": [1, 2, 3, 4, 5, 6, 7], "window_start": "13:00",
                                           "window_end": "17:00"}).json

    def post(self, path: str, body: dict, headers: dict | None = None, expect: int | None = None):
        response = self.client.post(f"/api/v1{path}", json=body, headers=headers or self.dinas)
        if expect is not None:
            assert response.status_code == expect, response.json
        return response

    def get(self, path: str, headers: dict | None = None, **query):
        return self.client.get(f"/api/v1{path}", query_string=query, headers=headers or self.dinas)

    def point(self, code: str, kind: str = "tps", kecamatan: str = "Rumbai", lat: float = POINT_LAT,
              lon: float = POINT_LON) -> dict:
        return self.post("/points", {"code": code, "name": f"TPS {code}", "kind": kind, "lat": lat, "lon": lon,
                                     "kecamatan": kecamatan, "kelurahan": "Umban Sari"}, expect=201).json

    def schedule(self, day: date, to: date | None = None) -> int:
        return self.post(f"/routes/{self.route['id']}/schedule",
                         {"from": day.isoformat(), "to": (to or day).isoformat()}, expect=200).json["scheduled"]

    def pickup_on(self, day: date) -> dict:
        self.schedule(day)
        return self.get("/pickups", date=day.isoformat()).json["items"][0]

    def outbox(self, type_: str) -> list[dict]:
        with db.unit_of_work(self.db) as session:
            return session.execute(text("SELECT envelope FROM outbox WHERE type = :t ORDER BY seq"),
                                   {"t": type_}).scalars().all()

    def sql(self, statement: str, **params):
        with db.unit_of_work(self.db) as session:
            result = session.execute(text(statement), params)
            return result.all() if result.returns_rows else result.rowcount


@pytest.fixture
def world(client, routes_db):
    return World(client, routes_db)


def wib(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return clock.wib_instant(day, datetime.min.time().replace(hour=hh, minute=mm, second=ss))
