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

from shared import clock
from services.portal.apiclient import Api
from services.portal.security import current_user, require_role

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


MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


def month_name(value: str | None) -> str:
    """'2026-10' as people write it: Oktober 2026."""
    if not value:
        return "–"
    year, month = value.split("-")[:2]
    return f"{MONTHS[int(month) - 1]} {year}"


KINDS = {  # evidence and deduction kinds, measures and units as people at the agency say them
    "tonnage": "Tonase (tonnage)", "missed_pickup": "Tidak diangkut (missed pickup)",
    "complaint_day": "Hari pengaduan lewat tenggat (complaint day)",
    "shortfall_day": "Hari kurang tonase (shortfall day)", "carried_deduction": "Potongan dibawa (carried)",
    "bond_claim": "Klaim jaminan (bond claim)", "on_time_ratio": "Rasio tepat waktu (on-time ratio)",
    "shortfall_days": "Hari kurang tonase (shortfall days)",
    "complaints_overdue": "Pengaduan lewat tenggat (complaints overdue)",
}
UNITS = {"kg": "kg", "pickup": "kali", "day": "hari", "carry": ""}


def kind(name: str) -> str:
    if name.startswith("adjustment_"):
        return f"Penyesuaian {KINDS.get(name[len('adjustment_'):], name)} (adjustment)"
    return KINDS.get(name, name)


def unit(name: str) -> str:
    return UNITS.get(name, name)


FILTERS = {"month_name": month_name, "rupiah": rupiah, "number": number, "percent": percent, "tons": tons, "wib": wib, "day": day,
           "kind": kind, "unit": unit}


# --- exports: every list as CSV and XLSX ---------------------------------------------------------------------

def export_format() -> str | None:
    wanted = request.args.get("format")
    if wanted not in (None, "csv", "xlsx"):
        abort(404)
    return wanted


def export(name: str, columns: list[tuple[str, str]], rows: list[dict], wanted: str) -> Response:
    """`columns` are (key, header) pairs; values exported raw (integers stay numbers in the workbook)."""
    if wanted == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([header for _, header in columns])
        for row in rows:
            writer.writerow([_cell(row.get(key)) for key, _ in columns])
        # a BOM so that Excel on a city's Windows PC opens the UTF-8 file with its accents intact
        return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    book = Workbook()
    sheet = book.active
    sheet.title = name[:31]
    write_sheet(sheet, columns, rows)
    return xlsx_response(book, name)


def write_sheet(sheet, columns: list[tuple[str, str]], rows: list[dict]) -> None:
    sheet.append([header for _, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(row.get(key)) for key, _ in columns])
    for index, (_, header) in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, min(48, len(header) + 4))
    sheet.freeze_panes = "A2"


def xlsx_response(book: Workbook, name: str) -> Response:
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def _cell(value):
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return value
