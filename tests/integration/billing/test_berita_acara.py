"""The berita acara PDF of an issued invoice: what pdftotext reads on it, what its QR code decodes to, who may fetch
it, and checking a printed hash (GET /invoices/verify, kawal invoice verify)."""
from __future__ import annotations

import hashlib
import re
import subprocess
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from kawal.commands.invoice import printed_hash
from services.billing import terbilang
from services.billing.berita_acara_pdf import rupiah
from tests.integration.billing.conftest import AUDITOR, DINAS, World, deliver, draft, envelope, post, token

UTC = timezone.utc


class Issued:
    """March 2025: 1.000 t in 2 trips, 3 missed pickups, a complaint 2 days overdue, 5 shortfall days (2 billed);
    issued, then two objections: one accepted, one still open."""

    def __init__(self, client, url):
        self.world = World()
        self.pickups = [str(uuid.uuid4()) for _ in range(3)]
        self.complaint = str(uuid.uuid4())
        due = datetime(2025, 3, 20, 2, 0, tzinfo=UTC)
        deliver(url, [
            envelope("contracts.contractor.registered", contractor_id=self.world.contractor_id,
                     name="PT Sungai Siak Bersih", npwp="01.234.567.8-216.000"),
            self.world.activated(),
            self.world.weighed(str(uuid.uuid4()), 600_000, datetime(2025, 3, 5, 3, 0, tzinfo=UTC)),
            self.world.weighed(str(uuid.uuid4()), 400_000, datetime(2025, 3, 6, 3, 0, tzinfo=UTC)),
            *[self.world.missed(p, date(2025, 3, 10 + n)) for n, p in enumerate(self.pickups)],
            self.world.complaint("opened", self.complaint, due),
            self.world.complaint("resolved", self.complaint, due, datetime(2025, 3, 21, 2, 1, tzinfo=UTC)),
            *[self.world.evaluated(date(2025, 3, n), shortfall=True) for n in range(1, 6)]])
        self.draft = draft(client, self.world, "2025-03")
        self.invoice = post(client, self.draft["id"], "issue")
        self.own = token("contractor", self.world.contractor_id)
        filed = client.post(f"/api/v1/invoices/{self.invoice['id']}/objections", headers=self.own, json={
            "items": [{"kind": "missed_pickup", "ref": self.pickups[0]},
                      {"kind": "shortfall_day", "ref": "2025-03-05"}],
            "reason": "Truk mogok, diangkut malam"}).get_json()["items"]
        client.post(f"/api/v1/objections/{filed[0]['id']}/decision", headers=DINAS,
                    json={"accept": True, "reason": "Foto GPS sah"})


@pytest.fixture
def issued(billing, billing_db):
    return Issued(billing, billing_db)


@pytest.fixture
def pdf(billing, issued, tmp_path) -> Path:
    answer = billing.get(f"/api/v1/invoices/{issued.invoice['id']}/berita-acara", headers=DINAS)
    assert (answer.status_code, answer.mimetype) == (200, "application/pdf")
    path = tmp_path / "berita-acara.pdf"
    path.write_bytes(answer.data)
    return path


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_the_berita_acara_states_the_contract_every_line_and_the_total_in_figures_and_words(issued, pdf):
    text = pdftotext(pdf)
    flat = " ".join(text.split())
    invoice = issued.invoice
    # by hand: 1.000 t x Rp235.000 = Rp235.000.000; 3 x Rp500.000 + 2 x Rp250.000 + 2 x Rp1.000.000 = Rp4.000.000
    assert (invoice["tonnage_rp"], invoice["deductions_rp"], invoice["dpp_rp"], invoice["ppn_rp"],
            invoice["total_rp"]) == (235_000_000, 4_000_000, 231_000_000, 25_410_000, 256_410_000)
    for expected in ("BERITA ACARA PEMERIKSAAN PEKERJAAN", "KTR/2025/001", "Kawasan 1 (Sail)",
                     "PT Sungai Siak Bersih", "1 Januari 2025 - 31 Desember 2025", "Rp1.000.000.000", "Maret 2025",
                     "1.000.000", "Rp235.000/ton", "Rp235.000.000",
                     "Pengangkutan terlewat / missed pickups", "Rp1.500.000",
                     "Hari pengaduan terlambat / complaint days overdue", "Rp500.000",
                     "Hari kekurangan tonase / shortfall days", "Rp2.000.000",
                     "Rp4.000.000", "DPP / tax base Rp231.000.000", "PPN / VAT 11% Rp25.410.000",
                     "Jumlah dibayar / total payable Rp256.410.000",
                     "Pejabat Pembuat Komitmen (PPK)", "Direktur PT Sungai Siak Bersih",
                     "Diterima", "Belum diputus", "Foto GPS sah"):
        assert expected in flat, expected
    assert terbilang.rupiah(256_410_000).capitalize() in flat
    assert "Dua ratus lima puluh enam juta empat ratus sepuluh ribu rupiah" in flat
    # every line of the invoice with its evidence count: tonnage 2 trips, 3 pickups, 2 complaint days, 2 days
    for line in invoice["lines"]:
        assert rupiah(line["amount_rp"]) in flat, line["kind"]
    assert re.search(r"Pengangkutan terlewat / missed pickups\s+3\s+3 kali\s+Rp500\.000\s+Rp1\.500\.000", flat)
    assert re.search(r"Tonase / tonnage\s+1\.000\.000\s+2\s+Rp235\.000/ton\s+Rp235\.000\.000", flat)  # kg, ritase


