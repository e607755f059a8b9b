"""An objection's whole loop on the real databases: billing decides, routes excuses the evidence, billing credits it.

Hand-computed from DOMAIN.md: three missed pickups in March 2025 at Rp500.000 (the rate until an amendment raises it
to Rp750.000 from 1 April); an accepted objection to one of them is a credit on April's draft of exactly the rate in
force on the pickup's day, inside the cap formula min(D(m), cap) - min(D(m-1), cap)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import text

from services.routes.compliance.daily import evaluate_days
from services.routes.compliance.sweep import sweep as sweep_overdue
from services.routes.app import create_app as create_routes_app
from services.routes.handlers import HANDLERS as ROUTES_HANDLERS
from shared import clock, db, events, inbox
from tests.integration.billing.conftest import DINAS, World, deliver, draft, envelope, post, refresh, token
from tests.support.databases import truncate_all

UTC = timezone.utc
ISSUE_AT = datetime(2025, 4, 2, 3, 0, tzinfo=UTC)  # 10:00 WIB on 2 April: March ended plus the sync allowance
MISSED_DAYS = [date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)]


class Relay:
    """Carries each service's outbox rows to the other's handlers, the way relay + consumer do."""

    def __init__(self, routes_db: str, billing_db: str):
        self.urls = {"routes": routes_db, "billing": billing_db}
        self.sent = {"routes": 0, "billing": 0}

    def pending(self, producer: str) -> list[events.Envelope]:
        with db.unit_of_work(self.urls[producer]) as session:
            rows = session.execute(text("SELECT seq, envelope FROM outbox WHERE seq > :s ORDER BY seq"),
                                   {"s": self.sent[producer]}).all()
        if rows:
            self.sent[producer] = rows[-1].seq
        return [events.parse(events.Envelope(**row.envelope).to_json()) for row in rows]

    def routes_to_billing(self) -> list[str]:
        envelopes = self.pending("routes")
        deliver(self.urls["billing"], [e for e in envelopes if e.type in BILLING_TYPES])
        refresh(self.urls["billing"])
        return [e.type for e in envelopes]

    def billing_to_routes(self) -> list[str]:
        envelopes = [e for e in self.pending("billing") if e.type in ROUTES_HANDLERS]
        for envelope_ in envelopes:
            with db.unit_of_work(self.urls["routes"]) as session:
                if inbox.claim(session, envelope_.id, envelope_.type):
                    ROUTES_HANDLERS[envelope_.type](session, envelope_)
        return [e.type for e in envelopes]


from services.billing.handlers import HANDLERS as _BILLING_HANDLERS  # noqa: E402

BILLING_TYPES = set(_BILLING_HANDLERS)


class Loop:
    """One contract known to both services; March's pickups scheduled and swept in routes; March issued."""

    def __init__(self, billing, routes, relay: Relay, frozen_clock, cap_rp: int, with_complaint: bool = False):
        self.billing, self.routes, self.relay, self.frozen_clock = billing, routes, relay, frozen_clock
        self.with_complaint = with_complaint
        self.world = World(cap_rp=cap_rp)
        self.own = token("contractor", self.world.contractor_id)
        self.complaint = None
        registered = envelope("contracts.contractor.registered", contractor_id=self.world.contractor_id,
                              name="PT Sungai Siak Bersih", npwp="01.234.567.8-216.000")
        activated = self.world.activated()
        for envelope_ in (registered, activated):
            with db.unit_of_work(relay.urls["routes"]) as session:
                ROUTES_HANDLERS[envelope_.type](session, envelope_)
        # from 1 April a missed pickup costs Rp750.000: March's facts keep March's rate
        deliver(relay.urls["billing"], [registered, activated, self.world.amended(
            1, date(2025, 4, 1), penalties={"missed_pickup_rp": 750_000, "complaint_day_rp": 250_000,
                                            "shortfall_day_rp": 1_000_000, "cap_ratio": 0.05, "cap_rp": cap_rp}),
            # 400 t a month (Rp94.000.000), so deductions are deducted rather than carried
            *[self.world.weighed(str(uuid.uuid4()), 400_000, datetime(2025, month, 2, 3, 0, tzinfo=UTC))
              for month in (3, 4)]])
        self.pickups = self._miss_three_pickups()
        self.relay.routes_to_billing()
        frozen_clock(ISSUE_AT)
        self.march = post(billing, draft(billing, self.world, "2025-03")["id"], "issue")

    def _miss_three_pickups(self) -> list[str]:
        self.frozen_clock(clock.wib_instant(MISSED_DAYS[0], time(0, 30)))
        dinas = {"headers": DINAS}
        point = self.routes.post("/api/v1/points", json={
            "code": "TPS-SAIL-01", "name": "TPS Jalan Sudirman", "kind": "tps", "lat": 0.5071, "lon": 101.4478,
            "kecamatan": "Sail", "kelurahan": "Cinta Raja"}, **dinas).get_json()
        vehicle = self.routes.post("/api/v1/vehicles", json={
            "plate": "BM 8123 SA", "contractor_id": self.world.contractor_id, "type": "dump_truck",
            "capacity_m3": 10, "tare_kg": 6000}, **dinas).get_json()
        route = self.routes.post("/api/v1/routes", json={
            "code": "R1-01", "contract_id": self.world.contract_id, "vehicle_id": vehicle["id"],
            "stops": [point["id"]], "weekdays": [1, 2, 3, 4, 5, 6, 7], "window_start": "13:00",
            "window_end": "17:00"}, **dinas).get_json()
        scheduled = self.routes.post(f"/api/v1/routes/{route['id']}/schedule", json={
            "from": MISSED_DAYS[0].isoformat(), "to": MISSED_DAYS[-1].isoformat()}, **dinas)
        assert scheduled.status_code == 200, scheduled.get_json()
        if self.with_complaint:  # reported 3 March 00:30 WIB, due 72 h later, resolved 8 March 10:00 WIB
            self.complaint = self.routes.post("/api/v1/complaints", json={
                "point_id": point["id"], "description": "Sampah menumpuk", "channel": "whatsapp"},
                **dinas).get_json()
            self.frozen_clock(clock.wib_instant(date(2025, 3, 8), time(10, 0)))
            resolved = self.routes.post(f"/api/v1/complaints/{self.complaint['id']}/resolution",
                                        json={"note": "Sudah diangkut"}, headers=self.own)
            assert resolved.status_code == 200, resolved.get_json()
        swept_at = clock.wib_instant(date(2025, 3, 9), time(0, 30))
        self.frozen_clock(swept_at)
        with db.unit_of_work(self.relay.urls["routes"]) as session:
            assert sweep_overdue(session, swept_at).missed == 3
            return [str(r.id) for r in session.execute(text("SELECT id FROM pickups ORDER BY date")).all()]

    def object_and_decide(self, ref: str, accept: bool, kind: str = "missed_pickup") -> None:
        filed = self.billing.post(f"/api/v1/invoices/{self.march['id']}/objections", headers=self.own, json={
            "items": [{"kind": kind, "ref": ref}], "reason": "Diangkut pukul 18.00, foto ada"})
        assert filed.status_code == 201, filed.get_json()
        decided = self.billing.post(f"/api/v1/objections/{filed.get_json()['items'][0]['id']}/decision",
                                    headers=DINAS, json={"accept": accept, "reason": "Foto dan GPS diperiksa"})
        assert decided.status_code == 200, decided.get_json()
        # routes also learns of the issued invoice; the decision is the one objection event
        assert [t for t in self.relay.billing_to_routes() if "objection" in t] == ["billing.objection.decided"]

    def april(self) -> dict:
        return draft(self.billing, self.world, "2025-04")


