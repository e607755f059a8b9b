"""A warning letter (surat peringatan) as an A4 PDF, the berita acara's way: fpdf2 with core fonts."""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from shared import clock

MONTHS = clock.MONTHS
MEASURES = {
    "on_time_ratio": "Rasio tepat waktu / on-time ratio",
    "shortfall_days": "Hari kurang tonase / shortfall days",
    "complaints_overdue": "Pengaduan lewat tenggat / complaints overdue",
}
LEVEL_NAMES = {
    "SP1": "Surat Peringatan Pertama (SP1)",
    "SP2": "Surat Peringatan Kedua (SP2)",
    "SP3": "Surat Peringatan Ketiga (SP3)",
}


def _text(value) -> str:
    return str(value).replace("\u2013", "-").replace("\u2014", "-").encode("latin-1", "replace").decode("latin-1")


def tanggal(instant: datetime) -> str:
    local = instant.astimezone(clock.WIB)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def render(contract: dict, contractor: dict, letter: dict, breaches: list[dict]) -> bytes:
    """The letter naming each breach it rests on (month, measure, threshold, value, evidence count)."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, "DINAS LINGKUNGAN HIDUP DAN KEBERSIHAN", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="C")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, "Environment and Sanitation Agency", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="C")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(
        0, 8, _text(LEVEL_NAMES.get(letter["level"], letter["level"])), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="C"
    )
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, "Warning letter", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="C")
    pdf.ln(4)
    issued = datetime.fromisoformat(letter["issued_at"])
    rows = [
        ("Nomor kontrak / contract", contract["number"]),
        ("Penyedia / contractor", contractor["name"]),
        ("NPWP", contractor["npwp"]),
        ("Kawasan", f"{contract['kawasan']} ({', '.join(contract['kecamatan'])})"),
        ("Tanggal / date", tanggal(issued)),
        ("Nomor surat / letter id", letter["id"]),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(55, 6, _text(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 6, _text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.multi_cell(
        0,
        6,
        _text(
            f"Dengan ini Dinas memberikan {LEVEL_NAMES.get(letter['level'], letter['level'])} kepada penyedia atas "
            f"pelanggaran berikut / The agency hereby issues this warning for the following breaches:"
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 9)
    widths = (22, 70, 28, 28, 42)
    for width, head in zip(widths, ("Bulan", "Ukuran / measure", "Ambang", "Nilai", "Bukti / evidence")):
        pdf.cell(width, 7, head, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for breach in breaches:
        values = (
            breach["month"],
            MEASURES.get(breach["measure"], breach["measure"]),
            _number(breach["threshold"]),
            _number(breach["value"]),
            f"{len(breach.get('evidence') or [])} butir / items",
        )
        for width, value in zip(widths, values):
            pdf.cell(width, 7, _text(value), border=1)
        pdf.ln()
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Alasan / reason", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 6, _text(letter["reason"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(14)
    pdf.cell(95, 6, "Pejabat Pembuat Komitmen (PPK)")
    pdf.cell(0, 6, "Diterima oleh penyedia / received by", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(20)
    pdf.cell(95, 6, "(....................................)")
    pdf.cell(0, 6, "(....................................)", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _number(value) -> str:
    return ("%.4f" % value).rstrip("0").rstrip(".").replace(".", ",") if isinstance(value, float) else str(value)
