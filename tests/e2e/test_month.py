"""A month in small, end to end: every process as `make up` runs them, a small city seeded, three days simulated on
an accelerated clock, then the report's figures checked against the databases and the invoice against DOMAIN.md."""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from kawal.cli import main
from kawal.demo.clockplan import EVE, DemoClock
from kawal.demo.client import Kawal
from kawal.demo.report import gather
from shared import clock
from shared.contract_terms import overdue_day_starts
from tests.support.broker import wait_until
from tests.support.system import running_system

pytestmark = pytest.mark.slow

FIRST_DAY = date(2026, 10, 1)
DAYS = 3
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)
MONTH = "2026-10"
SPEED = 17_280.0  # a simulated day in 5 real seconds
# as in `make demo`: the clock stands on the eve of the first day until the city is seeded (however long start-up
# and seeding take on a busy machine), then runs from there (kawal/demo/clockplan.py)
EVE_START = clock.wib_instant(FIRST_DAY, datetime.min.time()) - EVE
BEAT = {"KAWAL_SWEEP_INTERVAL_SECONDS": "0.5", "KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS": "1",
        "KAWAL_EVALUATE_MONTHS_INTERVAL_SECONDS": "2",
        # no scheduling ahead: the pickups are exactly the seeded days', so the figures settle after the run (the
        # beat's first run, on the standing eve, schedules that day only: no contract has begun)
        "KAWAL_SCHEDULE_AHEAD_INTERVAL_SECONDS": "3600", "KAWAL_SCHEDULE_AHEAD_DAYS": "0"}
# generous slips, so three days of two vehicles show every kind of evidence (with --seed 7: two pickups never
# confirmed, three off site, one late, one synced hours later)
RATES = ["--on-time", "0.5", "--late", "0.1", "--off-site", "0.1", "--offline-sync", "0.1",
         "--overloaded", "0.15", "--double-weighing", "0.15", "--complaints-per-point-day", "0.1",
         "--resolution-late", "0.3"]


def half_up_div(numerator: int, denominator: int) -> int:
    return (numerator * 2 + denominator) // (denominator * 2)


@pytest.fixture(scope="module")
def demo_clock(tmp_path_factory):
    return DemoClock(EVE_START, SPEED, FIRST_DAY, DAYS, tmp_path_factory.mktemp("clock") / "epoch")


