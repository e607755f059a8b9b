"""The agency's other desks in a real browser: a warning letter naming breaches (and its PDF), an amendment, a
complaint recorded, a point on the map, a route scheduled, and the exports people open in a spreadsheet."""
from __future__ import annotations

import io
import re
import subprocess

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.integration.backoffice.conftest import month_of_evidence


def choose(page, selector: str, text: str) -> None:
    """Pick the option whose label contains text (labels carry code, name and kecamatan)."""
    page.select_option(selector, page.locator(f"{selector} option", has_text=text).first.get_attribute("value"))


@pytest.mark.screens("meja")
def test_the_ppk_issues_an_sp1_naming_a_months_breaches_and_the_letter_is_a_pdf(city, browse, tmp_path):
    world = month_of_evidence(city)
    city.user("ppk", "dinas")
    page = browse("ppk")
    page.goto(f"/kantor/kontrak/{world['ka']['id']}/pelanggaran?bulan=2026-03")
    breaches = page.locator(".breaches > li")
    expect(breaches.first).to_be_visible()
    measures = breaches.all_inner_texts()
    assert any("Rasio tepat waktu" in text for text in measures), measures
    page.locator(".breaches > li", has_text="Rasio tepat waktu").locator("input[name=breach_ids]").check()
    page.fill("#sp-reason", "Rasio tepat waktu Maret 2026 jauh di bawah 95 %")
    browse.screens.shot(page, "pelanggaran")
    page.get_by_role("button", name="Terbitkan SP1").click()
    expect(page.locator(".flash.ok")).to_have_text("SP1 diterbitkan dengan 1 pelanggaran.")
    browse.screens.shot(page, "kontrak-sp1")
    pdf_path = page.locator("a", has_text="PDF").first.get_attribute("href")
    pdf = page.request.get(pdf_path)
    assert pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "sp1.pdf").write_bytes(pdf.body())
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "sp1.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", str(tmp_path / "sp1.pdf"),
                    str(tmp_path / "meja-sp1-pdf")], check=True)
    browse.screens.taken.append(str(tmp_path / "meja-sp1-pdf.png"))  # published with the page screenshots
    for expected in ("Surat Peringatan Pertama (SP1)", "KTR-01/DLHK/2026", "PT Sungai Siak Bersih", "2026-03",
                     "Rasio tepat waktu / on-time ratio", "Rasio tepat waktu Maret 2026 jauh di bawah 95 %"):
        assert expected in text, expected
    letters = city.get("contracts", f"/contracts/{world['ka']['id']}")["warnings"]
    assert [(w["level"], len(w["breach_ids"])) for w in letters] == [("SP1", 1)]

    # an amendment with its effective date
    page.fill("#a-eff", "2026-05-01")
    page.fill("#a-target", "25000")
    page.fill("#a-reason", "Penambahan TPS di Rumbai Barat")
    page.get_by_role("button", name="Simpan adendum").click()
    expect(page.locator(".flash.ok")).to_have_text("Adendum 1 berlaku mulai 2026-05-01.")
    expect(page.locator("#adendum + .table-wrap")).to_contain_text("daily_target_kg: 20000 → 25000")