@pytest.fixture
def routes(routes_db, amqp_url):
    truncate_all(routes_db)
    return create_routes_app({"TESTING": True, "KAWAL_DATABASE_URL": routes_db}).test_client()


@pytest.fixture
def relay(billing, routes, routes_db, billing_db):
    return Relay(routes_db, billing_db)


def adjustment(invoice: dict, kind: str = "adjustment_missed_pickup") -> list[tuple]:
    return [(line["quantity"], line["unit_rp"], line["amount_rp"]) for line in invoice["lines"]
            if line["kind"] == kind]


def test_an_accepted_objection_to_a_missed_pickup_credits_the_rate_in_force_that_day(billing, routes, relay,
                                                                                     frozen_clock):
    loop = Loop(billing, routes, relay, frozen_clock, cap_rp=50_000_000)
    assert [(l["kind"], l["amount_rp"]) for l in loop.march["lines"] if l["category"] == "deduction"] == [
        ("missed_pickup", 1_500_000)]  # 3 x Rp500.000
    loop.object_and_decide(loop.pickups[1], accept=True)
    assert relay.routes_to_billing() == ["routes.pickup.excused"]
    pickup = routes.get(f"/api/v1/pickups/{loop.pickups[1]}", headers=DINAS).get_json()
    assert pickup["status"] == "excused" and pickup["excuse_reason"].startswith("Keberatan diterima")
    april = loop.april()
    # the 4 March rate (Rp500.000), not April's Rp750.000
    assert adjustment(april) == [(-1, 500_000, -500_000)]
    # 400 t at Rp235.000/t = Rp94.000.000; DPP 94.000.000 + 500.000; PPN 11% = 10.395.000
    assert (april["tonnage_rp"], april["deductions_rp"], april["dpp_rp"], april["ppn_rp"], april["total_rp"]) == (
        94_000_000, -500_000, 94_500_000, 10_395_000, 104_895_000)


