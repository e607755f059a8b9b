"""Billing integration fixtures: a clean billing database per test, an app on it, and events to feed it."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest

from services.billing.app import create_app
from services.billing.handlers import HANDLERS, PERIODIC
from shared import auth, db, events, inbox
from shared.inbox import NotYetKnown
from tests.support.databases import truncate_all

UTC = timezone.utc


@pytest.fixture
def billing(billing_db, frozen_clock):
    truncate_all(billing_db)
    frozen_clock(datetime(2025, 4, 2, 3, 0, tzinfo=UTC))
    app = create_app({"KAWAL_DATABASE_URL": billing_db, "TESTING": True})
    return app.test_client()


def token(role: str, contractor_id: str | None = None) -> dict:
    return {"Authorization": f"Bearer {auth.mint(role, contractor_id=contractor_id)}"}


DINAS, AUDITOR = token("dinas"), token("auditor")


def envelope(type_: str, **data) -> events.Envelope:
    """An event as the consumer hands it to a handler: built by the producer's rules, then parsed."""
    return events.parse(events.make(type_, data, producer=type_.split(".")[0]).to_json())


def deliver(url: str, envelopes: list[events.Envelope]) -> None:
    """Apply events the way the consumer does (inbox claim + handler, one transaction each), retrying NotYetKnown
    at the back of the queue the way the retry queues do; then the events process's periodic draft repricing."""
    pending = list(envelopes)
    attempts = 0
    while pending:
        current = pending.pop(0)
        try:
            with db.unit_of_work(url) as session:
                if inbox.claim(session, current.id, current.type):
                    HANDLERS[current.type](session, current)
        except NotYetKnown:
            attempts += 1
            assert attempts < 1000, "an event stayed unknown"
            pending.append(current)
    refresh(url)


def refresh(url: str) -> None:
    """What the billing events process does every second: reprice the drafts whose evidence changed."""
    for _, fn in PERIODIC:
        with db.unit_of_work(url) as session:
            fn(session)


class World:
    """One contract and the facts of a month, as events."""

    def __init__(self, value_rp=1_000_000_000, cap_rp=50_000_000, start=date(2025, 1, 1), end=date(2025, 12, 31),
                 activated_on=None, bond_rp=50_000_000):
        self.contract_id, self.contractor_id = str(uuid.uuid4()), str(uuid.uuid4())
        self.value_rp, self.cap_rp, self.start, self.end = value_rp, cap_rp, start, end
        self.activated_on, self.bond_rp = activated_on or start, bond_rp

    def activated(self):
        return envelope("contracts.contract.activated", contract_id=self.contract_id, number="KTR/2025/001",
                        contractor_id=self.contractor_id, kawasan="Kawasan 1", kecamatan=["Sail"],
                        start_date=self.start, end_date=self.end, value_rp=self.value_rp,
                        activated_on=self.activated_on, performance_bond_rp=self.bond_rp,
                        unit_price_rp_per_ton=235_000, daily_target_kg=100_000, ppn_rate=0.11,
                        sla={"grace_minutes": 60, "geofence_m": 150, "sync_allowance_hours": 24,
                             "min_on_time_ratio": 0.95, "complaint_hours_priority": 24, "complaint_hours_normal": 72,
                             "shortfall_ratio": 0.5, "shortfall_days_allowed": 3},
                        penalties={"missed_pickup_rp": 500_000, "complaint_day_rp": 250_000,
                                   "shortfall_day_rp": 1_000_000, "cap_ratio": 0.05, "cap_rp": self.cap_rp})

    def _pickup(self, pickup_id, day):
        return {"pickup_id": pickup_id, "contract_id": self.contract_id, "route_id": str(uuid.uuid4()),
                "point_id": str(uuid.uuid4()), "date": day}

    def missed(self, pickup_id, day):
        return envelope("routes.pickup.missed", **self._pickup(pickup_id, day),
                        window_end=datetime.combine(day, datetime.min.time(), UTC))

    def confirmed(self, pickup_id, day, off_site=False, supersedes_missed=False):
        at = datetime.combine(day, datetime.min.time(), UTC)
        return envelope("routes.pickup.confirmed", **self._pickup(pickup_id, day), on_time=not supersedes_missed,
                        late=supersedes_missed, off_site=off_site, collected_at=at, received_at=at,
                        supersedes_missed=supersedes_missed)

    def decided(self, kind, pickup_id, day):
        return envelope(f"routes.pickup.{kind}", pickup_id=pickup_id, contract_id=self.contract_id, date=day,
                        reason="banjir / flood")

    def weighed(self, weighing_id, net_kg, at, cleared=True, flags=()):
        return envelope("routes.weighing.recorded", weighing_id=weighing_id, contract_id=self.contract_id,
                        plate="BM 1234 XY", net_kg=net_kg, weighed_at=at, flags=list(flags), cleared=cleared)

    def cleared(self, weighing_id, net_kg, at):
        return envelope("routes.weighing.cleared", weighing_id=weighing_id, contract_id=self.contract_id,
                        net_kg=net_kg, weighed_at=at)

    def complaint(self, kind, complaint_id, due_at, resolved_at=None, overdue_days=0):
        return envelope(f"routes.complaint.{kind}", complaint_id=complaint_id, contract_id=self.contract_id,
                        due_at=due_at, resolved_at=resolved_at, overdue_days=overdue_days)

    def amended(self, number, effective_from, **changes):
        return envelope("contracts.contract.amended", contract_id=self.contract_id, amendment_no=number,
                        effective_from=effective_from, **changes)

    def lifecycle(self, status, at):
        return envelope(f"contracts.contract.{status}", contract_id=self.contract_id, reason="test", at=at)

    def evaluated(self, day, shortfall, revision=1):
        return envelope("routes.compliance.evaluated", contract_id=self.contract_id, date=day, scheduled=10,
                        on_time=8, late=1, missed=1, off_site=0, excused=0, net_kg=10_000 if shortfall else 90_000,
                        target_kg=100_000, shortfall=shortfall, revision=revision)


def draft(client, world: World, month: str) -> dict:
    response = client.post("/api/v1/invoices", json={"contract_id": world.contract_id, "month": month},
                           headers=DINAS)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def post(client, invoice_id: str, action: str) -> dict:
    response = client.post(f"/api/v1/invoices/{invoice_id}/{action}", headers=DINAS)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def figures(invoice: dict) -> dict:
    """What must not depend on arrival order: every Rupiah, every line and its evidence."""
    keep = ("month", "status", "tonnage_kg", "tonnage_rp", "ceiling_excess_rp", "deductions_rp", "capped_rp",
            "carried_in_rp", "carried_out_rp", "dpp_rp", "ppn_rp", "total_rp")
    lines = [(l["kind"], l["quantity"], l["unit_rp"], l["amount_rp"], tuple(sorted(l["evidence"])))
             for l in invoice["lines"]]
    return {**{k: invoice[k] for k in keep}, "lines": lines}