def test_the_qr_code_decodes_to_the_hash_of_the_invoice_canonical_json(billing, issued, pdf, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "110", str(pdf), str(tmp_path / "page")], check=True)
    decoded = set()
    for page in sorted(tmp_path.glob("page*.png")):
        scan = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True)
        decoded |= {line for line in scan.stdout.split() if line}
    shown = billing.get(f"/api/v1/invoices/{issued.invoice['id']}", headers=AUDITOR).get_json()["sha256"]
    assert decoded == {shown}
    assert re.fullmatch(r"[0-9a-f]{64}", shown)
    assert shown in pdftotext(pdf)  # printed too
    assert printed_hash(pdf.read_bytes(), pdf) == shown


def test_the_hash_is_of_the_canonical_json_kept_at_issue(billing, billing_db, issued):
    from sqlalchemy import create_engine, text
    engine = create_engine(billing_db)
    with engine.connect() as connection:
        canonical, sha = connection.execute(text("SELECT canonical, sha256 FROM invoice_digests")).one()
    engine.dispose()
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == sha
    assert f'"total_rp":{issued.invoice["total_rp"]}' in canonical and " " not in canonical.split('"lines"')[0][-5:]
    # approving and paying later changes nothing the hash covers
    post(billing, issued.invoice["id"], "approve")
    assert billing.get(f"/api/v1/invoices/{issued.invoice['id']}", headers=DINAS).get_json()["sha256"] == sha


def test_a_printed_hash_is_checked_against_issued_invoices(billing, issued):
    sha = billing.get(f"/api/v1/invoices/{issued.invoice['id']}", headers=DINAS).get_json()["sha256"]
    verify = lambda value, h=AUDITOR: billing.get("/api/v1/invoices/verify", headers=h,  # noqa: E731
                                                  query_string={"sha256": value})
    found = verify(sha).get_json()
    assert (found["matches"], found["invoice_id"], found["number"], found["month"], found["total_rp"]) == (
        True, issued.invoice["id"], "KTR/2025/001", "2025-03", 256_410_000)
    assert verify(sha, issued.own).get_json()["matches"] is True
    assert verify(sha, token("contractor", str(uuid.uuid4()))).get_json()["matches"] is False
    assert verify("0" * 64).get_json() == {"sha256": "0" * 64, "matches": False}
    bad = verify("not-a-hash")
    assert (bad.status_code, list(bad.get_json()["error"]["fields"])) == (422, ["sha256"])


def test_a_draft_has_no_berita_acara_and_another_contractor_cannot_fetch_one(billing, issued):
    april = draft(billing, issued.world, "2025-04")
    refused = billing.get(f"/api/v1/invoices/{april['id']}/berita-acara", headers=DINAS)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "invoice_not_issued")
    path = f"/api/v1/invoices/{issued.invoice['id']}/berita-acara"
    assert [billing.get(path, headers=h).status_code
            for h in (DINAS, AUDITOR, issued.own, token("contractor", str(uuid.uuid4())), {})] == [
        200, 200, 200, 404, 401]
