"""The agency at work in a real browser: the PPK's contracts, the weighbridge queue, invoices down to evidence."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.integration.backoffice.conftest import month_of_evidence


@pytest.mark.screens("ppk")
def test_the_ppk_registers_a_contractor_and_a_contract_and_activates_it(city, browse):
    city.at(date(2026, 2, 20), 9)
    city.user("ppk", "dinas")
    page = browse("ppk")
    page.get_by_role("link", name="Kontrak").first.click()
    page.get_by_role("link", name=re.compile("^Penyedia")).click()
    page.fill("#f-name", "PT Riau Hijau Lestari")
    page.fill("#f-npwp", "12.345")  # too short: the API's refusal comes back next to the field
    page.click("form[action$='/penyedia'] button[type=submit]")
    expect(page.locator(".field-error")).to_be_visible()
    browse.screens.shot(page, "penyedia-galat")
    page.fill("#f-npwp", "03.456.789.0-216.000")
    page.fill("#f-phone", "0761 123456")
    page.click("form[action$='/penyedia'] button[type=submit]")
    expect(page.locator(".flash.ok")).to_contain_text("PT Riau Hijau Lestari")
    browse.screens.shot(page, "penyedia")

    page.goto("/kantor/kontrak")
    page.fill("#f-number", "KTR-07/DLHK/2026")
    page.select_option("#f-contractor_id", label="PT Riau Hijau Lestari")
    page.select_option("#f-kawasan", "Kawasan 1")
    for kecamatan in ("Sukajadi", "Senapelan"):
        page.check(f"input[name=kecamatan][value='{kecamatan}']")
    page.fill("#f-start_date", "2026-03-01")
    page.fill("#f-end_date", "2026-12-31")
    page.fill("#f-value_rp", "4.730.000.000")
    page.fill("#f-unit_price_rp_per_ton", "235000")
    page.fill("#f-daily_target_kg", "110000")
    browse.screens.shot(page, "kontrak-baru")
    page.click("form[action$='/kontrak'] button[type=submit]")
    expect(page.locator("h1")).to_contain_text("KTR-07/DLHK/2026")
    expect(page.locator("h1 .badge")).to_have_text("draf")
    page.get_by_role("button", name=re.compile("Aktifkan")).click()
    expect(page.locator(".flash.ok")).to_have_text("Kontrak diaktifkan.")
    expect(page.locator("h1 .badge")).to_have_text("aktif")
    # no grounds to terminate yet: the page says why and offers no terminate button
    expect(page.locator("body")).to_contain_text("pemutusan perlu SP3 atau batas potongan tercapai")
    expect(page.get_by_role("button", name=re.compile("Putus kontrak"))).to_have_count(0)
    browse.screens.shot(page, "kontrak-aktif")

    saved = city.get("contracts", "/contracts", status="active")["items"]
    assert [(c["number"], c["kecamatan"], c["value_rp"]) for c in saved] == [
        ("KTR-07/DLHK/2026", ["Sukajadi", "Senapelan"], 4_730_000_000)]
    assert city.relay.run().count("contracts.contract.activated") == 1


@pytest.mark.screens("timbang")
def test_the_weighbridge_operator_records_ten_tickets_by_keyboard_alone_and_clears_a_flagged_one(city, browse):
    city.at(date(2026, 2, 25), 10)
    a = city.contractor("PT Sungai Siak Bersih", "01.234.567.8-216.000")
    contract = city.contract(a["id"], "KTR-01/DLHK/2026", "Kawasan 3", ["Rumbai"], date(2026, 3, 1),
                             date(2026, 12, 31))
    point = city.post("routes", "/points", {"code": "TPS-RMB-001", "name": "TPS Yos Sudarso", "kind": "tps",
                                            "lat": 0.6147, "lon": 101.4380, "kecamatan": "Rumbai",
                                            "kelurahan": "Umban Sari"})
    plates = [f"BM 81{n:02d} RU" for n in range(10)]
    for plate in plates:
        truck = city.post("routes", "/vehicles", {"plate": plate, "contractor_id": a["id"], "type": "dump_truck",
                                                  "capacity_m3": 20, "tare_kg": 6000})
        city.post("routes", "/routes", {"code": f"R-{plate[-5:-3]}", "contract_id": contract["id"],
                                        "vehicle_id": truck["id"], "stops": [point["id"]],
                                        "weekdays": [1, 2, 3, 4, 5, 6, 7], "window_start": "05:00",
                                        "window_end": "07:00"})
    city.at(date(2026, 3, 2), 9)
    city.user("operator", "dinas")
    page = browse("operator")
    page.goto("/kantor/timbang")
    expect(page.locator("#plate")).to_be_focused()  # the cursor starts in the plate field
    grosses = [12_000 + 100 * n for n in range(10)]
    grosses[6] = 19_000  # 13 t net in a 20 m3 truck (12 t at most): overload, flagged
    for n, (plate, gross) in enumerate(zip(plates, grosses)):
        page.keyboard.type(plate)
        page.keyboard.press("Tab")
        page.keyboard.type(str(gross))
        page.keyboard.press("Tab")
        page.keyboard.type(f"JT-{n + 1:04d}")
        page.keyboard.press("Enter")
        expect(page.locator(".flash")).to_contain_text(f"Tiket JT-{n + 1:04d}")
        expect(page.locator("#plate")).to_be_focused()
        if n == 0:
            page.keyboard.type("BM 8101")  # the plate lookup names the truck while typing
            expect(page.locator("#plate-info")).to_contain_text("BM 8101 RU")
            page.keyboard.press("Control+A")
            page.keyboard.press("Backspace")
    expect(page.locator(".tickets tbody tr")).to_have_count(10)
    flagged = page.locator(".flagged > li")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("JT-0007")
    expect(flagged).to_contain_text("melebihi kapasitas")
    browse.screens.shot(page, "timbang")
    page.locator(".flagged input[name=reason]").focus()
    page.keyboard.type("Muatan tanah urug dari proyek, ditimbang ulang bersih 5.900 kg sesuai berita acara")
    page.keyboard.press("Enter")
    expect(page.locator(".flash.ok")).to_contain_text("JT-0007 dibersihkan")
    expect(page.locator(".flagged > li")).to_have_text("Tidak ada tiket yang menunggu.")
    browse.screens.shot(page, "timbang-bersih")

    tickets = city.get("routes", "/weighings", **{"from": "2026-03-02", "to": "2026-03-02", "per_page": 50})["items"]
    assert sorted(t["ticket_no"] for t in tickets) == [f"JT-{n:04d}" for n in range(1, 11)]
    assert sum(t["net_kg"] for t in tickets) == sum(grosses) - 10 * 6000
    assert [(t["ticket_no"], t["flags"], t["cleared"]) for t in tickets if t["flags"]] == [
        ("JT-0007", ["overload"], True)]


@pytest.mark.screens("tagihan")
def test_an_invoice_line_opens_to_the_pickups_photo_and_map_and_an_accepted_objection_reaches_the_next_draft(
        city, browse):
    world = month_of_evidence(city)
    city.user("ppk", "dinas")
    page = browse("ppk")
    browse.screens.shot(page, "beranda")
    expect(page.locator(".tiles")).to_contain_text("1 keberatan terbuka")
    # on 2 April nobody has weighed a truck yet: the Beranda shows March, the latest month with weighings, and says so
    expect(page.locator("#bulan-ini")).to_contain_text("Maret 2026")
    expect(page.locator("main")).to_contain_text("bulan ini, April 2026, belum ada")
    card = page.locator(".card", has_text="KTR-01/DLHK/2026")
    expect(card).to_contain_text("8,0 t")  # March's weighing: 14 t gross, 6 t tare
    page.fill("#bulan", "2026-04")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("#bulan-ini")).to_contain_text("April 2026")
    expect(page).to_have_url(re.compile(r"bulan=2026-04"))
    page.goto("/kantor/")
    page.get_by_role("link", name="Tagihan", exact=True).click()
    browse.screens.shot(page, "tagihan")
    page.get_by_role("link", name="KTR-01/DLHK/2026").click()
    expect(page.locator("h1")).to_contain_text("KTR-01/DLHK/2026 · 2026-03")
    berita_acara = page.request.get(page.get_by_role("link", name="Berita acara (PDF)").get_attribute("href"))
    assert (berita_acara.status, berita_acara.headers["content-type"]) == (200, "application/pdf")
    assert berita_acara.body().startswith(b"%PDF")
    missed_line = next(line for line in world["invoices"]["a"]["lines"] if line["kind"] == "missed_pickup")
    assert world["off_site"]["id"] in missed_line["evidence"]
    # each line's evidence is named in full once its list is opened (htmx asks for that line alone)
    for short in ("Tiket timbang", "Pengaduan no.", "Penjemputan"):
        page.locator("details", has_text=short).locator("summary").click()
    # evidence named as people name it: the day and window (WIB), the route and the point, the complaint's number
    off_site = page.locator(".evidence").get_by_role("link", name="Penjemputan 2 Mar 2026 05.00–07.00, Rute R3-PAGI (ke-1), "
                                                                 "titik TPS-RMB-001 · TPS Yos Sudarso 1")
    expect(off_site).to_be_visible()
    complaint_no = world["complaint"]["id"][:8].upper()
    expect(page.locator("main")).to_contain_text(f"Pengaduan no. {complaint_no} (2 Mar 2026, WhatsApp), "
                                                 "titik TPS-RMB-002 · TPS Yos Sudarso 2: hari ke-1")
    expect(page.locator("main")).to_contain_text("Tiket timbang JT-0301, BM 8123 RU, 2 Mar 2026 08.00, neto 8.000 kg")
    expect(page.locator("main")).not_to_contain_text(world["off_site"]["id"])
    browse.screens.shot(page, "tagihan-rincian")
    off_site.click()
    expect(page.locator(".evidence-name")).to_contain_text("Penjemputan 2 Mar 2026 05.00–07.00, Rute R3-PAGI")
    expect(page.locator("h1")).to_contain_text("Tidak diangkut")
    body = page.locator("main")
    expect(body).to_contain_text("02-03-2026 05:00 – 02-03-2026 07:00")  # the window, WIB
    expect(body).to_contain_text("02-03-2026 05:30")  # collected and received
    expect(body).to_contain_text("geofence 150 m")
    photo = page.locator("#foto")
    expect(photo).to_be_visible()
    assert page.evaluate("document.querySelector('#foto').naturalWidth") == 800
    expect(page.locator("#peta")).to_have_attribute("data-ready", "2")  # the point and the GPS fix, tiles or not
    assert page.locator("#peta path.leaflet-interactive").count() == 3  # geofence, point and GPS drawn as vectors
    browse.screens.shot(page, "bukti-pengangkutan")

    page.goto(f"/kantor/tagihan/{world['invoices']['a']['id']}#keberatan")
    objection = page.locator(".objection")
    expect(objection).to_contain_text("Truk mengangkut di lokasi TPS sementara")
    objection.locator("input[name=reason]").fill("Foto dan GPS menunjukkan TPS sementara yang disetujui lurah")
    objection.get_by_role("button", name=re.compile("Terima")).click()
    expect(page.locator(".flash.ok")).to_contain_text("Keberatan diterima")
    expect(page.locator(".objection .badge")).to_have_text("diterima")
    browse.screens.shot(page, "keberatan-diputus")
    city.relay.run()  # billing -> routes (the pickup verified) -> billing (the credit)

    page.goto("/kantor/tagihan")
    page.select_option("#d-contract", label="KTR-01/DLHK/2026")
    page.fill("#d-month", "2026-04")
    page.get_by_role("button", name="Hitung").click()
    expect(page.locator("h1")).to_contain_text("KTR-01/DLHK/2026 · 2026-04")
    credit = page.locator("tr", has_text="Penyesuaian")
    expect(credit).to_contain_text("-Rp500.000")
    browse.screens.shot(page, "draf-berikut-kredit")
    april = city.get("billing", "/invoices", contract_id=world["ka"]["id"], month="2026-04")["items"][0]
    assert [(l["kind"], l["quantity"], l["amount_rp"]) for l in april["lines"] if l["kind"].startswith("adjust")] == [
        ("adjustment_missed_pickup", -1, -500_000)]
    decided = city.get("billing", f"/objections/{world['objection']['id']}")
    assert (decided["status"], decided["decided_by"] is not None) == ("accepted", True)