@pytest.mark.screens("meja")
def test_the_complaint_desk_the_map_and_the_route_planner_write_through_the_apis(city, browse):
    world = month_of_evidence(city)
    city.user("ppk", "dinas")
    page = browse("ppk")
    page.goto("/kantor/pengaduan")
    choose(page, "#c-point", "TPS-SAIL-001")
    page.fill("#c-desc", "Sampah pasar belum diangkut sejak pagi")
    page.select_option("#c-channel", "lapor")
    page.get_by_role("button", name="Catat").click()
    expect(page.locator(".flash.ok")).to_contain_text("Pengaduan dicatat")
    row = page.locator("tbody tr", has_text="Sampah pasar belum diangkut")
    expect(row).to_contain_text("KTR-02/DLHK/2026")  # assigned to the contract covering Sail
    expect(row).to_contain_text("prioritas")  # a market: due sooner
    browse.screens.shot(page, "pengaduan")

    page.goto("/kantor/titik")
    page.fill("#p-code", "TPS-RMB-003")
    page.fill("#p-name", "TPS Simpang Palas")
    page.select_option("#p-kec", "Rumbai")
    page.fill("#p-kel", "Palas")
    page.fill("#p-lat", "0.6201")
    page.fill("#p-lon", "101.4402")
    page.get_by_role("button", name="Tambah").click()
    expect(page.locator(".flash.ok")).to_have_text("Titik TPS-RMB-003 ditambahkan.")
    expect(page.locator("#peta")).to_have_attribute("data-ready", "4")
    assert page.locator("#peta path.leaflet-interactive").count() == 4  # markers without tiles
    browse.screens.shot(page, "titik")

    page.goto("/kantor/rute")
    page.fill("#r-code", "R3-SORE")
    page.select_option("#r-contract", label="KTR-01/DLHK/2026")
    page.select_option("#r-vehicle", label="BM 8123 RU")
    choose(page, "#r-stop1", "TPS-RMB-003")
    choose(page, "#r-stop2", "TPS-RMB-001")
    page.fill("#r-ws", "15:00")
    page.fill("#r-we", "17:00")
    page.get_by_role("button", name="Buat rute").click()
    expect(page.locator(".flash.ok")).to_have_text("Rute R3-SORE dibuat dengan 2 titik.")
    card = page.locator(".card", has_text="R3-SORE")
    expect(card.locator(".stops li")).to_have_text([re.compile("^TPS-RMB-003"), re.compile("^TPS-RMB-001")])
    card.locator("input[name=from]").fill("2026-04-06")
    card.locator("input[name=to]").fill("2026-04-07")
    card.get_by_role("button", name=re.compile("Jadwalkan")).click()
    expect(page.locator(".flash.ok")).to_have_text("4 pengangkutan dijadwalkan.")
    browse.screens.shot(page, "rute")

    # a flood in Rumbai on 7 April: that day's pickups there are excused
    page.goto("/kantor/kahar")
    choose(page, "#fm-contract", "KTR-01/DLHK/2026")
    page.fill("#fm-date", "2026-04-07")
    page.fill("#fm-kec", "Rumbai")
    page.fill("#fm-reason", "Banjir Sungai Siak, jalan Yos Sudarso tergenang")
    page.get_by_role("button", name="Nyatakan").click()
    expect(page.locator(".flash.ok")).to_have_text("Keadaan kahar 07-04-2026 dicatat; 2 pengangkutan dimaafkan.")
    expect(page.locator("tbody tr")).to_contain_text(["07-04-2026"])
    browse.screens.shot(page, "kahar")
    excused = city.get("routes", "/pickups", date="2026-04-07", contract_id=world["ka"]["id"])["items"]
    assert sorted(p["status"] for p in excused) == ["excused", "excused"]


def test_every_list_exports_as_csv_and_xlsx_and_the_months_report_is_a_workbook_with_a_sheet_per_contract(
        city, browse):
    month_of_evidence(city)
    city.user("bpk", "auditor")
    page = browse("bpk")
    for path, expected in (("/kantor/kontrak", "KTR-02/DLHK/2026"), ("/kantor/penyedia", "PT Lain Sejahtera"),
                           ("/kantor/tagihan", "KTR-01/DLHK/2026"), ("/kantor/keberatan", "Tidak diangkut (missed pickup)"),
                           ("/kantor/timbang?tanggal=2026-03-02", "JT-0301"), ("/kantor/pengaduan", "Sampah menumpuk"),
                           ("/kantor/titik", "TPS-SAIL-001"), ("/kantor/rute", "R3-PAGI")):
        glue = "&" if "?" in path else "?"
        csv = page.request.get(f"{path}{glue}format=csv")
        assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv"), path
        assert expected in csv.text(), (path, csv.text()[:300])
        xlsx = page.request.get(f"{path}{glue}format=xlsx")
        book = load_workbook(io.BytesIO(xlsx.body()))
        cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row]
        assert any(expected in cell for cell in cells), (path, cells[:20])
    workbook = page.request.get("/kantor/laporan/2026-03.xlsx")
    book = load_workbook(io.BytesIO(workbook.body()))
    assert book.sheetnames == ["Ringkasan", "KTR-01-DLHK-2026", "KTR-02-DLHK-2026"]
    summary = {row[0]: row for row in book["Ringkasan"].iter_rows(min_row=2, values_only=True)}
    # A: four pickups due, none on time (one off-site, three missed), 8 t weighed; B: two missed
    assert summary["KTR-01/DLHK/2026"][2:6] == (4, 0, 4, 8000)
    sheet = [row for row in book["KTR-01-DLHK-2026"].iter_rows(values_only=True)]
    # as `kawal report` counts: the off-site confirmation is not on time (a confirmation, so "late") and off-site
    assert [row[:9] for row in sheet if row[0] == "Rumbai"] == [("Rumbai", 4, 0, 1, 3, 1, 0, 0, 0)], sheet
    # kinds, units and statuses as the pages name them, the English term beside
    assert any(row[0] == "Tidak diangkut (missed pickup)" and row[4] == "kali" and row[6] == 2_000_000 for row in sheet)
    assert ("Tagihan / Invoice", "terbit") in [row[:2] for row in sheet]
    assert not {"missed_pickup", "issued"} & {cell for row in sheet for cell in row}
