"""Force-majeure days (keadaan kahar): declared per contract and day, some or all of its kecamatan."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from services.portal.backoffice import forms
from services.portal.backoffice.common import agency_page, api, day, export, export_format, write_action

blp = Blueprint("bo_force_majeure", __name__, url_prefix="/kantor")

COLUMNS = [
    ("date", "Tanggal"),
    ("contract", "Kontrak"),
    ("kecamatan", "Kecamatan"),
    ("reason", "Alasan"),
    ("pickups_excused", "Pengangkutan dimaafkan"),
    ("declared_at", "Dinyatakan"),
    ("declared_by", "Oleh"),
]


@blp.get("/kahar")
@agency_page
def days():
    client = api()
    contracts = {c["id"]: c for c in client.all_pages("contracts", "/contracts")}
    items = client.all_pages("routes", "/force-majeure")
    for item in items:
        item["contract"] = contracts.get(item["contract_id"], {}).get("number", item["contract_id"])
    items.sort(key=lambda d: d["date"], reverse=True)
    wanted = export_format()
    if wanted:
        return export("keadaan-kahar", COLUMNS, items, wanted)
    live = [c for c in contracts.values() if c["status"] in ("active", "suspended")]
    return render_template("backoffice/force_majeure.html", items=items, contracts=live)


@blp.post("/kahar")
@write_action
def declare():
    form = request.form
    body = forms.compact(
        {
            "contract_id": form.get("contract_id"),
            "date": form.get("date"),
            "reason": form.get("reason", "").strip(),
            "kecamatan": [k.strip() for k in form.get("kecamatan", "").split(",") if k.strip()],
        }
    )
    declared = forms.attempt(lambda: api().post("routes", "/force-majeure", body))
    if declared is not None:
        flash(
            f"Keadaan kahar {day(declared['date'])} dicatat; {declared['pickups_excused']} pengangkutan dimaafkan.",
            "ok",
        )
    return redirect(url_for(".days"), code=303)
