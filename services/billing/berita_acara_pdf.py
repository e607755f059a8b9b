"""The berita acara as an A4 PDF (fpdf2, core fonts, no system libraries): Bahasa Indonesia with English beside."""

from __future__ import annotations

from datetime import date, datetime
from typing import Sequence

import qrcode
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.billing import terbilang
from shared import clock

MONTHS = clock.MONTHS
KINDS = {
    "tonnage": "Tonase / tonnage",
    "missed_pickup": "Pengangkutan terlewat / missed pickups",
    "complaint_day": "Hari pengaduan terlambat / complaint days overdue",
    "shortfall_day": "Hari kekurangan tonase / shortfall days",
    "carried_deduction": "Potongan terbawa / deduction carried in",
    "bond_claim": "Klaim jaminan pelaksanaan / claim on the performance bond",
}
INVOICE_KINDS = {
    "termin": "termin bulanan / monthly payment",
    "final": "termin akhir / final payment",
    "closing": "penyesuaian penutup / closing adjustment",
}
SHORT_KINDS = {
    "missed_pickup": "Terlewat / missed pickup",
    "complaint_day": "Pengaduan / complaint day",
    "shortfall_day": "Kurang tonase / shortfall day",
}
UNITS = {"kg": "kg", "pickup": "kali", "day": "hari", "carry": "-"}
DECISIONS = {"open": "Belum diputus / open", "accepted": "Diterima / accepted", "rejected": "Ditolak / rejected"}
FONT = "Helvetica"
LINE = 5
TOTALS_AND_SIGNATURES_MM = 62


