"""The back office in a real browser: the three APIs and the portal on real HTTP servers in this process (sharing
the frozen shared.clock), events carried between their databases by an in-process relay, Debian's chromium."""
from __future__ import annotations

import io
import os
import shutil
from contextlib import ExitStack
from datetime import date, datetime, time

import pytest
import requests
from PIL import Image
from playwright.sync_api import sync_playwright
from sqlalchemy import text

from services.billing.handlers import HANDLERS as BILLING, PERIODIC as BILLING_PERIODIC
from services.contracts.handlers import HANDLERS as CONTRACTS
from services.portal import accounts
from services.routes.compliance.daily import evaluate_days
from services.routes.compliance.monthly import evaluate_months
from services.routes.compliance.sweep import sweep as sweep_overdue
from services.routes.handlers import HANDLERS as ROUTES
from shared import auth, clock, db, events, inbox
from shared.inbox import NotYetKnown
from tests.support import browser
from tests.support.browser import serving
from tests.support.databases import truncate_all

PASSWORD = "kata-sandi-rahasia"
BACKOFFICE_SCREENS = os.path.join(browser.SCREENS, "backoffice") if browser.SCREENS else None
HANDLERS = {"contracts": CONTRACTS, "routes": ROUTES, "billing": BILLING}
SERVICES = ("contracts", "routes", "billing")


class Relay:
    """Carries every service's new outbox rows to the handlers of the services that consume them (what relay and
    consumer do over RabbitMQ), retrying an event whose subject is not known yet; then billing's draft repricing."""

    def __init__(self, urls: dict[str, str]):
        self.urls, self.sent = urls, {s: 0 for s in SERVICES}

    def run(self) -> list[str]:
        carried = []
        for _ in range(10):  # a handler's own events are carried on the next pass
            pending = []
            for producer in SERVICES:
                with db.unit_of_work(self.urls[producer]) as session:
                    rows = session.execute(text("SELECT seq, envelope FROM outbox WHERE seq > :s ORDER BY seq"),
                                           {"s": self.sent[producer]}).all()
                if rows:
                    self.sent[producer] = rows[-1].seq
                pending += [events.parse(events.Envelope(**row.envelope).to_json()) for row in rows]
            if not pending:
                break
            carried += [e.type for e in pending]
            for consumer in SERVICES:
                self._deliver(consumer, [e for e in pending if e.type in HANDLERS[consumer]])
        for _, fn in BILLING_PERIODIC:
            with db.unit_of_work(self.urls["billing"]) as session:
                fn(session)
        return carried

    def _deliver(self, consumer: str, envelopes: list) -> None:
        attempts = 0
        while envelopes:
            current = envelopes.pop(0)
            try:
                with db.unit_of_work(self.urls[consumer]) as session:
                    if inbox.claim(session, current.id, current.type):
                        HANDLERS[consumer][current.type](session, current)
            except NotYetKnown:
                attempts += 1
                assert attempts < 500, f"{current.type} stayed unknown in {consumer}"
                envelopes.append(current)


@pytest.fixture(scope="module")
def stack(contracts_db, routes_db, billing_db, portal_db, tmp_path_factory):
    """The three APIs and the portal, each on a real port; the portal calls the APIs over HTTP."""
    from services.billing.app import create_app as billing_app
    from services.contracts.app import create_app as contracts_app
    from services.portal.app import create_app as portal_app
    from services.routes.app import create_app as routes_app

    os.environ["KAWAL_PHOTO_DIR"] = str(tmp_path_factory.mktemp("photos"))
    os.environ["KAWAL_MAP_TILES"] = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"  # unreachable here: markers only
    dbs = {"contracts": contracts_db, "routes": routes_db, "billing": billing_db}
    makers = {"contracts": contracts_app, "routes": routes_app, "billing": billing_app}
    with ExitStack() as stack_:
        urls = {}
        for service in SERVICES:
            urls[service] = stack_.enter_context(serving(makers[service]({"KAWAL_DATABASE_URL": dbs[service]})))
            os.environ[f"KAWAL_{service.upper()}_URL"] = urls[service]
        urls["portal"] = stack_.enter_context(serving(portal_app({"KAWAL_DATABASE_URL": portal_db})))
        yield {"urls": urls, "dbs": {**dbs, "portal": portal_db}}


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        chromium_ = playwright.chromium.launch(executable_path=browser.chromium_path(), args=browser.ARGS)
        yield chromium_
        chromium_.close()


