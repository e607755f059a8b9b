"""Invoices: drafts and issued ones, each deduction line down to its evidence, objections, issue/approve/pay, PDFs."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from services.portal.apiclient import ApiProblem
from services.portal.backoffice import evidence as evidence_labels
from services.portal.backoffice import figures, forms
from services.portal.backoffice.common import (
    api,
    export,
    export_format,
    invoice_kind,
    read_page,
    status,
    this_month,
    together,
    write_action,
)
from services.portal.backoffice.common import kind as common_kind
from shared import clock

blp = Blueprint("bo_invoices", __name__, url_prefix="/kantor")

INVOICE_COLUMNS = [
    ("number", "Kontrak"),
    ("month", "Bulan"),
    ("kind", "Jenis", invoice_kind),
    ("status", "Status", status),
    ("tonnage_kg", "Tonase (kg)"),
    ("tonnage_rp", "Tonase (Rp)"),
    ("deductions_rp", "Potongan (Rp)"),
    ("capped_rp", "Melebihi batas (Rp)"),
    ("dpp_rp", "DPP (Rp)"),
    ("ppn_rp", "PPN (Rp)"),
    ("total_rp", "Total (Rp)"),
    ("computed_at", "Dihitung"),
    ("issued_at", "Terbit"),
]
OBJECTION_COLUMNS = [
    ("number", "Kontrak"),
    ("month", "Bulan tagihan"),
    ("kind", "Jenis", common_kind),
    ("ref", "Bukti"),
    ("fact_date", "Tanggal"),
    ("reason", "Alasan"),
    ("status", "Status", status),
    ("decision_reason", "Alasan keputusan"),
    ("decided_at", "Diputuskan"),
]
HEX64 = re.compile(r"^[0-9a-f]{64}$")
UUID = re.compile(r"^[0-9a-f-]{36}$")


def _numbers(client) -> dict[str, str]:
    return {c["id"]: c["number"] for c in client.all_pages("contracts", "/contracts")}


@blp.get("/tagihan")
@read_page
def invoices():
    args = {k: request.args.get(k) or None for k in ("contract_id", "status", "month")}
    client = api()  # made here: together's threads have no request context
    # totals only (summary): the list shows no lines, and a draft's evidence is costly to gather
    got = together(
        items=lambda: client.all_pages("billing", "/invoices", summary="true", **args), numbers=lambda: _numbers(client)
    )
    items, numbers = got["items"], got["numbers"]
    for item in items:
        item["number"] = numbers.get(item["contract_id"], item["contract_id"])
    wanted = export_format()
    if wanted:
        return export("tagihan", INVOICE_COLUMNS, items, wanted)
    live = {id_: n for id_, n in numbers.items()}
    return render_template(
        "backoffice/invoices.html",
        items=items,
        numbers=live,
        args=args,
        month=this_month(),
        filters={k: v for k, v in args.items() if v},
    )


@blp.post("/tagihan")
@write_action
def draft():
    body = {"contract_id": request.form.get("contract_id", ""), "month": request.form.get("month", "")}
    try:
        created = api().post("billing", "/invoices", body)
    except ApiProblem as problem:
        if not forms.handled(problem):
            raise
        forms.flash_refusal(problem)
        return redirect(url_for(".invoices"), code=303)
    return redirect(url_for(".invoice", invoice_id=created["id"]), code=303)


@blp.get("/tagihan/<uuid:invoice_id>")
@read_page
def invoice(invoice_id):
    """The lines with their evidence by short names (each line's full names load when its list is opened: see
    evidence_list), the objections with their evidence named in full."""
    client = api()
    item = client.get("billing", f"/invoices/{invoice_id}")
    objected_lines = [
        {"kind": o["kind"], "evidence": [o["ref"]], "first_date": o["fact_date"], "last_date": o["fact_date"]}
        for o in item.get("objections", [])
    ]
    got = together(
        contract=lambda: client.get("contracts", f"/contracts/{item['contract_id']}"),
        found=lambda: evidence_labels.gather(client, item["contract_id"], objected_lines),
    )
    contract, found = got["contract"], got["found"]
    objected = {(o["kind"], o["ref"]): o for o in item.get("objections", [])}
    labels = {
        (o["kind"], o["ref"]): evidence_labels.label(o["kind"], o["ref"], found) for o in item.get("objections", [])
    }
    ready = figures.ready_to_issue(item, contract["sla"]["sync_allowance_hours"], clock.now())
    return render_template(
        "backoffice/invoice.html",
        inv=item,
        contract=contract,
        objected=objected,
        ready=ready,
        labels=labels,
        shown=evidence_labels.SHOWN,
        fallback=evidence_labels.fallback,
    )


@blp.get("/tagihan/<uuid:invoice_id>/bukti-baris/<int:position>")
@read_page
def evidence_list(invoice_id, position):
    """One line's evidence named in full (htmx loads it when the line's list is opened; also a page of its own)."""
    client = api()
    item = client.get("billing", f"/invoices/{invoice_id}")
    if not 1 <= position <= len(item["lines"]):  # the line's place on the invoice, as the page numbers them
        abort(404)
    line = item["lines"][position - 1]
    found = evidence_labels.gather(client, item["contract_id"], [line])
    labels = {
        (line["kind"], ref): evidence_labels.label(line["kind"], ref, found)
        for ref in line["evidence"][: evidence_labels.SHOWN]
    }
    objected = {(o["kind"], o["ref"]): o for o in item.get("objections", [])}
    return render_template(
        "backoffice/_evidence_list.html",
        inv=item,
        line=line,
        position=position,
        labels=labels,
        objected=objected,
        shown=evidence_labels.SHOWN,
        fallback=evidence_labels.fallback,
    )


@blp.post("/tagihan/<uuid:invoice_id>/<any(issue, approve, pay):action>")
@write_action
def change(invoice_id, action):
    try:
        api().post("billing", f"/invoices/{invoice_id}/{action}")
    except ApiProblem as problem:
        if not forms.handled(problem):
            raise
        forms.flash_refusal(problem)
    else:
        flash(
            {"issue": "Tagihan diterbitkan.", "approve": "Tagihan disetujui.", "pay": "Tagihan dicatat lunas."}[action],
            "ok",
        )
    return redirect(url_for(".invoice", invoice_id=invoice_id), code=303)


@blp.get("/tagihan/<uuid:invoice_id>/berita-acara.pdf")
@read_page
def berita_acara(invoice_id):
    answer = api().call("GET", "billing", f"/invoices/{invoice_id}/berita-acara")
    return Response(
        answer.body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="berita-acara-{invoice_id}.pdf"'},
    )


@blp.get("/tagihan/<uuid:invoice_id>/bukti/<kind>/<path:ref>")
@read_page
def evidence(invoice_id, kind, ref):
    """One evidence item of a line: a pickup with both times, its GPS against the geofence and its photo; a
    complaint with its deadline; a shortfall day with its tonnage."""
    client = api()
    item = client.get("billing", f"/invoices/{invoice_id}")
    base_kind = kind[len("adjustment_") :] if kind.startswith("adjustment_") else kind
    if not any(line["kind"] == kind and ref in line["evidence"] for line in item["lines"]):
        abort(404)  # only what the invoice itself cites
    contract = client.get("contracts", f"/contracts/{item['contract_id']}")
    context = {"inv": item, "contract": contract, "kind": kind, "ref": ref, "line_name": common_kind(kind)}
    found = {}
    if base_kind == "missed_pickup" and UUID.match(ref):
        got = together(
            pickup=lambda: client.get("routes", f"/pickups/{ref}"),
            points=lambda: client.all_pages("routes", "/points"),
            routes=lambda: client.all_pages("routes", "/routes", contract_id=item["contract_id"]),
        )
        pickup = got["pickup"]
        point = next((p for p in got["points"] if p["id"] == pickup["point_id"]), None)
        found = {
            "pickups": {ref: pickup},
            "points": {p["id"]: p for p in got["points"]},
            "routes": {r["id"]: r["code"] for r in got["routes"]},
        }
        context.update(pickup=pickup, point=point, confirmation=pickup.get("confirmation"))
    elif base_kind == "complaint_day":
        complaint_id = ref.split("/")[0]
        got = together(
            complaint=lambda: client.get("routes", f"/complaints/{complaint_id}"),
            points=lambda: client.all_pages("routes", "/points"),
        )
        found = {"complaints": {complaint_id: got["complaint"]}, "points": {p["id"]: p for p in got["points"]}}
        context.update(complaint=got["complaint"], day_no=ref.split("/")[-1])
    elif base_kind == "shortfall_day":
        days = client.all_pages(
            "routes", "/compliance/daily", contract_id=item["contract_id"], **{"from": ref, "to": ref}
        )
        found = {"daily": {d["date"]: d for d in days}}
        context.update(daily=days[0] if days else None)
    context["label"] = evidence_labels.label(kind, ref, found)
    return render_template("backoffice/evidence.html", **context)


@blp.get("/foto/<sha256>")
@read_page
def photo(sha256):
    if not HEX64.match(sha256):
        abort(404)
    answer = api().call("GET", "routes", f"/photos/{sha256}", params={"variant": "display"})
    content_type = "image/jpeg" if answer.body[:3] == b"\xff\xd8\xff" else "application/octet-stream"
    response = Response(answer.body, mimetype=content_type)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@blp.get("/keberatan")
@read_page
def objections():
    status = request.args.get("status") or None
    client = api()
    got = together(
        items=lambda: client.all_pages("billing", "/objections", status=status), numbers=lambda: _numbers(client)
    )
    items, numbers = got["items"], got["numbers"]
    for item in items:
        item["number"] = numbers.get(item["contract_id"], item["contract_id"])
    wanted = export_format()
    if wanted:
        return export("keberatan", OBJECTION_COLUMNS, items, wanted)
    return render_template("backoffice/objections.html", items=items, status=status)


@blp.post("/keberatan/<uuid:objection_id>")
@write_action
def decide(objection_id):
    accept = request.form.get("accept")
    reason = request.form.get("reason", "").strip()
    back = request.form.get("back") or url_for(".objections")
    if accept not in ("true", "false") or not reason:
        flash("Pilih terima atau tolak, dan tulis alasannya.", "error")
        return redirect(back if back.startswith("/") else url_for(".objections"), code=303)
    try:
        decided = api().post(
            "billing", f"/objections/{objection_id}/decision", {"accept": accept == "true", "reason": reason}
        )
    except ApiProblem as problem:
        if not forms.handled(problem):
            raise
        forms.flash_refusal(problem)
    else:
        flash(
            "Keberatan diterima: kreditnya masuk draf berikutnya."
            if decided["status"] == "accepted"
            else "Keberatan ditolak.",
            "ok",
        )
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for(".objections"), code=303)