def rupiah(amount: int) -> str:
    """Indonesian format: Rp2.752.800, a credit -Rp500.000."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def tanggal(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def bulan(month: str) -> str:
    year, mm = month.split("-")
    return f"{MONTHS[int(mm) - 1]} {year}"


def waktu(instant: datetime) -> str:
    local = clock.to_wib(instant)
    return f"{tanggal(local.date())} {local:%H.%M} WIB"


def kind_label(kind: str) -> str:
    if kind.startswith("adjustment_"):
        return "Penyesuaian / adjustment: " + KINDS[kind.removeprefix("adjustment_")]
    return KINDS.get(kind, kind)


def _latin1(text: str) -> str:
    # the core fonts cover Latin-1; anything else (a dash from a description) becomes its nearest plain form
    return text.replace("\u2013", "-").replace("\u2014", "-").encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    def __init__(self, document):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.document = document
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=15)
        self.alias_nb_pages()

    def footer(self):
        self.set_y(-13)
        self.set_font(FONT, "", 7)
        self.cell(
            0,
            4,
            _latin1(
                f"Berita acara {self.document.number} {self.document.month} - SHA-256 "
                f"{self.document.sha256} - halaman / page {self.page_no()}/{{nb}}"
            ),
            align="C",
        )

    def text_line(self, text: str, style: str = "", size: float = 9, align: str = "L", height: float = LINE):
        self.set_font(FONT, style, size)
        self.multi_cell(0, height, _latin1(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str):
        self.ln(1.5)
        self.text_line(text, "B", 9.5)
        self.ln(0.3)


def render(document) -> bytes:
    pdf = _Pdf(document)
    pdf.set_title(f"Berita acara pemeriksaan pekerjaan {document.number} {document.month}")
    pdf.set_subject(f"kawal-sha256:{document.sha256}")
    pdf.set_keywords(f"kawal-sha256:{document.sha256}")
    pdf.set_creator("Kawal")
    pdf.add_page()
    _qr(pdf, document)
    _title(pdf, document)
    _contract(pdf, document)
    _tonnage(pdf, document)
    _deductions(pdf, document)
    _objections(pdf, document)
    # the totals stay on the page the parties sign: never a signature page without the figures it signs for
    if pdf.will_page_break(TOTALS_AND_SIGNATURES_MM):
        pdf.add_page()
    _totals(pdf, document)
    _signatures(pdf, document)
    _verify_note(pdf, document)
    return bytes(pdf.output())


def _title(pdf: _Pdf, d) -> None:
    pdf.text_line("PEMERINTAH KOTA PEKANBARU", "B", 10, "C")
    pdf.text_line("DINAS LINGKUNGAN HIDUP DAN KEBERSIHAN", "B", 10, "C")
    pdf.ln(2)
    pdf.text_line("BERITA ACARA PEMERIKSAAN PEKERJAAN", "B", 13, "C", 6)
    pdf.text_line(f"Work inspection report ({INVOICE_KINDS.get(d.kind, d.kind)})", "I", 9, "C")
    pdf.text_line(f"Nomor / number: BAPP/{d.number}/{d.month}", "", 9, "C")
    pdf.set_font("Courier", "", 7.5)
    pdf.cell(0, 4, f"SHA-256 {d.sha256}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    pdf.text_line(
        f"Pada {tanggal(clock.to_wib(d.issued_at).date())} telah diperiksa pekerjaan pengangkutan sampah "
        f"bulan {bulan(d.month)} menurut kontrak di bawah ini, dengan hasil sebagai berikut. / The "
        f"waste-collection work of {bulan(d.month)} under this contract was inspected, with this result.",
        size=8,
        height=3.8,
    )


def _pairs(pdf: _Pdf, pairs: Sequence[tuple[str, ...]], widths=(62, 112)) -> None:
    """Label and value side by side (two pairs a row when four widths are given)."""
    pdf.set_font(FONT, "", 8.5)
    per_row = len(widths) // 2
    cells = [cell for pair in pairs for cell in pair]
    with pdf.table(
        col_widths=widths,
        first_row_as_headings=False,
        line_height=4.2,
        text_align="LEFT",
        borders_layout="NONE",
        padding=0.4,
    ) as table:
        for start in range(0, len(cells), 2 * per_row):
            row = table.row()
            for cell in cells[start : start + 2 * per_row]:
                row.cell(_latin1(cell))


def _contract(pdf: _Pdf, d) -> None:
    pdf.heading("1. Kontrak / contract")
    _pairs(
        pdf,
        [
            ("Nomor kontrak / contract number", d.number),
            ("Kawasan / service area", f"{d.kawasan} ({', '.join(d.kecamatan)})" if d.kecamatan else d.kawasan),
            ("Penyedia / contractor", f"{d.contractor} (NPWP {d.npwp})"),
            ("Masa kontrak / period", f"{tanggal(d.start_date)} - {tanggal(d.end_date)}"),
            ("Nilai kontrak / contract value", f"{rupiah(d.value_rp)} (sebelum PPN / before VAT)"),
            ("Bulan / month", f"{bulan(d.month)} (diterbitkan / issued {waktu(d.issued_at)})"),
        ],
        widths=(52, 122),
    )


def _table(
    pdf: _Pdf,
    headings: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    widths: tuple[int, ...],
    align: tuple[str, ...],
    size: float = 8,
) -> None:
    pdf.set_font(FONT, "", size)
    with pdf.table(
        col_widths=widths, text_align=align, line_height=size * 0.48, padding=0.6, headings_style=_heading_style()
    ) as table:
        for cells in [headings, *rows]:
            row = table.row()
            for cell in cells:
                row.cell(_latin1(cell))


def _heading_style():
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", fill_color=(230, 236, 240))


def _tonnage(pdf: _Pdf, d) -> None:
    pdf.heading("2. Tonase / tonnage (jembatan timbang TPA / landfill weighbridge)")
    charges = [r for r in d.rows if r.category == "charge"]
    rows = [
        (
            kind_label(r.kind),
            number(r.quantity),
            number(r.evidence_count),
            f"{rupiah(r.unit_rp)}/ton",
            rupiah(r.amount_rp),
        )
        for r in charges
    ]
    rows = rows or [("Tidak ada timbangan / no weighings", "0", "0", "-", rupiah(0))]
    _table(
        pdf,
        ("Uraian / item", "Netto / net (kg)", "Ritase / trips", "Harga satuan / unit price", "Nilai / amount"),
        rows,
        (62, 28, 20, 32, 32),
        ("L", "R", "R", "R", "R"),
    )
    pdf.ln(1)
    _pairs(
        pdf,
        [
            ("Di atas nilai kontrak / over the ceiling", rupiah(d.ceiling_excess_rp)),
            ("Tonase ditagih / tonnage billed", rupiah(d.tonnage_rp)),
        ],
        widths=(46, 28, 46, 28),
    )


def _deductions(pdf: _Pdf, d) -> None:
    pdf.heading("3. Potongan / deductions (denda / penalties)")
    deductions = [r for r in d.rows if r.category == "deduction"]
    rows = [
        (
            kind_label(r.kind),
            number(r.evidence_count),
            f"{number(r.quantity)} {UNITS.get(r.unit, r.unit)}",
            rupiah(r.unit_rp),
            rupiah(r.amount_rp),
        )
        for r in deductions
    ]
    if not rows:
        rows = [("Tidak ada potongan / no deductions", "-", "-", "-", rupiah(0))]
    _table(
        pdf,
        ("Uraian / item", "Bukti / evidence", "Jumlah / quantity", "Tarif / rate", "Nilai / amount"),
        rows,
        (76, 22, 26, 24, 26),
        ("L", "R", "R", "R", "R"),
    )
    pdf.ln(1)
    _pairs(
        pdf,
        [
            ("Potongan baru / new deductions", rupiah(d.deductions_gross_rp)),
            ("Di atas batas / over the cap", rupiah(d.capped_rp)),
            ("Terbawa masuk / carried in", rupiah(d.carried_in_rp)),
            ("Dipotong / deducted", rupiah(d.deductions_rp)),
            ("Terbawa keluar / carried out", rupiah(d.carried_out_rp)),
            ("Batas denda / penalty cap", rupiah(d.cap_rp)),
        ]
        + (
            [("Klaim jaminan / bond claim", rupiah(d.bond_claim_rp)), ("Jaminan / bond", rupiah(d.performance_bond_rp))]
            if d.bond_claim_rp
            else []
        ),
        widths=(46, 28, 46, 28),
    )
    pdf.text_line(
        f"Batas denda terpakai / penalty cap used: {rupiah(d.cap_used_rp)} dari / of {rupiah(d.cap_rp)} "
        "(kontrak s.d. bulan ini / contract to date; kelebihan tidak dipotong / the excess is not deducted)",
        size=8,
        height=4,
    )


def _objections(pdf: _Pdf, d) -> None:
    pdf.heading("4. Keberatan / objections")
    if not d.decisions:
        pdf.text_line("Tidak ada keberatan / no objections filed.", size=8.5)
        return
    rows = [
        (
            SHORT_KINDS.get(o.kind, o.kind),
            o.ref,
            waktu(o.filed_at),
            o.reason,
            DECISIONS[o.status],
            o.decision_reason or "-",
        )
        for o in d.decisions
    ]
    _table(
        pdf,
        (
            "Bukti / evidence",
            "Ref",
            "Diajukan / filed",
            "Alasan / reason",
            "Keputusan / decision",
            "Alasan keputusan / grounds",
        ),
        rows,
        (24, 32, 22, 34, 19, 43),
        ("L", "L", "L", "L", "L", "L"),
        size=7.2,
    )


def _totals(pdf: _Pdf, d) -> None:
    pdf.heading("5. Jumlah / totals")
    rate = f"{float(d.ppn_rate) * 100:g}%"
    _pairs(
        pdf,
        [
            ("Tonase ditagih / tonnage billed", rupiah(d.tonnage_rp)),
            ("Potongan / deductions", rupiah(-d.deductions_rp) if d.deductions_rp else rupiah(0)),
            ("DPP / tax base", rupiah(d.dpp_rp)),
            (f"PPN / VAT {rate}", rupiah(d.ppn_rp)),
        ],
        widths=(46, 28, 46, 28),
    )
    pdf.set_font(FONT, "B", 10)
    pdf.cell(74, 6, "Jumlah dibayar / total payable")
    pdf.cell(60, 6, rupiah(d.total_rp), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.text_line(f"Terbilang / in words: {terbilang.rupiah(d.total_rp).capitalize()}", "I", 8.5, height=4.4)


def _signatures(pdf: _Pdf, d) -> None:
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.ln(1)
    top, half = pdf.get_y(), (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    for column, (role, name, note) in enumerate(
        (
            ("Pejabat Pembuat Komitmen (PPK)", "contract officer", "NIP."),
            (f"Direktur {d.contractor}", "contractor's director", "Penyedia / contractor"),
        )
    ):
        x = pdf.l_margin + column * half
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 8.5)
        pdf.multi_cell(half - 6, 4.4, _latin1(role), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "I", 8)
        pdf.multi_cell(half - 6, 4.4, _latin1(name), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_xy(x, top + 17)
        pdf.set_font(FONT, "", 8.5)
        pdf.multi_cell(
            half - 6,
            4.4,
            "(................................................)",
            align="C",
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
        )
        pdf.multi_cell(half - 6, 4.4, _latin1(note), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin, top + 26)


QR_MM = 24


def _qr(pdf: _Pdf, d) -> None:
    """The invoice hash as a QR code in the top right corner of page 1: a phone reads it off a printed copy."""
    image = qrcode.make(d.sha256, box_size=8, border=2).get_image()
    pdf.image(image, x=pdf.w - pdf.r_margin - QR_MM + 2, y=pdf.t_margin - 6, w=QR_MM, h=QR_MM)


def _verify_note(pdf: _Pdf, d) -> None:
    pdf.ln(1)
    pdf.text_line(
        "SHA-256 (juga kode QR) = sidik JSON kanonik tagihan saat terbit / fingerprint of the invoice's canonical JSON "
        f"at issue. Periksa / check: kawal invoice verify FILE.pdf, GET /api/v1/invoices/verify?sha256=. Tagihan / "
        f"invoice {d.invoice_id}.",
        "",
        6.5,
        height=3,
    )