class City:
    """Kawal's state for one test, built through the real APIs (as dinas, a contractor, the auditor)."""

    def __init__(self, stack, frozen_clock):
        self.urls, self.dbs, self.set_clock = stack["urls"], stack["dbs"], frozen_clock
        self.relay = Relay(self.dbs)

    def at(self, day: date, hh: int, mm: int = 0) -> datetime:
        instant = clock.wib_instant(day, time(hh, mm))
        self.set_clock(instant)
        return instant

    def call(self, method: str, service: str, path: str, body=None, role="dinas", contractor_id=None, expect=None,
             **kwargs):
        headers = {"Authorization": f"Bearer {auth.mint(role, contractor_id=contractor_id)}"}
        response = requests.request(method, f"{self.urls[service]}/api/v1{path}", json=body, headers=headers,
                                    timeout=30, **kwargs)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.status_code, response.text[:500])
        return response.json() if "json" in response.headers.get("Content-Type", "") else response

    def post(self, service, path, body=None, expect=201, **kwargs):
        return self.call("POST", service, path, body, expect=expect, **kwargs)

    def get(self, service, path, **params):
        return self.call("GET", service, path, expect=200, params=params)

    def user(self, username: str, role: str, contractor_id: str | None = None) -> str:
        with db.unit_of_work(self.dbs["portal"]) as session:
            accounts.add_user(session, username, PASSWORD, role, display_name=username.title(),
                              contractor_id=contractor_id)
        return username

    def contractor(self, name: str, npwp: str) -> dict:
        return self.post("contracts", "/contractors", {"name": name, "npwp": npwp})

    def contract(self, contractor_id: str, number: str, kawasan: str, kecamatan: list[str], start: date,
                 end: date) -> dict:
        created = self.post("contracts", "/contracts", {
            "number": number, "contractor_id": contractor_id, "kawasan": kawasan, "kecamatan": kecamatan,
            "start_date": start.isoformat(), "end_date": end.isoformat(), "value_rp": 4_730_000_000,
            "unit_price_rp_per_ton": 235_000, "daily_target_kg": 20_000,
            "penalties": {"missed_pickup_rp": 500_000, "complaint_day_rp": 250_000, "shortfall_day_rp": 1_000_000}})
        self.post("contracts", f"/contracts/{created['id']}/activate", {}, expect=200)
        self.relay.run()
        return created

    def sweep(self, at: datetime) -> int:
        with db.unit_of_work(self.dbs["routes"]) as session:
            missed = sweep_overdue(session, at).missed
        with db.unit_of_work(self.dbs["routes"]) as session:
            evaluate_days(session, at)
        self.relay.run()
        return missed

    def photo(self, contractor_id: str, colour=(30, 120, 60)) -> str:
        out = io.BytesIO()
        Image.new("RGB", (800, 600), colour).save(out, "JPEG", quality=85)
        answer = self.call("POST", "routes", "/photos", role="contractor", contractor_id=contractor_id, expect=201,
                           files={"photo": ("tps.jpg", out.getvalue(), "image/jpeg")})
        return answer["sha256"]


@pytest.fixture
def city(stack, frozen_clock):
    for url in stack["dbs"].values():
        truncate_all(url)
    return City(stack, frozen_clock)


class Screens(browser.Screens):
    """Screenshots at 1280 px and at 360 px (the portal's Screens takes one), copied to docs/screens/backoffice."""

    def shot(self, page, name: str) -> None:
        for width, height in ((1280, 900), (360, 740)):
            page.set_viewport_size({"width": width, "height": height})
            path = os.path.join(self.out_dir, f"{self.prefix}-{name}-{width}.png")
            page.screenshot(path=path, full_page=True)
            self.taken.append(path)
        page.set_viewport_size({"width": 1280, "height": 900})

    def publish(self) -> None:
        if not BACKOFFICE_SCREENS:
            return
        os.makedirs(BACKOFFICE_SCREENS, exist_ok=True)
        for path in self.taken:
            shutil.copy(path, os.path.join(BACKOFFICE_SCREENS, os.path.basename(path)))


@pytest.fixture
def browse(chromium, stack, tmp_path, request):
    """`page = browse("username")`: a fresh browser context signed in through the sign-in page."""
    marker = request.node.get_closest_marker("screens")
    contexts, screens = [], Screens(tmp_path, marker.args[0] if marker else request.node.name[5:25])

    def open_as(username: str):
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID",
                                       base_url=stack["urls"]["portal"])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/masuk?next=/kantor/")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/kantor/")
        return page

    open_as.screens = screens
    yield open_as
    screens.publish()
    for context in contexts:
        context.close()


MARCH = [date(2026, 3, 2), date(2026, 3, 3)]
ISSUED_AT = (date(2026, 4, 2), 10)  # 10:00 WIB on 2 April: March and its 24 h sync allowance have passed


