"""The berita acara's layout rules, rendered from plain values and read back with pdftotext (poppler-utils)."""
from __future__ import annotations

import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest

from services.billing.berita_acara import Decision, Document, Row
from services.billing.berita_acara_pdf import render

UTC = timezone.utc
FILED = datetime(2025, 4, 3, 3, 0, tzinfo=UTC)


def document(objections: int) -> Document:
    return Document(
        invoice_id="5b0c6f1e-1111-4222-8333-444455556666", number="DLHK-2025/01/KAWASAN1", kawasan="Kawasan 1",
        kecamatan=["Tuah Madani", "Binawidya"], contractor="PT Riau Bersih Lestari", npwp="01.234.567.8-216.000",
        start_date=date(2025, 1, 1), end_date=date(2025, 6, 30), value_rp=16_840_000_000, ppn_rate="0.1100",
        month="2025-03", status="issued", kind="termin",
        issued_at=datetime(2025, 4, 2, 3, 0, tzinfo=UTC), tonnage_kg=10_512_340,
        tonnage_gross_rp=2_470_399_900, ceiling_excess_rp=0, tonnage_rp=2_470_399_900,
        deductions_gross_rp=9_355_560, capped_rp=0, carried_in_rp=0, deductions_rp=9_355_560, carried_out_rp=0,
        cap_used_rp=30_000_000, cap_rp=842_000_000, dpp_rp=2_461_044_340, ppn_rp=270_714_877,
        total_rp=2_731_759_217, sha256="ab" * 32,
        rows=[Row("tonnage", "charge", "", 10_512_340, "kg", 235_000, 2_470_399_900, 2_104),
              Row("missed_pickup", "deduction", "", 9, "pickup", 935_556, 8_420_004, 9),
              Row("adjustment_shortfall_day", "deduction", "", 1, "day", 935_556, 935_556, 1)],
        decisions=[Decision("missed_pickup", f"5b0c6f1e-aaaa-4bbb-8ccc-{n:012d}", FILED + timedelta(minutes=n),
                            "Truk mogok, diangkut malam harinya", "accepted" if n % 2 else "open",
                            "Foto GPS sah" if n % 2 else None, FILED if n % 2 else None)
                   for n in range(objections)])


def pages(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "ba.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def test_a_month_with_a_few_objections_fits_on_one_a4_page(tmp_path):
    pdf = render(document(objections=3))
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf  # A4 in points
    (page,) = pages(pdf, tmp_path)
    assert "Penyesuaian / adjustment:" in page and "Rp935.556" in page


@pytest.mark.parametrize("objections", [6, 14, 40])
def test_the_totals_are_always_on_the_page_that_is_signed(tmp_path, objections):
    texts = pages(render(document(objections)), tmp_path)
    signed = [text for text in texts if "Pejabat Pembuat Komitmen (PPK)" in text]
    assert len(signed) == 1
    assert "Jumlah dibayar / total payable Rp2.731.759.217" in signed[0]
    assert sum(text.count("Truk mogok") for text in texts) == objections
