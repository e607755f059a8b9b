"""Warning letters: a contract's breaches with their evidence, issuing SP1-SP3 naming them, the letter as a PDF."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from services.portal.apiclient import ApiProblem
from services.portal.backoffice import forms, letter_pdf
from services.portal.backoffice.common import api, read_page, write_action
from services.portal.backoffice.figures import LEVELS

blp = Blueprint("bo_warnings", __name__, url_prefix="/kantor")


@blp.get("/kontrak/<uuid:contract_id>/pelanggaran")
@read_page
def breaches(contract_id):
    client = api()
    contract = client.get("contracts", f"/contracts/{contract_id}")
    items = client.all_pages("contracts", f"/contracts/{contract_id}/breaches")
    month = request.args.get("bulan") or None
    months = sorted({b["month"] for b in items}, reverse=True)
    shown = [b for b in items if month in (None, b["month"])]
    issued = [w["level"] for w in contract["warnings"]]
    next_level = next((level for level in LEVELS if level not in issued), None)
    return render_template(
        "backoffice/breaches.html", c=contract, items=shown, months=months, month=month, next_level=next_level
    )


@blp.post("/kontrak/<uuid:contract_id>/sp")
@write_action
def issue(contract_id):
    body = {
        "level": request.form.get("level"),
        "reason": request.form.get("reason", "").strip(),
        "breach_ids": request.form.getlist("breach_ids"),
    }
    try:
        letter = api().post("contracts", f"/contracts/{contract_id}/warnings", body)
    except ApiProblem as problem:
        if not forms.handled(problem):
            raise
        forms.flash_refusal(problem)
        return redirect(url_for(".breaches", contract_id=contract_id), code=303)
    flash(f"{letter['level']} diterbitkan dengan {len(letter['breach_ids'])} pelanggaran.", "ok")
    return redirect(url_for("bo_contracts.contract", contract_id=contract_id) + "#sp", code=303)


@blp.get("/kontrak/<uuid:contract_id>/sp/<uuid:warning_id>.pdf")
@read_page
def letter_pdf_view(contract_id, warning_id):
    client = api()
    contract = client.get("contracts", f"/contracts/{contract_id}")
    letter = next((w for w in contract["warnings"] if w["id"] == str(warning_id)), None)
    if letter is None:
        abort(404)
    contractor = client.get("contracts", f"/contractors/{contract['contractor_id']}")
    named = set(letter["breach_ids"])
    breaches = [b for b in client.all_pages("contracts", f"/contracts/{contract_id}/breaches") if b["id"] in named]
    pdf = letter_pdf.render(contract, contractor, letter, breaches)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{letter["level"]}-{contract["number"]}.pdf"'.replace("/", "-")
        },
    )
