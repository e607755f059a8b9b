"""An invoice line's evidence as people name it: which pickup, which complaint, which day, which ticket.

The refs are ids (pickup, weighing, complaint/n-th day overdue) or dates; `label` turns one into a sentence from
what the routes API answered (plain values, unit-tested); `gather` makes the few list calls a page of refs needs."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any, Callable

from services.portal.apiclient import ApiProblem
from services.portal.backoffice.common import channel, together, tons
from shared import clock

SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
SHOWN = 200  # refs listed per line on the invoice page (the rest in the export)
LIST_PAGE = 1000  # the APIs' largest page: a month's misses or tickets of a contract in one or two reads
FETCHED_ALONE = 25  # refs the lists did not answer (an adjustment's older pickup) fetched one by one, at most


def base(kind: str) -> str:
    return kind[len("adjustment_") :] if kind.startswith("adjustment_") else kind


def short_day(value: date | str) -> str:
    """14 Okt 2026."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {SHORT_MONTHS[day.month - 1]} {day.year}"


def _wib(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(clock.WIB) if value else None


def _hm(value: str | None) -> str:
    instant = _wib(value)
    return instant.strftime("%H.%M") if instant else "–"


def _place(point: dict | None, point_id: str | None) -> str:
    if point is None:
        return f"titik {str(point_id)[:8]}" if point_id else "titik tak dikenal"
    return f"titik {point['code']} · {point['name']}"


def pickup_label(pickup: dict, route_code: str | None, point: dict | None) -> str:
    """Penjemputan 14 Okt 2026 05.00–07.00, Rute R3-001 (ke-2), titik TPS-RMB-001 · TPS Yos Sudarso 1."""
    route = f"Rute {route_code}" if route_code else "rute tak dikenal"
    return (
        f"Penjemputan {short_day(pickup['date'])} {_hm(pickup['window_start_at'])}–{_hm(pickup['window_end_at'])}"
        f", {route} (ke-{pickup['stop_seq']}), {_place(point, pickup.get('point_id'))}"
    )


def complaint_label(complaint: dict, day_no: str, point: dict | None) -> str:
    """Pengaduan no. 1A2B3C4D (3 Mar 2026, whatsapp), titik ...: hari ke-2 lewat tenggat."""
    reported = _wib(complaint["reported_at"])
    when = short_day(reported.date()) if reported else "–"
    return (
        f"Pengaduan no. {complaint_number(complaint['id'])} ({when}, {channel(complaint['channel'])}), "
        f"{_place(point, complaint.get('point_id'))}: hari ke-{day_no} lewat tenggat"
    )


def complaint_number(complaint_id: str) -> str:
    """The complaint's short number, as the complaint desk shows it: the id's first eight characters."""
    return str(complaint_id)[:8].upper()


def shortfall_label(day: str, daily: dict | None) -> str:
    """Hari kurang tonase 14 Okt 2026: 12,3 t dari target 20,0 t."""
    text = f"Hari kurang tonase {short_day(day)}"
    return f"{text}: {tons(daily['net_kg'])} dari target {tons(daily['target_kg'])}" if daily else text


def weighing_label(weighing: dict) -> str:
    """Tiket timbang JT-0301, BM 8123 RU, 2 Mar 2026 08.00, neto 8.000 kg."""
    weighed = _wib(weighing["weighed_at"])
    when = f"{short_day(weighed.date())} {weighed.strftime('%H.%M')}" if weighed else "–"
    net = f"{int(weighing['net_kg']):,}".replace(",", ".")
    return f"Tiket timbang {weighing['ticket_no']}, {weighing['plate']}, {when}, neto {net} kg"


def fallback(kind: str, ref: str) -> str:
    """A ref the routes API did not answer for (removed, or beyond what the page fetched): still readable."""
    names = {"missed_pickup": "Penjemputan", "complaint_day": "Pengaduan", "tonnage": "Tiket timbang"}
    kind = base(kind)
    if kind == "shortfall_day":
        return shortfall_label(ref, None)
    if kind == "complaint_day" and "/" in ref:
        complaint_id, day_no = ref.split("/", 1)
        return f"Pengaduan no. {complaint_number(complaint_id)}: hari ke-{day_no} lewat tenggat"
    return f"{names.get(kind, kind)} {ref[:8].upper()}"


BREACH_KINDS = {
    "on_time_ratio": "missed_pickup",
    "shortfall_days": "shortfall_day",
    "complaints_overdue": "complaint_day",
}  # a breach's measure -> the kind of its evidence refs


def short(ref: str, kind: str) -> str:
    """A ref's short name without asking any API (a list of many: Penjemputan 5B65E483); a breach's measure or an
    invoice line's kind."""
    return fallback(BREACH_KINDS.get(kind, kind), str(ref))


def label(kind: str, ref: str, found: dict[str, Any]) -> str:
    """One ref of a line of `kind` as a sentence, from `found` (what gather fetched)."""
    points, routes = found.get("points", {}), found.get("routes", {})
    kind = base(kind)
    if kind == "missed_pickup" and ref in found.get("pickups", {}):
        pickup = found["pickups"][ref]
        return pickup_label(pickup, routes.get(pickup.get("route_id")), points.get(pickup.get("point_id")))
    if kind == "complaint_day" and ref.split("/")[0] in found.get("complaints", {}):
        complaint = found["complaints"][ref.split("/")[0]]
        return complaint_label(complaint, ref.split("/")[-1], points.get(complaint.get("point_id")))
    if kind == "shortfall_day" and ref in found.get("daily", {}):
        return shortfall_label(ref, found["daily"][ref])
    if kind == "tonnage" and ref in found.get("weighings", {}):
        return weighing_label(found["weighings"][ref])
    return fallback(kind, ref)


def gather(client, contract_id: str, lines: list[dict]) -> dict[str, Any]:
    """The routes API's answers behind the refs of `lines` (an invoice's lines, or its objections as lines of one
    ref: kind, evidence, first_date, last_date): a handful of calls at once. A few pickups (up to FETCHED_ALONE) are
    read one by one; more, from the contract's missed pickups over the lines' dates, then any the list did not have
    (an adjustment's, from an earlier month) one by one, up to FETCHED_ALONE."""
    lines = [line for line in lines if line.get("evidence") and line.get("first_date")]
    kinds = {base(line["kind"]) for line in lines}
    if not kinds:
        return {}
    span = {"from": min(str(line["first_date"]) for line in lines), "to": max(str(line["last_date"]) for line in lines)}
    mine = {"contract_id": contract_id}
    pickup_refs = [ref for line in lines if base(line["kind"]) == "missed_pickup" for ref in line["evidence"][:SHOWN]]
    few = len(pickup_refs) <= FETCHED_ALONE
    calls: dict[str, Callable[[], Any]] = {
        "points": lambda: client.all_pages("routes", "/points"),
        "routes": lambda: client.all_pages("routes", "/routes", **mine),
    }
    if pickup_refs and not few:
        calls["pickups"] = lambda: client.all_pages(
            "routes", "/pickups", status="missed", per_page=LIST_PAGE, **mine, **span
        )
    for ref in pickup_refs if few else []:
        calls[f"pickup:{ref}"] = partial(_pickup_or_none, client, ref)
    if "complaint_day" in kinds:
        calls["complaints"] = lambda: client.all_pages("routes", "/complaints", **mine)
    if "shortfall_day" in kinds:
        calls["daily"] = lambda: client.all_pages("routes", "/compliance/daily", **mine, **span)
    if "tonnage" in kinds:
        calls["weighings"] = lambda: client.all_pages("routes", "/weighings", per_page=LIST_PAGE, **mine, **span)
    got = together(**calls)
    found: dict[str, Any] = {
        "points": {p["id"]: p for p in got["points"]},
        "routes": {r["id"]: r["code"] for r in got["routes"]},
        "pickups": {p["id"]: p for p in got.get("pickups", [])},
        "complaints": {c["id"]: c for c in got.get("complaints", [])},
        "daily": {d["date"]: d for d in got.get("daily", [])},
        "weighings": {w["id"]: w for w in got.get("weighings", [])},
    }
    found["pickups"].update(
        {name[len("pickup:") :]: pickup for name, pickup in got.items() if name.startswith("pickup:") and pickup}
    )
    missing = [] if few else [ref for ref in pickup_refs if ref not in found["pickups"]][:FETCHED_ALONE]
    if missing:
        alone = together(**{ref: (lambda ref=ref: _pickup_or_none(client, ref)) for ref in missing})
        found["pickups"].update({ref: pickup for ref, pickup in alone.items() if pickup})
    return found


def _pickup_or_none(client, pickup_id: str) -> dict | None:
    try:
        return client.get("routes", f"/pickups/{pickup_id}")
    except ApiProblem as problem:
        if problem.status == 404:
            return None
        raise