def test_an_accepted_objection_while_over_the_cap_credits_nothing(billing, routes, relay, frozen_clock):
    # cap Rp1.000.000: March assessed Rp1.500.000, deducted min(1.5m, 1m) - 0 = Rp1.000.000, Rp500.000 capped
    loop = Loop(billing, routes, relay, frozen_clock, cap_rp=1_000_000)
    assert (loop.march["deductions_rp"], loop.march["capped_rp"]) == (1_000_000, 500_000)
    loop.object_and_decide(loop.pickups[0], accept=True)
    assert relay.routes_to_billing() == ["routes.pickup.excused"]
    april = loop.april()
    # D(Apr) = 1.5m - 0.5m = 1.0m: min(1.0m, 1m) - min(1.5m, 1m) = 0 refunded; the credit is shown, not paid
    assert adjustment(april) == [(-1, 500_000, -500_000)]
    assert (april["deductions_rp"], april["dpp_rp"], april["total_rp"]) == (0, 94_000_000, 104_340_000)


def test_a_rejected_objection_changes_nothing(billing, routes, relay, frozen_clock):
    loop = Loop(billing, routes, relay, frozen_clock, cap_rp=50_000_000)
    before = loop.april()
    loop.object_and_decide(loop.pickups[2], accept=False)
    assert relay.routes_to_billing() == []
    assert routes.get(f"/api/v1/pickups/{loop.pickups[2]}", headers=DINAS).get_json()["status"] == "missed"
    after = loop.april()
    assert [(l["kind"], l["amount_rp"]) for l in after["lines"]] == [(l["kind"], l["amount_rp"])
                                                                     for l in before["lines"]]
    assert (after["deductions_rp"], after["total_rp"]) == (before["deductions_rp"], before["total_rp"])


