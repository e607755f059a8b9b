"""A small month of evidence through the APIs, so that every gauge of the dashboards has a series to show."""
from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta, timezone

import requests
from sqlalchemy import create_engine, text

from kawal.demo.client import Kawal
from tests.support.broker import wait_until
from tests.support.system import VENV_BIN, System

# The shared clock of the run: 20 March 2026, 14:30 WIB, inside the seeded routes' windows; contracts from
# 1 February, so February has ended (an invoice with deductions) and March is under way (this month's gauges).
CLOCK_START = datetime(2026, 3, 20, 7, 30, tzinfo=timezone.utc)
TODAY = "2026-03-20"
CONTRACTS_START = "2026-02-01"
SCHEDULE_TO = "2026-03-20"
ENDED_MONTH = "2026-02"
# Periodic work every few seconds instead of minutes, so the sweep and the evaluations run during the test.
FAST_BEAT = {"KAWAL_SWEEP_INTERVAL_SECONDS": "2", "KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS": "3",
             "KAWAL_EVALUATE_MONTHS_INTERVAL_SECONDS": "5", "KAWAL_SCHEDULE_AHEAD_INTERVAL_SECONDS": "30",
             "KAWAL_RETRY_DELAYS_SECONDS": "0.5,1"}


def seed(system: System) -> None:
    result = subprocess.run([os.path.join(VENV_BIN, "kawal"), "seed", "--small", "--start", CONTRACTS_START,
                             "--schedule-to", SCHEDULE_TO], env={**os.environ, **system.env},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def evidence(system: System) -> dict:
    """Warnings, weighings (one cleared, one flagged), an overdue complaint, an issued invoice with deductions."""
    kawal = Kawal(system.urls)
    now = CLOCK_START + timedelta(minutes=1)
    contract = kawal.list_all("contracts", "/contracts")[0]
    # a letter names at least one breach (second edition): February's, once routes judged it (24 h after its end)
    # and contracts learnt it from the event
    breaches: list = []
    wait_until(lambda: breaches.extend(kawal.list_all("routes", "/compliance/breaches", contract_id=contract["id"],
                                                      month=ENDED_MONTH)) or breaches,
               timeout=120, interval=1.0, message="February's breaches judged")
    letter = {"level": "SP1", "reason": "Pelanggaran SLA / SLA breaches (deploy scrape test)",
              "breach_ids": [b["id"] for b in breaches]}
    wait_until(lambda: kawal.post("contracts", f"/contracts/{contract['id']}/warnings", letter).ok, timeout=60,
               interval=1.0, message="the warning letter on February's breaches")
    vehicle = next(v for v in kawal.list_all("routes", "/vehicles") if v["contractor_id"] == contract["contractor_id"])
    kawal.must_post("routes", "/weighings", {"ticket_no": "DEPLOY-1", "plate": vehicle["plate"],
                                             "gross_kg": vehicle["tare_kg"] + 3_000, "weighed_at": now.isoformat()})
    kawal.must_post("routes", "/weighings", {"ticket_no": "DEPLOY-2", "plate": "BM 9999 ZZ", "gross_kg": 12_000,
                                             "tare_kg": 4_000, "weighed_at": now.isoformat()})
    point = next(p for p in kawal.list_all("routes", "/points") if p["kecamatan"] in contract["kecamatan"])
    complaint = kawal.must_post("routes", "/complaints", {"point_id": point["id"], "description": "Sampah menumpuk",
                                                          "channel": "whatsapp"})
    # the desk cannot date a report more than the sync allowance back (second edition): the fixture moves this one
    # five days back in the routes database, as if it had been recorded then, so the sweep finds it overdue
    engine = create_engine(system.database_urls["routes"])
    with engine.begin() as connection:
        connection.execute(text("UPDATE complaints SET reported_at = reported_at - interval '5 days', "
                                "due_at = due_at - interval '5 days' WHERE id = CAST(:id AS uuid)"),
                           {"id": complaint["id"]})
        # nor is a pickup scheduled whose window has ended (second edition): one of today's is moved to a window
        # that closed this morning, as if scheduled the day before, so the sweep finds this month's miss
        connection.execute(text("""
            UPDATE pickups SET window_start_at = window_start_at - interval '6 hours',
                               window_end_at = window_end_at - interval '6 hours'
             WHERE id = (SELECT id FROM pickups WHERE contract_id = CAST(:contract AS uuid) AND status = 'scheduled'
                            AND date = CAST(:today AS date)  -- the worker may have scheduled the week ahead already
                          ORDER BY window_start_at DESC, id LIMIT 1)"""), {"contract": contract["id"], "today": TODAY})
    engine.dispose()
    # two of today's pickups whose window is open, confirmed a few minutes ago: at the point, and 5 km off it
    today = [p for p in kawal.list_all("routes", "/pickups", contract_id=contract["id"], date=TODAY)
             if datetime.fromisoformat(p["window_start_at"]) < now - timedelta(minutes=10)
             < datetime.fromisoformat(p["window_end_at"])][:2]
    assert len(today) == 2, "the seeded routes have no window open at the clock's start"
    points = {p["id"]: p for p in kawal.list_all("routes", "/points")}
    for pickup, offset in zip(today, (0.0, 0.05)):
        point = points[pickup["point_id"]]
        kawal.must_post("routes", f"/pickups/{pickup['id']}/confirmation",
                        {"collected_at": (now - timedelta(minutes=5)).isoformat(),
                         "lat": point["lat"] + offset, "lon": point["lon"]},
                        role="contractor", contractor_id=contract["contractor_id"],
                        idempotency_key=f"deploy-{pickup['id']}")
    # billing learns of February's misses from the sweep's events: recompute the draft until they are in it
    invoice: dict = {}

    def draft_has_deductions() -> bool:
        invoice.update(kawal.must_post("billing", "/invoices", {"contract_id": contract["id"], "month": ENDED_MONTH}))
        return any(line["category"] == "deduction" and line["amount_rp"] for line in invoice["lines"])

    wait_until(draft_has_deductions, timeout=120, interval=1.0, message="February's deductions reach billing")
    # issuing prices the month once more (misses still arriving since the last draft count): keep what was issued
    issued = kawal.must_post("billing", f"/invoices/{invoice['id']}/issue")
    return {"contract": contract, "invoice": issued}


def scrape_text(url: str) -> str:
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    return response.text


def promtool_check_metrics(promtool: str, text: str) -> subprocess.CompletedProcess:
    """promtool's lint of an exposition: names, units, help strings."""
    return subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