@pytest.fixture(scope="module")
def system(demo_clock):
    with running_system("month", extra_env={**BEAT, **demo_clock.env()}) as running:
        previous = running.apply_env()
        try:
            yield running
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@pytest.fixture(scope="module")
def simulated(system, demo_clock):
    runner = CliRunner()
    seed_args = ["seed", "--small", "--start", FIRST_DAY.isoformat(), "--schedule-to", LAST_DAY.isoformat()]
    first = runner.invoke(main, seed_args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    counts_after_first = table_counts(system)
    again = runner.invoke(main, seed_args, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert table_counts(system) == counts_after_first
    assert clock.now() == EVE_START  # the clock stood while the city was seeded
    demo_clock.run()
    run = runner.invoke(main, ["simulate", "--days", str(DAYS), "--start", FIRST_DAY.isoformat(), "--seed", "7",
                               "--speed", str(SPEED), "--no-warn", *RATES], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    return {"seed_output": first.output, "second_seed_output": again.output, "simulate_output": run.output}


def table_counts(system) -> dict[str, int]:
    counts = {}
    for service, tables in (("contracts", ("contractors", "contracts")),
                            ("routes", ("points", "vehicles", "routes", "route_stops", "pickups"))):
        with engine(system, service).connect() as conn:
            for table in tables:
                counts[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    return counts


_engines = {}


def engine(system, service):
    if service not in _engines:
        _engines[service] = create_engine(system.database_urls[service])
    return _engines[service]


def routes_facts(system, contract_id: str) -> dict[str, int]:
    """What the routes database holds for the simulated days: the ground truth the report and invoice must match."""
    with engine(system, "routes").connect() as conn:
        row = conn.execute(text("""
            SELECT count(*) AS scheduled,
                   count(*) FILTER (WHERE status = 'confirmed' AND on_time) AS on_time,
                   count(*) FILTER (WHERE status = 'confirmed' AND NOT on_time) AS late,
                   count(*) FILTER (WHERE status = 'missed') AS missed,
                   count(*) FILTER (WHERE status = 'confirmed' AND off_site AND verified_at IS NULL) AS off_site,
                   count(*) FILTER (WHERE status = 'excused') AS excused,
                   count(*) FILTER (WHERE status = 'scheduled') AS pending
            FROM pickups WHERE contract_id = :c AND date BETWEEN :a AND :b"""),
            {"c": contract_id, "a": FIRST_DAY, "b": LAST_DAY}).mappings().one()
        weighed = conn.execute(text("""
            SELECT coalesce(sum(net_kg) FILTER (WHERE cleared), 0) AS cleared_kg,
                   count(*) FILTER (WHERE NOT cleared) AS flagged, count(*) AS weighings
            FROM weighings WHERE contract_id = :c"""), {"c": contract_id}).mappings().one()
        complaints = conn.execute(text("SELECT due_at, resolved_at FROM complaints WHERE contract_id = :c"),
                                  {"c": contract_id}).all()
    return {**row, **weighed, "complaints": complaints}


def complaint_days_in(complaints, month: str, until: datetime) -> int:
    """DOMAIN.md: each started day past the deadline, counted in the WIB month it starts in, resolved or not."""
    last = clock.wib_day_bounds(clock.month_bounds(month)[1])[0] - timedelta(microseconds=1)
    return sum(1 for due_at, resolved_at in complaints
               for start in overdue_day_starts(due_at, resolved_at, min(until, last))
               if clock.month_of(clock.wib_date(start)) == month)


def test_the_simulation_sends_every_kind_of_evidence_and_counts_refusals(simulated):
    output = simulated["simulate_output"]
    for expected in ("on_time", "late", "off_site", "offline_sync", "weigh", "complain", "accepted",
                     "Simulation rates / Tingkat perilaku"):
        assert expected in output
    assert "refusals" in output


def test_a_second_seed_creates_nothing(simulated):
    assert "created / dibuat" in simulated["second_seed_output"]
    assert "pickups scheduled / jadwal baru │ 0" in simulated["second_seed_output"]


def test_the_report_figures_match_the_routes_database(system, simulated):
    report = gather(Kawal(urls=system.urls), [MONTH], draft_invoices=False)
    (row,) = report.rows
    facts = routes_facts(system, row.contract["id"])
    stats = row.pickups
    assert (stats.scheduled, stats.on_time, stats.late, stats.missed, stats.off_site_unverified, stats.excused,
            stats.pending) == (facts["scheduled"], facts["on_time"], facts["late"], facts["missed"],
                               facts["off_site"], facts["excused"], facts["pending"])
    assert facts["pending"] == 0 and facts["scheduled"] > 0
    assert facts["missed"] >= 1 and facts["off_site"] >= 1 and facts["late"] >= 1
    assert row.tonnage.cleared_kg == facts["cleared_kg"] > 0
    assert row.tonnage.weighings == facts["weighings"]
    assert row.tonnage.held == facts["flagged"]


def test_the_invoice_follows_the_domain_arithmetic_on_the_evidence(system, simulated):
    kawal = Kawal(urls=system.urls)
    contract = kawal.list_all("contracts", "/contracts", role="auditor")[0]
    facts = routes_facts(system, contract["id"])
    misses = facts["missed"] + facts["off_site"]

    def settled():  # billing learns the evidence from events: recompute the draft until it has all of it
        answer = kawal.post("billing", "/invoices", {"contract_id": contract["id"], "month": MONTH})
        assert answer.ok, answer.body
        lines = {line["kind"]: line for line in answer.body["lines"]}
        tonnage_ok = lines.get("tonnage", {}).get("quantity") == facts["cleared_kg"]
        missed_ok = lines.get("missed_pickup", {}).get("quantity", 0) == misses
        return answer.body if tonnage_ok and missed_ok else None

    invoice = wait_until(settled, timeout=60, interval=0.5, message="the draft to carry every piece of evidence")
    lines = {line["kind"]: line for line in invoice["lines"]}
    price = contract["unit_price_rp_per_ton"]
    assert lines["tonnage"]["amount_rp"] == half_up_div(facts["cleared_kg"] * price, 1000) == invoice["tonnage_rp"]
    penalties = contract["penalties"]
    expected_deductions = misses * penalties["missed_pickup_rp"]
    assert misses >= 2
    assert abs(lines["missed_pickup"]["amount_rp"]) == misses * penalties["missed_pickup_rp"]
    assert len(lines["missed_pickup"]["evidence"]) == misses
    complaint_days = lines.get("complaint_day", {}).get("quantity", 0)
    assert complaint_days == complaint_days_in(facts["complaints"], MONTH,
                                               clock.parse_instant(invoice["computed_at"]))
    expected_deductions += complaint_days * penalties["complaint_day_rp"]
    assert "shortfall_day" not in lines  # three days cannot exceed the three shortfall days allowed
    assert invoice["deductions_gross_rp"] == expected_deductions
    assert invoice["capped_rp"] == 0
    assert invoice["deductions_rp"] == min(expected_deductions, invoice["tonnage_rp"])
    assert invoice["carried_out_rp"] == expected_deductions - invoice["deductions_rp"]
    assert invoice["dpp_rp"] == invoice["tonnage_rp"] - invoice["deductions_rp"] >= 0
    assert invoice["ppn_rp"] == half_up_div(invoice["dpp_rp"] * 11, 100)
    assert invoice["total_rp"] == invoice["dpp_rp"] + invoice["ppn_rp"]
    with engine(system, "billing").connect() as conn:
        stored = conn.execute(text("SELECT dpp_rp, ppn_rp, total_rp FROM invoices "
                                   "WHERE contract_id = :c AND month = :m"), {"c": contract["id"], "m": MONTH}).one()
    assert tuple(stored) == (invoice["dpp_rp"], invoice["ppn_rp"], invoice["total_rp"])


def test_the_report_command_prints_the_month_with_indonesian_labels(system, simulated):
    result = CliRunner().invoke(main, ["report", "--month", MONTH], catch_exceptions=False,
                                env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    for label in ("Tepat waktu / On time", "Tonase / Tonnage", "Denda", "DPP", "PPN / VAT", "Rumbai", "Buku besar",
                  "DLHK-2026/10/KAWASAN3"):
        assert label in result.output


def test_the_processes_serve_metrics_on_their_own_ports(system, simulated):
    for process in ("routes_worker", "routes_events", "billing_events", "contracts_events"):
        assert requests.get(system.metrics_url(process), timeout=5).status_code == 200
    assert "kawal_routes_http_requests_total" in requests.get(system.metrics_url("routes"), timeout=5).text