def test_an_accepted_objection_to_a_shortfall_day_re_evaluates_the_day_and_credits_it(billing, routes, relay,
                                                                                      frozen_clock, routes_db):
    loop = Loop(billing, routes, relay, frozen_clock, cap_rp=50_000_000)
    # no weighing at all: every day of March in force is a shortfall day; routes evaluates them
    frozen_clock(ISSUE_AT)
    with db.unit_of_work(routes_db) as session:
        evaluate_days(session, ISSUE_AT)
    relay.routes_to_billing()
    # March was issued before the evaluation reached billing: its shortfall days come as an adjustment on April
    april = loop.april()
    billed = adjustment(april, "adjustment_shortfall_day")
    assert billed == [(28, 1_000_000, 28_000_000)]  # 31 shortfall days, 3 allowed
    # issue April at 2 May so the adjustment's days are on an issued invoice the contractor can object to
    frozen_clock(datetime(2025, 5, 2, 3, 0, tzinfo=UTC))
    april = post(billing, april["id"], "issue")
    filed = billing.post(f"/api/v1/invoices/{april['id']}/objections", headers=loop.own, json={
        "items": [{"kind": "shortfall_day", "ref": "2025-03-10"}], "reason": "Jembatan timbang rusak hari itu"})
    assert filed.status_code == 201, filed.get_json()
    billing.post(f"/api/v1/objections/{filed.get_json()['items'][0]['id']}/decision", headers=DINAS,
                 json={"accept": True, "reason": "Berita acara kerusakan timbangan ada"})
    assert [t for t in relay.billing_to_routes() if "objection" in t] == ["billing.objection.decided"]
    now = datetime(2025, 5, 2, 3, 5, tzinfo=UTC)
    with db.unit_of_work(routes_db) as session:
        evaluate_days(session, now)
        day = session.execute(text("SELECT shortfall, revision FROM daily_evaluations WHERE date = '2025-03-10'")
                              ).one()
        excused = session.execute(text("SELECT actor, action, object_id FROM audit_log "
                                       "WHERE action = 'shortfall_day.excuse'")).all()
    assert (day.shortfall, day.revision) == (False, 2)
    assert [(e.actor, e.object_id) for e in excused] == [("dev-dinas", "2025-03-10")]
    assert "routes.compliance.evaluated" in relay.routes_to_billing()
    may = draft(billing, loop.world, "2025-05")
    evidence = billing.get(f"/api/v1/invoices/{may['id']}/evidence", headers=DINAS,
                           query_string={"kind": "adjustment_shortfall_day", "per_page": 1000}).get_json()["items"]
    # 30 shortfall days remain in March, 27 past the allowance: exactly the excused day fewer (April's own late
    # evaluations are adjustments on May too, so only March's evidence is compared)
    assert [(e["ref"], e["quantity"]) for e in evidence if e["fact_month"] == "2025-03"] == [("2025-03-10", -1)]
    # at March's Rp1.000.000 a day: April's 27 late days billed, March's one credited
    assert adjustment(may, "adjustment_shortfall_day") == [(26, 1_000_000, 26_000_000)]


def test_an_accepted_objection_to_a_complaint_day_credits_that_one_day(billing, routes, relay, frozen_clock):
    loop = Loop(billing, routes, relay, frozen_clock, cap_rp=50_000_000, with_complaint=True)
    # due 6 March 00:30 WIB, resolved 8 March 10:00 WIB: days starting 6, 7 and 8 March, 3 x Rp250.000
    complaint_days = [l for l in loop.march["lines"] if l["kind"] == "complaint_day"]
    refs = [f"{loop.complaint['id']}/{n}" for n in (1, 2, 3)]
    assert [(l["quantity"], l["amount_rp"], sorted(l["evidence"])) for l in complaint_days] == [(3, 750_000, refs)]
    loop.object_and_decide(refs[1], accept=True, kind="complaint_day")
    assert relay.routes_to_billing() == ["routes.complaint.day_excused"]
    april = loop.april()
    assert adjustment(april, "adjustment_complaint_day") == [(-1, 250_000, -250_000)]
    assert april["deductions_rp"] == -250_000
