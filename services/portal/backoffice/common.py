"""What every back-office page shares: who may read and write, the API client of the request, formats, exports."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable

from flask import Response, abort, g, request
from openpyxl import Workbook
from openpyxl.styles import Font

from services.portal.apiclient import Api
from services.portal.security import current_user, require_role
from shared import clock

READERS = ("dinas", "auditor", "contractor")  # the APIs scope a contractor to its own; the auditor only reads
AGENCY = ("dinas", "auditor")  # pages of the agency's desks (a contractor has the crew app)
WRITERS = ("dinas",)

read_page = require_role(*READERS)
agency_page = require_role(*AGENCY)
write_action = require_role(*WRITERS)  # every POST of the back office: the auditor's forged POST is a 403 here


def api() -> Api:
    if "api" not in g:
        g.api = Api(current_user())
    return g.api


_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="portal-api")  # a page's independent API calls


def together(**calls: Callable[[], Any]) -> dict[str, Any]:
    """Run a page's independent API calls at once: the page then costs its slowest call, not their sum.

    The calls run in other threads, without the request's context: build the client (api()) before, close over it."""
    futures = {name: _pool.submit(call) for name, call in calls.items()}
    return {name: future.result() for name, future in futures.items()}


def can_write() -> bool:
    user = current_user()
    return bool(user and user.role in WRITERS)


def this_month() -> str:
    return clock.wib_date(clock.now()).strftime("%Y-%m")


def today() -> date:
    return clock.wib_date(clock.now())


# --- formats (Indonesian: Rp2.752.800, 95,3 %) ---------------------------------------------------------------


def rupiah(value) -> str:
    if value is None:
        return "–"
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{abs(int(value)):,}".replace(",", ".")


def number(value) -> str:
    return "–" if value is None else f"{int(value):,}".replace(",", ".")


def percent(value, places: int = 1) -> str:
    if value is None:
        return "–"
    quantum = Decimal(1).scaleb(-places)
    shown = (Decimal(str(value)) * 100).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{shown} %".replace(".", ",")


