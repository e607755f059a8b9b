"""The crew app in a real browser (Debian's chromium): a morning round with signal coming and going.

Routes and the portal run in this process on real HTTP servers, sharing the frozen shared.clock; the browser's
clock and position are set to match, so every verdict is the routes API's own."""
from __future__ import annotations

import io
import time
from datetime import date, datetime

import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import text

from shared import auth, clock, db
from tests.integration.portal.conftest import PASSWORD, add_user
from tests.integration.routes.conftest import activate, register_contractor
from tests.support.browser import ARGS, Screens, chromium_path, serving
from tests.support.databases import truncate_all

DAY = date(2026, 3, 10)  # a Tuesday
SLA = {"grace_minutes": 15, "sync_allowance_hours": 1, "geofence_m": 150}
# five TPS along Jalan Yos Sudarso, Rumbai (invented points, real street), ~300 m apart
STOPS = [(0.6120 + i * 0.0027, 101.4380 + i * 0.0004) for i in range(5)]


def wib(hh: int, mm: int = 0) -> datetime:
    return clock.wib_instant(DAY, datetime.min.time().replace(hour=hh, minute=mm))


def jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), colour).save(out, "JPEG", quality=85)
    return out.getvalue()


class City:
    """Two contractors; A's truck has two routes today (R1 05:00-07:00, R2 05:00-06:15), B has its own."""

    def __init__(self, routes_client, routes_db):
        self.client, self.db = routes_client, routes_db
        self.dinas = {"Authorization": f"Bearer {auth.mint('dinas')}"}
        self.a = register_contractor(routes_db, "PT Sungai Siak Bersih")
        self.b = register_contractor(routes_db, "PT Lain Sejahtera")
        contract_a = activate(routes_db, self.a, ["Rumbai"], number="KTR-1/2026", **SLA)
        contract_b = activate(routes_db, self.b, ["Rumbai Barat"], number="KTR-2/2026", **SLA)
        self.points = [self.post("/points", {"code": f"TPS-RMB-{n + 1:03d}", "name": f"TPS Yos Sudarso {n + 1}",
                                             "kind": "tps", "lat": lat, "lon": lon, "kecamatan": "Rumbai",
                                             "kelurahan": "Umban Sari"}) for n, (lat, lon) in enumerate(STOPS)]
        far = self.post("/points", {"code": "TPS-RBB-001", "name": "TPS Rumbai Barat", "kind": "tps",
                                    "lat": 0.6000, "lon": 101.4000, "kecamatan": "Rumbai Barat",
                                    "kelurahan": "Rantau Panjang"})
        self.truck = self.post("/vehicles", {"plate": "BM 8123 RU", "contractor_id": self.a, "type": "dump_truck",
                                             "capacity_m3": 10, "tare_kg": 6000})
        other_truck = self.post("/vehicles", {"plate": "BM 9001 XB", "contractor_id": self.b,
                                              "type": "dump_truck", "capacity_m3": 10, "tare_kg": 6000})
        ids = [p["id"] for p in self.points]
        self.r1 = self.route("R1-PAGI", contract_a, self.truck, ids[:3], "05:00", "07:00")
        self.r2 = self.route("R2-PAGI", contract_a, self.truck, ids[3:], "05:00", "06:15")
        self.rb = self.route("RB-PAGI", contract_b, other_truck, [far["id"]], "05:00", "07:00")
        self.other_truck = other_truck
        self.pickup = {}  # point code -> pickup id
        for route in (self.r1, self.r2, self.rb):
            for item in self.get("/pickups", date=DAY.isoformat(), route_id=route["id"])["items"]:
                self.pickup[self.code_of(item["point_id"])] = item["id"]

    def code_of(self, point_id: str) -> str:
        return next(p["code"] for p in self.points if p["id"] == point_id) if any(
            p["id"] == point_id for p in self.points) else "TPS-RBB-001"

    def route(self, code, contract_id, vehicle, stops, start, end):
        route = self.post("/routes", {"code": code, "contract_id": contract_id, "vehicle_id": vehicle["id"],
                                      "stops": stops, "weekdays": [1, 2, 3, 4, 5, 6, 7], "window_start": start,
                                      "window_end": end})
        self.post(f"/routes/{route['id']}/schedule", {"from": DAY.isoformat(), "to": DAY.isoformat()}, 200)
        return route

    def post(self, path, body, expect_status=201):
        response = self.client.post(f"/api/v1{path}", json=body, headers=self.dinas)
        assert response.status_code == expect_status, response.json
        return response.json

    def get(self, path, **query):
        response = self.client.get(f"/api/v1{path}", query_string={**query, "per_page": 200}, headers=self.dinas)
        assert response.status_code == 200, response.json
        return response.json

    def pickup_state(self, code: str) -> dict:
        return self.get(f"/pickups/{self.pickup[code]}")

    def sql(self, statement: str, **params):
        with db.unit_of_work(self.db) as session:
            return session.execute(text(statement), params).all()