def month_of_evidence(city: City) -> dict:
    """Two contractors with a contract each; March 2026 has an off-site confirmation with a photo, misses, a weighing
    and an overdue complaint for A; March's invoices issued; A objects to the off-site pickup (open)."""
    city.at(date(2026, 2, 25), 10)
    a = city.contractor("PT Sungai Siak Bersih", "01.234.567.8-216.000")
    b = city.contractor("PT Lain Sejahtera", "02.345.678.9-216.000")
    ka = city.contract(a["id"], "KTR-01/DLHK/2026", "Kawasan 3", ["Rumbai", "Rumbai Barat"], date(2026, 3, 1),
                       date(2026, 12, 31))
    kb = city.contract(b["id"], "KTR-02/DLHK/2026", "Kawasan 2", ["Sail"], date(2026, 3, 1), date(2026, 12, 31))
    points_a = [city.post("routes", "/points", {"code": f"TPS-RMB-{n:03d}", "name": f"TPS Yos Sudarso {n}",
                                                 "kind": "tps", "lat": 0.6120 + n * 0.0027, "lon": 101.4380,
                                                 "kecamatan": "Rumbai", "kelurahan": "Umban Sari"})
                for n in (1, 2)]
    point_b = city.post("routes", "/points", {"code": "TPS-SAIL-001", "name": "TPS Jalan Sudirman", "kind": "pasar",
                                              "lat": 0.5071, "lon": 101.4478, "kecamatan": "Sail",
                                              "kelurahan": "Cinta Raja"})
    truck_a = city.post("routes", "/vehicles", {"plate": "BM 8123 RU", "contractor_id": a["id"], "type": "dump_truck",
                                                "capacity_m3": 20, "tare_kg": 6000})
    truck_b = city.post("routes", "/vehicles", {"plate": "BM 9001 XB", "contractor_id": b["id"], "type": "dump_truck",
                                                "capacity_m3": 20, "tare_kg": 6000})
    routes = []
    for code, contract, truck, stops in (("R3-PAGI", ka, truck_a, points_a), ("R2-PAGI", kb, truck_b, [point_b])):
        route = city.post("routes", "/routes", {"code": code, "contract_id": contract["id"], "vehicle_id": truck["id"],
                                                "stops": [p["id"] for p in stops], "weekdays": [1, 2, 3, 4, 5, 6, 7],
                                                "window_start": "05:00", "window_end": "07:00"})
        city.post("routes", f"/routes/{route['id']}/schedule", {"from": MARCH[0].isoformat(),
                                                                 "to": MARCH[-1].isoformat()}, expect=200)
        routes.append(route)
    pickups = city.get("routes", "/pickups", date=MARCH[0].isoformat(), route_id=routes[0]["id"])["items"]
    off_site = next(p for p in pickups if p["stop_seq"] == 1)
    city.at(MARCH[0], 5, 30)
    photo = city.photo(a["id"])
    # 600 m north of the point: outside the 150 m geofence
    city.post("routes", f"/pickups/{off_site['id']}/confirmation", {
        "collected_at": clock.iso(clock.now()), "lat": points_a[0]["lat"] + 0.0054, "lon": points_a[0]["lon"],
        "photo_sha256": photo, "note": "Diangkut, TPS dipindah warga"}, role="contractor", contractor_id=a["id"],
        expect=201)
    city.at(MARCH[0], 8)
    city.post("routes", "/weighings", {"ticket_no": "JT-0301", "plate": "BM 8123 RU", "gross_kg": 14_000,
                                       "weighed_at": clock.iso(clock.now())})
    complaint = city.post("routes", "/complaints", {"point_id": points_a[1]["id"], "description": "Sampah menumpuk "
                                                    "di TPS", "channel": "whatsapp"})
    city.sweep(city.at(date(2026, 3, 6), 0, 30))
    issued_at = city.at(*ISSUED_AT)
    with db.unit_of_work(city.dbs["routes"]) as session:
        evaluate_days(session, issued_at)
        evaluate_months(session, issued_at)
    city.relay.run()
    invoices = {}
    for key, contract in (("a", ka), ("b", kb)):
        draft = city.post("billing", "/invoices", {"contract_id": contract["id"], "month": "2026-03"}, expect=200)
        invoices[key] = city.post("billing", f"/invoices/{draft['id']}/issue", expect=200)
    city.relay.run()
    objection = city.post("billing", f"/invoices/{invoices['a']['id']}/objections", {
        "items": [{"kind": "missed_pickup", "ref": off_site["id"]}],
        "reason": "Truk mengangkut di lokasi TPS sementara, foto terlampir"}, role="contractor",
        contractor_id=a["id"])["items"][0]
    return {"a": a, "b": b, "ka": ka, "kb": kb, "points_a": points_a, "point_b": point_b, "truck_a": truck_a,
            "off_site": off_site, "photo": photo, "invoices": invoices, "objection": objection,
            "complaint": complaint}
