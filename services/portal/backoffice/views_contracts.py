"""Contractors and contracts: register, create, activate, suspend, resume, terminate, amend, and the ledger."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from services.portal.apiclient import ApiProblem
from services.portal.backoffice import forms
from services.portal.backoffice.common import api, export, export_format, read_page, status, together, write_action
from shared.city import KAWASAN, KECAMATAN

blp = Blueprint("bo_contracts", __name__, url_prefix="/kantor")

CONTRACTOR_COLUMNS = [
    ("name", "Nama"),
    ("npwp", "NPWP"),
    ("address", "Alamat"),
    ("phone", "Telepon"),
    ("email", "Email"),
    ("registered_at", "Terdaftar"),
]
CONTRACT_COLUMNS = [
    ("number", "Nomor"),
    ("contractor", "Penyedia"),
    ("kawasan", "Kawasan"),
    ("kecamatan", "Kecamatan"),
    ("start_date", "Mulai"),
    ("end_date", "Selesai"),
    ("value_rp", "Nilai (Rp)"),
    ("status", "Status", status),
]
ACTIONS = {  # path -> (label, needs a reason)
    "activate": ("Aktifkan (activate)", False),
    "suspend": ("Hentikan sementara (suspend)", True),
    "resume": ("Lanjutkan (resume)", False),
    "terminate": ("Putus kontrak (terminate)", True),
}
ALLOWED = {"draft": ("activate",), "active": ("suspend", "terminate"), "suspended": ("resume", "terminate")}


def _contractor_names() -> dict[str, str]:
    return {c["id"]: c["name"] for c in api().all_pages("contracts", "/contractors")}


@blp.get("/penyedia")
@read_page
def contractors():
    items = api().all_pages("contracts", "/contractors")
    wanted = export_format()
    if wanted:
        return export("penyedia", CONTRACTOR_COLUMNS, items, wanted)
    return render_template("backoffice/contractors.html", items=items, form={}, errors={})


@blp.post("/penyedia")
@write_action
def register_contractor():
    form = request.form
    body = forms.compact({k: form.get(k, "").strip() for k in ("name", "npwp", "address", "phone", "email")})
    try:
        created = api().post("contracts", "/contractors", body)
    except ApiProblem as problem:
        if not forms.handled(problem):
            raise
        message, errors = forms.refusal(problem)
        flash(message, "error")
        items = api().all_pages("contracts", "/contractors")
        return render_template("backoffice/contractors.html", items=items, form=form, errors=errors), 422
    flash(f"Penyedia {created['name']} terdaftar.", "ok")
    return redirect(url_for(".contractors"), code=303)


@blp.get("/kontrak")
@read_page
def contracts():
    status = request.args.get("status") or None
    client = api()  # made here: together's threads have no request context
    got = together(
        items=lambda: client.all_pages("contracts", "/contracts", status=status),
        names=lambda: {c["id"]: c["name"] for c in client.all_pages("contracts", "/contractors")},
    )
    items, names = got["items"], got["names"]
    for item in items:
        item["contractor"] = names.get(item["contractor_id"], item["contractor_id"])
    wanted = export_format()
    if wanted:
        return export("kontrak", CONTRACT_COLUMNS, items, wanted)
    return render_template(
        "backoffice/contracts.html",
        items=items,
        contractors=names,
        form={},
        errors={},
        kecamatan=KECAMATAN,
        kawasan=KAWASAN,
        status=status,
    )


def _contract_body(form) -> dict:
    return forms.compact(
        {
            "number": form.get("number", "").strip(),
            "contractor_id": form.get("contractor_id"),
            "kawasan": form.get("kawasan", "").strip(),
            "kecamatan": form.getlist("kecamatan"),
            "start_date": form.get("start_date"),
            "end_date": form.get("end_date"),
            "value_rp": forms.integer(form, "value_rp"),
            "unit_price_rp_per_ton": forms.integer(form, "unit_price_rp_per_ton"),
            "daily_target_kg": forms.integer(form, "daily_target_kg"),
        }
    )


@blp.post("/kontrak")
@write_action
def create_contract():
    try:
        created = api().post("contracts", "/contracts", _contract_body(request.form))
    except ApiProblem as problem:
        if not forms.handled(problem):
            raise
        message, errors = forms.refusal(problem)
        flash(message, "error")
        names = _contractor_names()
        items = api().all_pages("contracts", "/contracts")
        for item in items:
            item["contractor"] = names.get(item["contractor_id"], item["contractor_id"])
        return render_template(
            "backoffice/contracts.html",
            items=items,
            contractors=names,
            form=request.form,
            errors=errors,
            kecamatan=KECAMATAN,
            kawasan=KAWASAN,
            status=None,
        ), 422
    flash(f"Kontrak {created['number']} dibuat sebagai draf.", "ok")
    return redirect(url_for(".contract", contract_id=created["id"]), code=303)


@blp.get("/kontrak/<uuid:contract_id>")
@read_page
def contract(contract_id):
    client = api()
    item = client.get("contracts", f"/contracts/{contract_id}")
    contractor = client.get("contracts", f"/contractors/{item['contractor_id']}")
    ledger = None
    if item["status"] != "draft":
        try:
            ledger = client.get("billing", f"/contracts/{contract_id}/ledger")
        except ApiProblem as problem:
            if problem.status != 404:  # billing learns of an activation from its event, a moment later
                raise
    actions = [(path, *ACTIONS[path]) for path in ALLOWED.get(item["status"], ())]
    return render_template(
        "backoffice/contract.html", c=item, contractor=contractor, ledger=ledger, actions=actions, errors={}
    )


@blp.post("/kontrak/<uuid:contract_id>/<any(activate, suspend, resume, terminate):action>")
@write_action
def change(contract_id, action):
    reason = request.form.get("reason", "").strip() or None
    try:
        api().post("contracts", f"/contracts/{contract_id}/{action}", forms.compact({"reason": reason}))
    except ApiProblem as problem:
        if not forms.handled(problem):
            raise
        forms.flash_refusal(problem)
    else:
        flash(
            {
                "activate": "Kontrak diaktifkan.",
                "suspend": "Kontrak dihentikan sementara.",
                "resume": "Kontrak dilanjutkan.",
                "terminate": "Kontrak diputus.",
            }[action],
            "ok",
        )
    return redirect(url_for(".contract", contract_id=contract_id), code=303)


@blp.post("/kontrak/<uuid:contract_id>/adendum")
@write_action
def amend(contract_id):
    form = request.form
    body = forms.compact(
        {
            "value_rp": forms.integer(form, "value_rp"),
            "end_date": form.get("end_date"),
            "unit_price_rp_per_ton": forms.integer(form, "unit_price_rp_per_ton"),
            "daily_target_kg": forms.integer(form, "daily_target_kg"),
            "effective_from": form.get("effective_from"),
            "reason": form.get("reason", "").strip(),
        }
    )
    if len(body) <= 2 and set(body) <= {"effective_from", "reason"}:
        flash("Isi sedikitnya satu ketentuan yang diubah (nilai, tanggal selesai, harga satuan, target).", "error")
        return redirect(url_for(".contract", contract_id=contract_id) + "#adendum", code=303)
    created = forms.attempt(lambda: api().post("contracts", f"/contracts/{contract_id}/amendments", body))
    if created is not None:
        flash(f"Adendum {created['amendment_no']} berlaku mulai {created['effective_from']}.", "ok")
    return redirect(url_for(".contract", contract_id=contract_id) + "#adendum", code=303)