def tons(kg) -> str:
    if kg is None:
        return "–"
    shown = (Decimal(int(kg)) / 1000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{shown:,} t".replace(",", "_").replace(".", ",").replace("_", ".")


def wib(value) -> str:
    """An API instant (ISO string) as WIB wall time, the way people at the agency read it."""
    if not value:
        return "–"
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant.astimezone(clock.WIB).strftime("%d-%m-%Y %H:%M")


def day(value) -> str:
    if not value:
        return "–"
    parsed = date.fromisoformat(value) if isinstance(value, str) else value
    return parsed.strftime("%d-%m-%Y")


MONTHS = clock.MONTHS


def month_name(value: str | None) -> str:
    """'2026-10' as people write it: Oktober 2026."""
    if not value:
        return "–"
    year, month = value.split("-")[:2]
    return f"{MONTHS[int(month) - 1]} {year}"


KINDS = {  # evidence and deduction kinds, measures and units as people at the agency say them
    "tonnage": "Tonase (tonnage)",
    "missed_pickup": "Tidak diangkut (missed pickup)",
    "complaint_day": "Hari pengaduan lewat tenggat (complaint day)",
    "shortfall_day": "Hari kurang tonase (shortfall day)",
    "carried_deduction": "Potongan dibawa (carried)",
    "bond_claim": "Klaim jaminan (bond claim)",
    "on_time_ratio": "Rasio tepat waktu (on-time ratio)",
    "shortfall_days": "Hari kurang tonase (shortfall days)",
    "complaints_overdue": "Pengaduan lewat tenggat (complaints overdue)",
}
UNITS = {"kg": "kg", "pickup": "kali", "day": "hari", "carry": ""}


STATUSES = {  # every status the back office shows, Indonesian first (contracts, invoices, objections, complaints,
    # pickups); the English term beside where the agency's documents use it
    "draft": "draf",
    "active": "aktif",
    "suspended": "ditangguhkan",
    "terminated": "diputus",
    "expired": "berakhir",
    "issued": "terbit",
    "approved": "disetujui",
    "paid": "lunas",
    "open": "terbuka",
    "accepted": "diterima",
    "rejected": "ditolak",
    "overdue": "lewat tenggat",
    "resolved": "selesai",
    "scheduled": "terjadwal",
    "confirmed": "diangkut",
    "missed": "tidak diangkut",
    "excused": "dimaafkan",
}
POINT_KINDS = {
    "tps": "TPS (collection point)",
    "tps_liar": "TPS liar (illegal dump)",
    "depo": "Depo (depot)",
    "jalan_protokol": "Jalan protokol (main road)",
    "pasar": "Pasar (market)",
}
CHANNELS = {
    "phone": "Telepon (phone)",
    "whatsapp": "WhatsApp",
    "lapor": "LAPOR!",
    "walk_in": "Datang langsung (walk-in)",
    "social_media": "Media sosial (social media)",
}
INVOICE_KINDS = {"termin": "Termin (monthly)", "final": "Termin akhir (final)", "closing": "Penutup (closing)"}


def status(name: str | None) -> str:
    return STATUSES.get(name or "", name or "–")


def invoice_kind(name: str | None) -> str:
    return INVOICE_KINDS.get(name or "", name or "–")


def point_kind(name: str | None) -> str:
    return POINT_KINDS.get(name or "", name or "–")


def channel(name: str | None) -> str:
    return CHANNELS.get(name or "", name or "–")


def kind(name: str) -> str:
    if name.startswith("adjustment_"):
        return f"Penyesuaian {KINDS.get(name[len('adjustment_') :], name)} (adjustment)"
    return KINDS.get(name, name)


def measure_value(value, measure: str) -> str:
    """A breach's value or threshold: a ratio as a percentage, a count as a whole number."""
    if value is None:
        return "–"
    return percent(value) if measure.endswith("ratio") else number(value)


def unit(name: str) -> str:
    return UNITS.get(name, name)


FILTERS = {
    "month_name": month_name,
    "rupiah": rupiah,
    "number": number,
    "percent": percent,
    "tons": tons,
    "wib": wib,
    "day": day,
    "kind": kind,
    "unit": unit,
    "status": status,
    "invoice_kind": invoice_kind,
    "point_kind": point_kind,
    "channel": channel,
    "measure_value": measure_value,
}


# --- exports: every list as CSV and XLSX ---------------------------------------------------------------------


def export_format() -> str | None:
    wanted = request.args.get("format")
    if wanted not in (None, "csv", "xlsx"):
        abort(404)
    return wanted


Column = tuple  # (key, header) or (key, header, format): format turns a raw code into its label (kind, status)


def export(name: str, columns: list[Column], rows: list[dict], wanted: str) -> Response:
    """`columns` are (key, header[, format]); values exported raw (integers stay numbers in the workbook) unless the
    column has a format: codes such as kinds and statuses leave as the labels the pages show."""
    if wanted == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([column[1] for column in columns])
        for row in rows:
            writer.writerow(cells(columns, row))
        # a BOM so that Excel on a city's Windows PC opens the UTF-8 file with its accents intact
        return Response(
            "\ufeff" + out.getvalue(),
            mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    book = Workbook()
    sheet = book.active
    sheet.title = name[:31]
    write_sheet(sheet, columns, rows)
    return xlsx_response(book, name)


def cells(columns: list[Column], row: dict) -> list:
    return [
        _cell(column[2](row[column[0]]) if len(column) > 2 and row.get(column[0]) is not None else row.get(column[0]))
        for column in columns
    ]


def write_sheet(sheet, columns: list[Column], rows: list[dict]) -> None:
    sheet.append([column[1] for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(cells(columns, row))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, min(48, len(column[1]) + 4))
    sheet.freeze_panes = "A2"


def xlsx_response(book: Workbook, name: str) -> Response:
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


def _cell(value):
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return value
