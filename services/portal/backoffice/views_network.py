"""Routes and points: points on a map, routes with their stops in order, scheduling."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for

from services.portal.backoffice import forms
from services.portal.backoffice.common import agency_page, api, export, export_format, point_kind, write_action
from shared.city import KECAMATAN, POINT_KINDS

blp = Blueprint("bo_network", __name__, url_prefix="/kantor")

POINT_COLUMNS = [
    ("code", "Kode"),
    ("name", "Nama"),
    ("kind", "Jenis", point_kind),
    ("kecamatan", "Kecamatan"),
    ("kelurahan", "Kelurahan"),
    ("lat", "Lintang"),
    ("lon", "Bujur"),
]
ROUTE_COLUMNS = [
    ("code", "Kode"),
    ("contract", "Kontrak"),
    ("plate", "Kendaraan"),
    ("window", "Jendela"),
    ("weekdays", "Hari"),
    ("stop_codes", "Titik berurutan"),
]
WEEKDAYS = {1: "Sen", 2: "Sel", 3: "Rab", 4: "Kam", 5: "Jum", 6: "Sab", 7: "Min"}


@blp.get("/titik")
@agency_page
def points():
    items = api().all_pages("routes", "/points", kecamatan=request.args.get("kecamatan") or None)
    wanted = export_format()
    if wanted:
        return export("titik", POINT_COLUMNS, items, wanted)
    markers = json.dumps([{k: p[k] for k in ("code", "name", "lat", "lon")} for p in items])
    return render_template(
        "backoffice/points.html", items=items, markers=markers, kinds=POINT_KINDS, kecamatan=KECAMATAN
    )


@blp.post("/titik")
@write_action
def create_point():
    form = request.form
    try:
        body = {k: form.get(k, "").strip() for k in ("code", "name", "kind", "kecamatan", "kelurahan")}
        body.update(lat=float(form.get("lat", "")), lon=float(form.get("lon", "")))
    except ValueError:
        flash("Lintang dan bujur harus angka desimal (mis. 0.5071 dan 101.4478).", "error")
        return redirect(url_for(".points"), code=303)
    created = forms.attempt(lambda: api().post("routes", "/points", body))
    if created is not None:
        flash(f"Titik {created['code']} ditambahkan.", "ok")
    return redirect(url_for(".points"), code=303)


@blp.get("/rute")
@agency_page
def routes():
    client = api()
    points = {p["id"]: p for p in client.all_pages("routes", "/points")}
    vehicles = {v["id"]: v for v in client.all_pages("routes", "/vehicles")}
    contracts = {c["id"]: c for c in client.all_pages("contracts", "/contracts")}
    items = client.all_pages("routes", "/routes")
    for item in items:
        item["contract"] = contracts.get(item["contract_id"], {}).get("number", item["contract_id"])
        item["plate"] = vehicles.get(item["vehicle_id"], {}).get("plate", "–")
        item["window"] = f"{item['window_start']}–{item['window_end']}"
        item["stop_list"] = [points.get(s, {"code": s, "name": ""}) for s in item["stops"]]
        item["stop_codes"] = " → ".join(p["code"] for p in item["stop_list"])
        item["days"] = " ".join(WEEKDAYS[d] for d in item["weekdays"])
    wanted = export_format()
    if wanted:
        return export("rute", ROUTE_COLUMNS, items, wanted)
    live = [c for c in contracts.values() if c["status"] in ("active", "suspended")]
    return render_template(
        "backoffice/routes.html",
        items=items,
        contracts=live,
        vehicles=vehicles.values(),
        points=points.values(),
        weekdays=WEEKDAYS,
    )


@blp.post("/rute")
@write_action
def create_route():
    form = request.form
    body = {
        "code": form.get("code", "").strip(),
        "contract_id": form.get("contract_id"),
        "vehicle_id": form.get("vehicle_id"),
        "stops": [s for s in form.getlist("stops") if s],
        "weekdays": [int(d) for d in form.getlist("weekdays") if d.isdigit()],
        "window_start": form.get("window_start"),
        "window_end": form.get("window_end"),
    }
    created = forms.attempt(lambda: api().post("routes", "/routes", body))
    if created is not None:
        flash(f"Rute {created['code']} dibuat dengan {len(created['stops'])} titik.", "ok")
    return redirect(url_for(".routes"), code=303)


@blp.post("/rute/<uuid:route_id>/jadwal")
@write_action
def schedule(route_id):
    body = {"from": request.form.get("from"), "to": request.form.get("to")}
    done = forms.attempt(lambda: api().post("routes", f"/routes/{route_id}/schedule", body))
    if done is not None:
        flash(f"{done['scheduled']} pengangkutan dijadwalkan.", "ok")
    return redirect(url_for(".routes"), code=303)