@pytest.fixture
def system(routes_db, portal_db, amqp_url, frozen_clock, tmp_path, monkeypatch):
    """Routes and the portal on real ports; the routes API seeded with two contractors' mornings."""
    from services.portal.app import create_app as portal_app
    from services.routes.app import create_app as routes_app

    truncate_all(routes_db)
    truncate_all(portal_db)
    monkeypatch.setenv("KAWAL_PHOTO_DIR", str(tmp_path / "photos"))
    frozen_clock(wib(4, 50))
    routes = routes_app({"TESTING": True})
    city = City(routes.test_client(), routes_db)
    add_user(portal_db, "kru-a", "contractor", city.a)
    add_user(portal_db, "kru-b", "contractor", city.b)
    with serving(routes) as routes_url:
        monkeypatch.setenv("KAWAL_ROUTES_URL", routes_url)
        portal = portal_app({"TESTING": True})
        with serving(portal) as portal_url:
            yield city, portal_url


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        yield launched
        launched.close()


def phone(browser, base_url: str, at_point: tuple[float, float]):
    context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 640}, is_mobile=True,
                                  has_touch=True, device_scale_factor=1, locale="id-ID",
                                  timezone_id="Asia/Jakarta", permissions=["geolocation"],
                                  geolocation={"latitude": at_point[0], "longitude": at_point[1], "accuracy": 8})
    return context


def at(context, point: tuple[float, float], accuracy: float = 8) -> None:
    context.set_geolocation({"latitude": point[0], "longitude": point[1], "accuracy": accuracy})


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def card(page, name: str):
    return page.locator("#stops li.card", has_text=name)


def confirm_stop(page, name: str, photo: bytes | None = None) -> None:
    card(page, name).get_by_role("button", name="Sudah diangkut").click()
    expect(page.locator("#sheet")).to_be_visible()
    expect(page.locator("#sheet-gps")).to_contain_text("akurasi ± 8 m")
    if photo is not None:
        page.set_input_files("#sheet-photo", files=[{"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": photo}])
        expect(page.locator("#sheet-preview")).to_be_visible()
    page.click("#sheet-save")
    expect(page.locator("#sheet")).to_be_hidden()


