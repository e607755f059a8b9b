"""The monthly compliance report (the `kawal report` content) as one XLSX workbook, a sheet per contract."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Blueprint, abort, render_template, request
from openpyxl import Workbook
from openpyxl.styles import Font

from kawal.demo import figures as report_figures
from services.portal.backoffice.common import (
    api,
    cells,
    kind,
    measure_value,
    read_page,
    status,
    this_month,
    unit,
    write_sheet,
    xlsx_response,
)
from shared import clock

blp = Blueprint("bo_exports", __name__, url_prefix="/kantor")

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
KECAMATAN_COLUMNS = [
    ("kecamatan", "Kecamatan"),
    ("scheduled", "Jadwal / Scheduled"),
    ("on_time", "Tepat waktu / On time"),
    ("late", "Terlambat / Late"),
    ("missed", "Tidak diangkut / Missed"),
    ("off_site_unverified", "Di luar lokasi / Off-site"),
    ("excused", "Dimaafkan / Excused"),
    ("pending", "Belum jatuh tempo / Not yet due"),
    ("on_time_ratio", "Rasio tepat waktu / On-time ratio"),
]
LINE_COLUMNS = [
    ("kind", "Jenis / Kind", kind),
    ("first_date", "Dari"),
    ("last_date", "Sampai"),
    ("quantity", "Jumlah"),
    ("unit", "Satuan", unit),
    ("unit_rp", "Harga satuan (Rp)"),
    ("amount_rp", "Nilai (Rp)"),
    ("evidence_count", "Bukti / Evidence"),
]


def _stats_row(name: str, stats) -> dict:
    ratio = stats.on_time_ratio
    return {
        "kecamatan": name,
        **{k: getattr(stats, k) for k, _ in KECAMATAN_COLUMNS[1:-1]},
        "on_time_ratio": None if ratio is None else round(ratio, 4),
    }


@blp.get("/laporan")
@read_page
def report_page():
    return render_template("backoffice/report.html", month=request.args.get("bulan") or this_month())


@blp.get("/laporan/<month>.xlsx")
@read_page
def compliance_workbook(month):
    """Per contract: the month's figures, pickups by kecamatan, the invoice's lines; a summary sheet first."""
    if not MONTH.match(month):
        abort(404)
    client = api()
    first, following = clock.month_bounds(month)
    last = following - timedelta(days=1)
    today = clock.today_wib()
    kecamatan_of = {p["id"]: p["kecamatan"] for p in client.all_pages("routes", "/points")}
    book = Workbook()
    summary = book.active
    summary.title = "Ringkasan"
    summary_rows = []
    for contract in sorted(client.all_pages("contracts", "/contracts"), key=lambda c: c["number"]):
        start, end = date.fromisoformat(contract["start_date"]), date.fromisoformat(contract["end_date"])
        if contract["status"] == "draft" or end < first or start > last:
            continue
        span = {"contract_id": contract["id"], "from": first.isoformat(), "to": last.isoformat()}
        by_kecamatan = report_figures.pickups_by_kecamatan(client.all_pages("routes", "/pickups", **span), kecamatan_of)
        total = report_figures.total(by_kecamatan)
        tonnage = report_figures.Tonnage.of(client.all_pages("routes", "/weighings", **span))
        target = report_figures.target_kg(contract["daily_target_kg"], first, following, start, end, min(last, today))
        daily = client.all_pages("routes", "/compliance/daily", **span)
        breaches = client.all_pages("routes", "/compliance/breaches", contract_id=contract["id"], month=month)
        invoices = client.all_pages("billing", "/invoices", contract_id=contract["id"], month=month)
        invoice = invoices[0] if invoices else None
        row = {
            "number": contract["number"],
            "status": status(contract["status"]),
            "scheduled": total.scheduled,
            "on_time_ratio": None if total.on_time_ratio is None else round(total.on_time_ratio, 4),
            "misses_billed": total.misses_billed,
            "tonnage_kg": tonnage.cleared_kg,
            "target_kg": target,
            "held": tonnage.held,
            "shortfall_days": sum(1 for d in daily if d.get("shortfall")),
            "warnings": ", ".join(w["level"] for w in contract.get("warnings") or []) or "-",
            "breaches": "; ".join(_breach(b) for b in breaches) or "-",
            "invoice_status": status(invoice["status"]) if invoice else "-",
            "deductions_rp": invoice["deductions_rp"] if invoice else None,
            "total_rp": invoice["total_rp"] if invoice else None,
        }
        summary_rows.append(row)
        sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", "-", contract["number"])[:31])
        sheet.append([f"Kontrak {contract['number']} · {contract['kawasan']} · {month}"])
        sheet["A1"].font = Font(bold=True, size=13)
        for label, key in (
            ("Rasio tepat waktu / On-time ratio", "on_time_ratio"),
            ("Denda tidak diangkut / Misses billed", "misses_billed"),
            ("Tonase (kg)", "tonnage_kg"),
            ("Target (kg)", "target_kg"),
            ("Hari kurang / Shortfall days", "shortfall_days"),
            ("Timbangan ditahan / Held weighings", "held"),
            ("Peringatan / Warnings", "warnings"),
            ("Pelanggaran / Breaches", "breaches"),
            ("Tagihan / Invoice", "invoice_status"),
            ("Potongan (Rp)", "deductions_rp"),
            ("Total (Rp)", "total_rp"),
        ):
            sheet.append([label, row[key]])
        sheet.append([])
        start_row = sheet.max_row + 1
        sheet.append(["Pengangkutan per kecamatan / Pickups by kecamatan"])
        sheet.cell(start_row, 1).font = Font(bold=True)
        rows = [_stats_row(name, stats) for name, stats in sorted(by_kecamatan.items())]
        _table(sheet, KECAMATAN_COLUMNS, rows)
        if invoice:
            sheet.append([])
            sheet.append([f"Rincian tagihan / Invoice lines ({status(invoice['status'])})"])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
            _table(sheet, LINE_COLUMNS, invoice["lines"])
        sheet.column_dimensions["A"].width = 38
    write_sheet(
        summary,
        [
            ("number", "Kontrak"),
            ("status", "Status"),
            ("scheduled", "Jadwal"),
            ("on_time_ratio", "Rasio tepat waktu"),
            ("misses_billed", "Denda tidak diangkut"),
            ("tonnage_kg", "Tonase (kg)"),
            ("target_kg", "Target (kg)"),
            ("shortfall_days", "Hari kurang"),
            ("held", "Timbangan ditahan"),
            ("warnings", "Peringatan"),
            ("breaches", "Pelanggaran"),
            ("invoice_status", "Tagihan"),
            ("deductions_rp", "Potongan (Rp)"),
            ("total_rp", "Total (Rp)"),
        ],
        summary_rows,
    )
    return xlsx_response(book, f"laporan-kepatuhan-{month}")


def _breach(breach: dict) -> str:
    measure = breach["measure"]
    return (
        f"{kind(measure)} {measure_value(breach['value'], measure)} "
        f"(ambang {measure_value(breach['threshold'], measure)})"
    )


def _table(sheet, columns, rows) -> None:
    sheet.append([column[1] for column in columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(cells(columns, row))
