"""Seed the routes tables directly for compliance tests: a contract, its network, pickups, weighings, complaints."""
from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from shared import clock, db
from services.routes.models import (Complaint, Confirmation, Contract, Contractor, Point, Pickup, Route, Vehicle,
                                    Weighing)

SEEDED_AT = datetime(2026, 1, 1, tzinfo=clock.UTC)
_sequence = itertools.count(1)


def _id() -> str:
    return str(uuid.uuid4())


class Network:
    """One contractor with one contract, point, vehicle and route; pickups, weighings and complaints on demand."""

    def __init__(self, session: Session, number: str = "KTR-1/2026", start: date = date(2026, 1, 1),
                 end: date = date(2026, 6, 30), status: str = "active", daily_target_kg: int = 100_000,
                 activated_on: date | None = None, **sla):
        n = next(_sequence)
        self.session = session
        self.contractor_id = _id()
        self.contract_id = _id()
        self.number = number
        session.execute(insert(Contractor).values(id=self.contractor_id, name=f"PT Bersih Kota {n}"))
        terms = dict(grace_minutes=60, geofence_m=150, sync_allowance_hours=24, min_on_time_ratio=0.95,
                     complaint_hours_priority=24, complaint_hours_normal=72, shortfall_ratio=0.5,
                     shortfall_days_allowed=3)
        terms.update(sla)
        session.execute(insert(Contract).values(
            id=self.contract_id, number=number, contractor_id=self.contractor_id, kawasan="Kawasan 3",
            kecamatan=["Rumbai"], start_date=start, end_date=end, value_rp=4_730_000_000,
            unit_price_rp_per_ton=235_000, daily_target_kg=daily_target_kg, status=status, amendment_no=0,
            updated_at=SEEDED_AT, activated_on=activated_on, **terms))
        self.point_id = _id()
        session.execute(insert(Point).values(id=self.point_id, code=f"TPS-RMB-{n:03d}", name="TPS Yos Sudarso",
                                             kind="tps", lat=0.612, lon=101.438, kecamatan="Rumbai",
                                             kelurahan="Meranti Pandak", created_at=SEEDED_AT))
        self.vehicle_id = _id()
        self.plate = f"BM {8000 + n} TU"
        session.execute(insert(Vehicle).values(id=self.vehicle_id, plate=self.plate, contractor_id=self.contractor_id,
                                               type="dump_truck", capacity_m3=10, tare_kg=5_000,
                                               created_at=SEEDED_AT))
        self.route_id = _id()
        session.execute(insert(Route).values(id=self.route_id, code=f"RMB-{n:03d}", contract_id=self.contract_id,
                                             contractor_id=self.contractor_id, vehicle_id=self.vehicle_id,
                                             weekdays=[1, 2, 3, 4, 5, 6, 7], window_start=time(4, 0),
                                             window_end=time(7, 0), created_at=SEEDED_AT))
        self._stops = itertools.count(1)

    def pickup(self, day: date, start: time = time(4, 0), end: time = time(7, 0), status: str = "scheduled",
               on_time: bool | None = None, off_site: bool | None = None, verified: bool = False) -> str:
        """A pickup of the route on a WIB day with a WIB window; confirmed ones get their confirmation row."""
        pickup_id = _id()
        self.session.execute(insert(Pickup).values(
            id=pickup_id, route_id=self.route_id, stop_seq=next(self._stops), point_id=self.point_id,
            contract_id=self.contract_id, contractor_id=self.contractor_id, date=day,
            window_start_at=clock.wib_instant(day, start), window_end_at=clock.wib_instant(day, end), status=status,
            on_time=on_time, off_site=off_site, verified_at=clock.wib_instant(day, end) if verified else None))
        if status == "confirmed":
            collected = clock.wib_instant(day, start) + timedelta(minutes=30)
            self.session.execute(insert(Confirmation).values(
                id=_id(), pickup_id=pickup_id, contractor_id=self.contractor_id, collected_at=collected,
                received_at=collected, lat=0.612, lon=101.438, distance_m=400.0 if off_site else 10.0,
                on_time=bool(on_time), off_site=bool(off_site), supersedes_missed=False))
        return pickup_id

    def confirm_late_arrival(self, pickup_id: str, collected_at: datetime) -> None:
        """A confirmation row for a still-scheduled pickup (an offline driver syncing), as the API would write it."""
        self.session.execute(insert(Confirmation).values(
            id=_id(), pickup_id=pickup_id, contractor_id=self.contractor_id, collected_at=collected_at,
            received_at=collected_at, lat=0.612, lon=101.438, distance_m=10.0, on_time=False, off_site=False,
            supersedes_missed=False))

    def weighing(self, weighed_at: datetime, net_kg: int, cleared: bool = True) -> str:
        weighing_id = _id()
        self.session.execute(insert(Weighing).values(
            id=weighing_id, ticket_no=f"TPA-{uuid.uuid4().hex[:10]}", plate=self.plate, vehicle_id=self.vehicle_id,
            contract_id=self.contract_id, gross_kg=net_kg + 5_000, tare_kg=5_000, net_kg=net_kg,
            weighed_at=weighed_at, flags=[] if cleared else ["overload"], cleared=cleared, recorded_at=weighed_at))
        return weighing_id

    def complaint(self, reported_at: datetime, due_at: datetime, resolved_at: datetime | None = None,
                  status: str | None = None) -> str:
        complaint_id = _id()
        self.session.execute(insert(Complaint).values(
            id=complaint_id, point_id=self.point_id, contract_id=self.contract_id, contractor_id=self.contractor_id,
            description="Sampah menumpuk", channel="phone", priority=False, reported_at=reported_at, due_at=due_at,
            status=status or ("resolved" if resolved_at else "open"), resolved_at=resolved_at))
        return complaint_id


    def status_change(self, status: str, at: datetime) -> None:
        """A lifecycle event as the routes handler keeps it: status, the change itself, the days out of force."""
        from services.routes import contract_copy
        contract = self.session.get(Contract, self.contract_id)
        contract.status = status
        contract_copy.record_status_change(self.session, self.contract_id, status, at)
        contract_copy.refresh_days_out(self.session, contract)


def run(url: str, body, now):
    """Run a compliance function the way its task does: one unit of work at `now`."""
    with db.unit_of_work(url) as session:
        return body(session, now)


def rows(url: str, sql: str, **params) -> list[dict]:
    with db.unit_of_work(url) as session:
        return [dict(r) for r in session.execute(text(sql), params).mappings().all()]