def wait_for(page, predicate, what: str, timeout: float = 20.0) -> None:
    """Poll a condition while Playwright keeps handling events (route handlers run only inside its calls)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        page.wait_for_timeout(50)  # the poll's interval, not a wait for an outcome


def queue_keys(page) -> dict[str, str]:
    """target id -> Idempotency-Key, as the phone's IndexedDB holds them."""
    items = page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open('kawal-kru', 1);
        open.onsuccess = () => {
          const request = open.result.transaction('queue').objectStore('queue').getAll();
          request.onsuccess = () => resolve(request.result.map((i) => [i.target_id, i.key, i.state]));
        };
        open.onerror = () => reject(open.error);
    })""")
    return {target: key for target, key, _ in items}


def test_a_morning_round_with_signal_coming_and_going_reaches_routes_once_per_pickup(system, browser, tmp_path,
                                                                                   frozen_clock):
    city, portal_url = system
    screens = Screens(tmp_path, "kru")
    context = phone(browser, portal_url, STOPS[0])
    context.clock.set_fixed_time(wib(5, 5))
    frozen_clock(wib(5, 5))
    page = context.new_page()
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))

    page.goto("/kru")
    expect(page).to_have_url(f"{portal_url}/masuk?next=/kru")
    screens.shot(page, "masuk")
    sign_in(page, "kru-a")
    expect(page.get_by_role("heading", name="Pilih kendaraan")).to_be_visible()
    expect(page.locator("#vehicles button")).to_have_text(["BM 8123 RU"])  # never B's truck
    screens.shot(page, "pilih-kendaraan")
    page.get_by_role("button", name="BM 8123 RU").click()
    expect(page.locator("#stops li.card")).to_have_count(5)
    expect(page.locator("#stops li.card").first).to_contain_text("0 m dari Anda")
    wait_for(page, lambda: page.evaluate("() => navigator.serviceWorker.controller !== null"), "the service worker")
    screens.shot(page, "hari-ini")

    # online, at the first stop: accepted on time, and the routes API says so
    card(page, "TPS Yos Sudarso 1").get_by_role("button", name="Sudah diangkut").click()
    expect(page.locator("#sheet-gps")).to_contain_text("akurasi ± 8 m, 0 m dari titik")
    screens.shot(page, "konfirmasi", full_page=False)
    page.click("#sheet-save")
    expect(card(page, "TPS Yos Sudarso 1")).to_contain_text("Terkirim — tepat waktu")
    first = city.pickup_state("TPS-RMB-001")
    assert (first["status"], first["on_time"]) == ("confirmed", True)
    assert first["confirmation"]["distance_m"] < 1

    # signal lost: one stop just after the first, three more over an hour later, three with photos
    context.set_offline(True)
    expect(page.locator("#net")).to_have_text("Tanpa sinyal")
    at(context, STOPS[4])
    context.clock.set_fixed_time(wib(5, 6))
    confirm_stop(page, "TPS Yos Sudarso 5")
    context.clock.set_fixed_time(wib(6, 20))
    photos = {}
    for n, colour in ((2, (30, 110, 60)), (3, (200, 140, 20)), (4, (40, 60, 160))):
        at(context, STOPS[n - 1])
        photos[n] = jpeg(colour)
        confirm_stop(page, f"TPS Yos Sudarso {n}", photos[n])
    expect(page.locator("#queue-count")).to_have_text("4")
    expect(card(page, "TPS Yos Sudarso 4")).to_contain_text("Menunggu sinyal")
    screens.shot(page, "luring-daftar")
    keys = queue_keys(page)

    # the phone is restarted with no signal: the app opens from the service worker's cache
    page.reload()
    expect(page.locator("#stops li.card")).to_have_count(5)
    expect(page.locator("#net")).to_have_text("Tanpa sinyal")
    page.click("button[data-tab=antrean]")
    expect(page.locator("#queue li.card[data-state=waiting]")).to_have_count(4)
    screens.shot(page, "luring-antrean")
    assert queue_keys(page) == keys

    # meanwhile the sweep found R2's window (to 06:15, grace 15 min) closed and marked its stops missed
    frozen_clock(wib(6, 40))
    context.clock.set_fixed_time(wib(6, 40))
    from services.routes.compliance.sweep import sweep
    with db.unit_of_work(city.db) as session:
        assert sweep(session, clock.now()).missed == 2
    assert city.pickup_state("TPS-RMB-004")["status"] == "missed"

    # the first answer is lost on the way back once: the phone must send again with the same key
    lost = []

    def lose_first_answer(route):
        if not lost:
            lost.append(route.fetch().status)
            route.abort()
        else:
            route.continue_()

    context.route(f"**/kru/api/pickups/{city.pickup['TPS-RMB-002']}/confirmation", lose_first_answer)
    context.set_offline(False)
    wait_for(page, lambda: lost, "the first answer to be lost")
    expect(page.locator("#queue li.card", has_text="TPS Yos Sudarso 2")).to_have_attribute("data-state", "waiting")
    page.click("#sync-now")
    expect(page.locator("#queue li.card[data-state=waiting]")).to_have_count(0, timeout=20000)
    assert lost == [201]
    queue = page.locator("#queue li.card")
    expect(queue.filter(has_text="TPS Yos Sudarso 2")).to_contain_text("Terkirim — tepat waktu")
    expect(queue.filter(has_text="TPS Yos Sudarso 3")).to_contain_text("Terkirim — tepat waktu")
    expect(queue.filter(has_text="TPS Yos Sudarso 4")).to_contain_text(
        "Terkirim — terlambat (menggantikan catatan terlewat)")
    expect(queue.filter(has_text="TPS Yos Sudarso 5")).to_contain_text(
        "Ditolak: kedaluwarsa (terkirim terlalu lama setelah diangkut)")
    thumb = queue.filter(has_text="TPS Yos Sudarso 3").locator("img.thumb")
    expect(thumb).to_be_visible()
    wait_for(page, lambda: thumb.evaluate("(img) => img.complete && img.naturalWidth > 0"), "the sent photo")
    screens.shot(page, "terkirim-antrean")
    page.click("button[data-tab=hari]")
    expect(card(page, "TPS Yos Sudarso 5")).to_contain_text("Ditolak: kedaluwarsa")
    screens.shot(page, "terkirim-hari-ini")

    # routes holds exactly one confirmation per pickup, each with the key made at the tap
    rows = city.sql("SELECT pickup_id::text, idempotency_key, on_time, supersedes_missed, photo_sha256 "
                    "FROM confirmations ORDER BY collected_at")
    by_pickup = {row[0]: row for row in rows}
    assert len(rows) == len(by_pickup) == 4
    for n in (2, 3, 4):
        pickup_id = city.pickup[f"TPS-RMB-00{n}"]
        assert by_pickup[pickup_id][1] == keys[pickup_id]
        stored = city.sql("SELECT size_bytes FROM photos WHERE sha256 = :s AND owner = :o",
                          s=by_pickup[pickup_id][4], o=city.a)
        assert stored, f"photo of stop {n} not stored"
    assert by_pickup[city.pickup["TPS-RMB-002"]][2:4] == (True, False)
    assert by_pickup[city.pickup["TPS-RMB-004"]][2:4] == (False, True)
    assert city.pickup["TPS-RMB-005"] not in by_pickup
    assert city.pickup_state("TPS-RMB-005")["status"] == "missed"
    assert script_errors == []
    screens.publish()
    context.close()


def test_a_complaint_is_resolved_from_the_phone_with_a_note_and_a_photo(system, browser, tmp_path, frozen_clock):
    city, portal_url = system
    frozen_clock(wib(5, 0))
    complaint = city.post("/complaints", {"point_id": city.points[2]["id"], "channel": "wa",
                                          "description": "Sampah meluber ke badan jalan depan pasar"})
    screens = Screens(tmp_path, "pengaduan")
    context = phone(browser, portal_url, STOPS[2])
    context.clock.set_fixed_time(wib(9, 30))
    frozen_clock(wib(9, 30))
    page = context.new_page()
    page.goto("/masuk?next=/kru")
    sign_in(page, "kru-a")
    page.get_by_role("button", name="BM 8123 RU").click()
    page.click("button[data-tab=pengaduan]")
    item = page.locator("#complaints li.card", has_text="TPS Yos Sudarso 3")
    expect(item).to_contain_text("Sampah meluber")
    expect(page.locator("#complaint-count")).to_have_text("1")
    screens.shot(page, "daftar")
    item.get_by_role("button", name="Selesaikan").click()
    page.click("#sheet-save")
    expect(page.locator("#sheet-error")).to_have_text("Tulis catatan penyelesaian.")
    page.fill("#sheet-note", "Sudah diangkut dan disapu, bak sampah ditambah")
    page.set_input_files("#sheet-photo", files=[{"name": "bersih.jpg", "mimeType": "image/jpeg",
                                                 "buffer": jpeg((90, 160, 90))}])
    expect(page.locator("#sheet-preview")).to_be_visible()
    screens.shot(page, "selesaikan", full_page=False)
    page.click("#sheet-save")
    expect(item).to_contain_text("Terkirim — pengaduan selesai")
    screens.shot(page, "terkirim")
    resolved = city.get(f"/complaints/{complaint['id']}")
    assert (resolved["status"], resolved["resolution_note"]) == (
        "resolved", "Sudah diangkut dan disapu, bak sampah ditambah")
    assert city.sql("SELECT owner FROM photos WHERE sha256 = :s", s=resolved["resolution_photo_sha256"]) == [
        (city.a,)]
    screens.publish()
    context.close()


def test_a_contractor_never_sees_or_confirms_another_contractors_pickups(system, browser, frozen_clock):
    city, portal_url = system
    frozen_clock(wib(5, 10))
    context = phone(browser, portal_url, STOPS[0])
    context.clock.set_fixed_time(wib(5, 10))
    page = context.new_page()
    page.goto("/masuk?next=/kru")
    sign_in(page, "kru-b")
    expect(page.locator("#vehicles button")).to_have_text(["BM 9001 XB"])
    page.get_by_role("button", name="BM 9001 XB").click()
    expect(page.locator("#stops li.card")).to_have_count(1)
    expect(page.locator("#stops")).not_to_contain_text("Yos Sudarso")
    csrf = page.evaluate("() => fetch('/kru/api/session').then((r) => r.json()).then((s) => s.csrf)")
    headers = {"X-CSRF-Token": csrf, "Idempotency-Key": "b-tries-a", "Origin": portal_url}
    assert page.request.get(f"/kru/api/day?vehicle_id={city.truck['id']}").status == 404
    theirs = page.request.post(f"/kru/api/pickups/{city.pickup['TPS-RMB-001']}/confirmation", headers=headers,
                               data={"collected_at": wib(5, 9).isoformat(), "lat": STOPS[0][0], "lon": STOPS[0][1]})
    assert theirs.status == 404
    assert city.pickup_state("TPS-RMB-001")["status"] == "scheduled"
    forged = page.request.post(f"/kru/api/pickups/{city.pickup['TPS-RBB-001']}/confirmation",
                               headers={"Idempotency-Key": "no-token"},
                               data={"collected_at": wib(5, 9).isoformat(), "lat": 0.6, "lon": 101.4})
    assert forged.status == 403  # no CSRF token: refused before routes is asked
    assert city.sql("SELECT count(*) FROM confirmations") == [(0,)]
    context.close()


def test_a_fleet_of_fifty_trucks_is_narrowed_by_typing_part_of_the_plate_and_chosen_by_keyboard(
        system, browser, tmp_path, frozen_clock):
    city, portal_url = system
    for n in range(49):  # A runs fifty trucks, as the reference city's contractors do
        city.post("/vehicles", {"plate": f"BM {8200 + n} {'RU' if n % 2 else 'AK'}", "contractor_id": city.a,
                                "type": "pikap", "capacity_m3": 6, "tare_kg": 2500})
    screens = Screens(tmp_path, "kru-armada")
    frozen_clock(wib(5, 10))
    context = phone(browser, portal_url, STOPS[0])
    context.clock.set_fixed_time(wib(5, 10))
    page = context.new_page()
    page.goto("/masuk?next=/kru")
    sign_in(page, "kru-a")
    trucks = page.locator("#vehicles button:visible")
    expect(trucks).to_have_count(50)
    expect(page.locator("#plate-count")).to_have_text("50 kendaraan")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    screens.shot(page, "pilih-kendaraan-50", full_page=False)
    page.locator("#plate-filter").press_sequentially("82 1")  # part of the plate, spaces as typed
    expect(trucks).to_have_text(["BM 8210 AK", "BM 8211 RU", "BM 8212 AK", "BM 8213 RU", "BM 8214 AK",
                                 "BM 8215 RU", "BM 8216 AK", "BM 8217 RU", "BM 8218 AK", "BM 8219 RU"])
    expect(page.locator("#plate-count")).to_have_text("10 dari 50 kendaraan")
    page.locator("#plate-filter").fill("zz")
    expect(trucks).to_have_count(0)
    expect(page.locator("#plate-count")).to_have_text("Tidak ada kendaraan dengan nomor itu.")
    page.locator("#plate-filter").fill("")
    page.locator("#plate-filter").press_sequentially("bm8123")  # lower case, no space: still the truck
    expect(trucks).to_have_text(["BM 8123 RU"])
    screens.shot(page, "pilih-kendaraan-saring")
    page.locator("#plate-filter").press("ArrowDown")  # into the list, then Enter as a keyboard user does
    expect(page.get_by_role("button", name="BM 8123 RU")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#day-title")).to_have_text("BM 8123 RU")
    expect(page.locator("#stops li.card")).to_have_count(5)
    page.get_by_role("button", name="Ganti kendaraan").click()
    expect(trucks).to_have_count(50)  # the filter starts empty again
    page.locator("#plate-filter").fill("8248")
    page.locator("#plate-filter").press("Enter")  # Enter in the filter takes the first truck left
    expect(page.locator("#day-title")).to_have_text("BM 8248 AK")
    screens.publish()
    context.close()


def test_sign_in_refuses_a_wrong_password_locks_after_five_and_refuses_a_form_without_its_token(
        system, browser, tmp_path):
    city, portal_url = system
    screens = Screens(tmp_path, "masuk")
    context = browser.new_context(base_url=portal_url, viewport={"width": 360, "height": 640}, locale="id-ID")
    page = context.new_page()
    page.goto("/masuk")
    sign_in(page, "kru-a", "bukan-sandinya")
    expect(page.locator(".error-summary")).to_have_text("Nama pengguna atau kata sandi salah.")
    expect(page.locator("#username")).to_have_value("kru-a")
    screens.shot(page, "salah")
    for attempt in range(4):
        sign_in(page, "kru-a", f"salah-lagi-{attempt}")
    expect(page.locator(".error-summary")).to_contain_text("Akun dikunci sementara")
    sign_in(page, "kru-a")  # the right password, but locked
    expect(page.locator(".error-summary")).to_contain_text("Akun dikunci sementara")
    screens.shot(page, "dikunci")
    page.goto("/masuk")
    page.evaluate("() => document.querySelector('input[name=csrf_token]').remove()")
    sign_in(page, "kru-b")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Formulir kedaluwarsa; muat ulang halaman dan coba lagi.")
    screens.shot(page, "tanpa-token")
    page.goto("/masuk")
    sign_in(page, "kru-b")
    expect(page).to_have_url(f"{portal_url}/kru")
    screens.publish()
    context.close()
