"""The agency's desks: the weighbridge (jembatan timbang) for a queue of trucks, and complaints (pengaduan)."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for

from services.portal.apiclient import ApiProblem
from services.portal.backoffice import figures, forms
from services.portal.backoffice.common import (
    agency_page,
    api,
    channel,
    export,
    export_format,
    status,
    today,
    together,
    wib,
    write_action,
)
from shared import clock

blp = Blueprint("bo_desks", __name__, url_prefix="/kantor")

FLAGS = {
    "overload": "melebihi kapasitas (overload)",
    "tare_mismatch": "tara tidak cocok (tare mismatch)",
    "double_weighing": "timbang ganda (double weighing)",
    "unassigned": "tanpa rute hari itu (unassigned)",
}
WEIGHING_COLUMNS = [
    ("ticket_no", "Tiket"),
    ("plate", "Nomor polisi"),
    ("contract", "Kontrak"),
    ("gross_kg", "Bruto (kg)"),
    ("tare_kg", "Tara (kg)"),
    ("net_kg", "Neto (kg)"),
    ("weighed_at", "Ditimbang"),
    ("flags", "Tanda", lambda flags: [FLAGS.get(f, f) for f in flags]),
    ("cleared", "Dibersihkan"),
    ("clear_reason", "Alasan"),
]
COMPLAINT_COLUMNS = [
    ("reported_at", "Dilaporkan"),
    ("point", "Titik"),
    ("description", "Uraian"),
    ("channel", "Saluran", channel),
    ("contract", "Kontrak"),
    ("priority", "Prioritas"),
    ("due_at", "Tenggat"),
    ("status", "Status", status),
    ("overdue_days", "Hari lewat"),
    ("resolved_at", "Selesai"),
    ("resolution_note", "Catatan penyelesaian"),
]


def _numbers() -> dict[str, str]:
    return {c["id"]: c["number"] for c in api().all_pages("contracts", "/contracts")}


def _desk(form=None, errors=None, status=200):
    client = api()
    day = request.args.get("tanggal") or today().isoformat()
    got = together(
        contracts=lambda: client.all_pages("contracts", "/contracts"),
        tickets=lambda: client.all_pages("routes", "/weighings", **{"from": day, "to": day}),
        flagged=lambda: client.all_pages("routes", "/weighings", flagged="true"),
        vehicles=lambda: client.all_pages("routes", "/vehicles"),
    )
    numbers = {c["id"]: c["number"] for c in got["contracts"]}
    tickets, flagged = got["tickets"], figures.open_flags(got["flagged"])
    for item in tickets + flagged:
        item["contract"] = numbers.get(item.get("contract_id"), "–")
    plates = sorted(v["plate"] for v in got["vehicles"])
    return render_template(
        "backoffice/weighbridge.html",
        tickets=list(reversed(tickets)),
        flagged=flagged,
        plates=plates,
        day=day,
        form=form or {},
        errors=errors or {},
        flags=FLAGS,
        key=str(uuid.uuid4()),
    ), status


@blp.get("/timbang")
@agency_page
def weighbridge():
    wanted = export_format()
    if wanted:
        numbers = _numbers()
        day = request.args.get("tanggal") or today().isoformat()
        items = api().all_pages("routes", "/weighings", **{"from": day, "to": day})
        for item in items:
            item["contract"] = numbers.get(item.get("contract_id"), "–")
        return export(f"timbang-{day}", WEIGHING_COLUMNS, items, wanted)
    return _desk()


@blp.get("/timbang/kendaraan")
@agency_page
def plate_lookup():
    """htmx: who a plate is (contractor, tare) while the operator types the gross weight."""
    plate = " ".join(request.args.get("plate", "").upper().split())
    vehicles = api().all_pages("routes", "/vehicles") if plate else []
    # the exact plate, or the only one that starts with what was typed so far
    matches = [v for v in vehicles if v["plate"] == plate] or [v for v in vehicles if v["plate"].startswith(plate)]
    vehicle = matches[0] if len(matches) == 1 else None
    contractor = None
    if vehicle:
        contractor = next(
            (c["name"] for c in api().all_pages("contracts", "/contractors") if c["id"] == vehicle["contractor_id"]),
            None,
        )
    return render_template(
        "backoffice/_plate.html", plate=plate, vehicle=vehicle, contractor=contractor, candidates=len(matches)
    )


@blp.post("/timbang")
@write_action
def record_weighing():
    form = request.form
    body = {
        "ticket_no": form.get("ticket_no", "").strip(),
        "plate": " ".join(form.get("plate", "").upper().split()),
        "gross_kg": forms.integer(form, "gross_kg"),
        "weighed_at": clock.iso(clock.now()),
    }
    try:
        created = api().post("routes", "/weighings", body, idempotency_key=form.get("key") or None)
    except ApiProblem as problem:
        if not forms.handled(problem):
            raise
        message, errors = forms.refusal(problem)
        flash(message, "error")
        return _desk(form, errors, 422)
    note = f" · ditandai: {', '.join(FLAGS.get(f, f) for f in created['flags'])}" if created["flags"] else ""
    flash(
        f"Tiket {created['ticket_no']} · {created['plate']} · neto {created['net_kg']:,} kg{note}".replace(",", "."),
        "warn" if created["flags"] else "ok",
    )
    return redirect(url_for(".weighbridge"), code=303)


@blp.post("/timbang/<uuid:weighing_id>/bersihkan")
@write_action
def clear_weighing(weighing_id):
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash("Tulis alasan membersihkan tanda.", "error")
        return redirect(url_for(".weighbridge") + "#ditandai", code=303)
    cleared = forms.attempt(lambda: api().post("routes", f"/weighings/{weighing_id}/clear", {"reason": reason}))
    if cleared is not None:
        flash(f"Tiket {cleared['ticket_no']} dibersihkan: dihitung untuk tagihan.", "ok")
    return redirect(url_for(".weighbridge") + "#ditandai", code=303)


@blp.get("/pengaduan")
@agency_page
def complaints():
    client = api()
    status = request.args.get("status") or None
    got = together(
        items=lambda: client.all_pages("routes", "/complaints", status=status),
        contracts=lambda: client.all_pages("contracts", "/contracts"),
        points=lambda: client.all_pages("routes", "/points"),
    )
    items, points = got["items"], {p["id"]: p for p in got["points"]}
    numbers = {c["id"]: c["number"] for c in got["contracts"]}
    for item in items:
        item["contract"] = numbers.get(item.get("contract_id"), "–")
        point = points.get(item["point_id"])
        item["point"] = f"{point['code']} {point['name']}" if point else item["point_id"]
    items.sort(key=lambda c: (c["status"] == "resolved", c["due_at"]))
    wanted = export_format()
    if wanted:
        return export("pengaduan", COMPLAINT_COLUMNS, items, wanted)
    return render_template(
        "backoffice/complaints.html",
        items=items,
        status=status,
        points=points.values(),
        form={},
        errors={},
        key=str(uuid.uuid4()),
    )


@blp.post("/pengaduan")
@write_action
def open_complaint():
    form = request.form
    body = forms.compact(
        {
            "point_id": form.get("point_id"),
            "description": form.get("description", "").strip(),
            "channel": form.get("channel"),
        }
    )
    try:
        created = api().post("routes", "/complaints", body, idempotency_key=form.get("key") or None)
    except ApiProblem as problem:
        if not forms.handled(problem):
            raise
        forms.flash_refusal(problem)
        return redirect(url_for(".complaints"), code=303)
    flash(f"Pengaduan dicatat; tenggat {wib(created['due_at'])} WIB.", "ok")
    return redirect(url_for(".complaints"), code=303)
