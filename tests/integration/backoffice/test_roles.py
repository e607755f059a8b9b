"""Who sees what: the auditor reads every page and can write nothing; a contractor sees only its own."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.integration.backoffice.conftest import month_of_evidence


def agency_pages(world) -> dict[str, str]:
    invoice = world["invoices"]["a"]["id"]
    return {
        "beranda": "/kantor/?bulan=2026-03", "kontrak": "/kantor/kontrak", "penyedia": "/kantor/penyedia",
        "kontrak-rinci": f"/kantor/kontrak/{world['ka']['id']}",
        "pelanggaran": f"/kantor/kontrak/{world['ka']['id']}/pelanggaran",
        "titik": "/kantor/titik", "rute": "/kantor/rute", "timbang": "/kantor/timbang?tanggal=2026-03-02",
        "pengaduan": "/kantor/pengaduan", "kahar": "/kantor/kahar", "tagihan": "/kantor/tagihan", "tagihan-rinci": f"/kantor/tagihan/{invoice}",
        "bukti": f"/kantor/tagihan/{invoice}/bukti/missed_pickup/{world['off_site']['id']}",
        "keberatan": "/kantor/keberatan", "laporan": "/kantor/laporan?bulan=2026-03",
    }


@pytest.mark.screens("auditor")
def test_an_auditor_sees_every_page_and_can_write_nothing(city, browse):
    world = month_of_evidence(city)
    city.user("bpk", "auditor")
    page = browse("bpk")
    expect(page.get_by_role("link", name="Grafana")).to_have_attribute("href", re.compile("kawal-compliance"))
    for name, path in agency_pages(world).items():
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        expect(page.locator(".readonly")).to_contain_text("hanya baca")
        # the only form that posts is signing out: no write control anywhere
        assert page.locator("form[method=post]:not(.signout)").count() == 0, path
        # the one submit button a reader meets is a month picker (a GET form): the report's and the Beranda's
        assert page.locator("main button[type=submit]").count() == (1 if name in ("laporan", "beranda") else 0), path
        assert page.locator("main form:not([method=post]) button[type=submit]").count() == page.locator(
            "main button[type=submit]").count(), path
        browse.screens.shot(page, name)
    expect(page.locator("body")).to_contain_text("Unduh XLSX 2026-03")

    page.goto("/kantor/tagihan")
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    forged = {
        f"/kantor/keberatan/{world['objection']['id']}": {"accept": "true", "reason": "dipalsukan"},
        "/kantor/timbang": {"plate": "BM 8123 RU", "gross_kg": "9000", "ticket_no": "PALSU-1"},
        f"/kantor/tagihan/{world['invoices']['a']['id']}/approve": {},
        f"/kantor/kontrak/{world['ka']['id']}/suspend": {"reason": "dipalsukan"},
        "/kantor/penyedia": {"name": "PT Palsu", "npwp": "01.234.567.8-999.000"},
    }
    for path, form in forged.items():
        answer = page.request.post(path, form={**form, "csrf_token": token}, max_redirects=0)
        assert answer.status == 403, (path, answer.status)
    assert city.get("billing", f"/objections/{world['objection']['id']}")["status"] == "open"
    assert city.get("billing", f"/invoices/{world['invoices']['a']['id']}")["status"] == "issued"
    assert city.get("contracts", f"/contracts/{world['ka']['id']}")["status"] == "active"
    assert [w["ticket_no"] for w in city.get("routes", "/weighings", plate="BM 8123 RU")["items"]] == ["JT-0301"]


@pytest.mark.screens("penyedia")
def test_a_contractor_sees_only_its_own_contracts_invoices_and_objections(city, browse):
    world = month_of_evidence(city)
    city.user("sungai-siak", "contractor", world["a"]["id"])
    page = browse("sungai-siak")
    page.goto("/kantor/kontrak")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("KTR-01/DLHK/2026")
    expect(page.locator("tbody")).not_to_contain_text("KTR-02/DLHK/2026")
    browse.screens.shot(page, "kontrak")
    page.goto("/kantor/tagihan")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("KTR-01/DLHK/2026")
    browse.screens.shot(page, "tagihan")
    page.goto(f"/kantor/tagihan/{world['invoices']['a']['id']}/bukti/missed_pickup/{world['off_site']['id']}")
    assert page.evaluate("document.querySelector('#foto').naturalWidth") == 800  # its own photo
    page.goto("/kantor/keberatan")
    expect(page.locator(".objection")).to_have_count(1)
    assert page.locator("form[method=post]:not(.signout)").count() == 0
    # another contractor's contract and invoice are not found; the agency's desks are not its pages
    for path, status in ((f"/kantor/kontrak/{world['kb']['id']}", 404),
                         (f"/kantor/tagihan/{world['invoices']['b']['id']}", 404),
                         ("/kantor/timbang", 403), ("/kantor/pengaduan", 403), ("/kantor/titik", 403)):
        assert page.goto(path).status == status, path
        if path.startswith("/kantor/tagihan/"):
            expect(page.locator("h1")).to_have_text("Halaman tidak ditemukan.")
            browse.screens.shot(page, "tagihan-lain-404")
    expect(page.locator("h1")).to_have_text("Anda tidak berhak membuka halaman ini.")
    browse.screens.shot(page, "meja-403")
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    answer = page.request.post(f"/kantor/keberatan/{world['objection']['id']}",
                               form={"accept": "true", "reason": "sendiri", "csrf_token": token}, max_redirects=0)
    assert answer.status == 403
    csv = page.request.get("/kantor/tagihan?format=csv").text()
    assert "KTR-01/DLHK/2026" in csv and "KTR-02/DLHK/2026" not in csv
