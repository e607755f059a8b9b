"""Benchmark: the draft invoice of a contract month with 100,000 pickups and 6,000 weighings, beside one aggregate
SQL query over the same rows (the least any invoice could cost), interleaved in three rounds (bench/harness.py).
Goal: median ratio <= 2. Own database kawal_bench_invoice."""
from __future__ import annotations

import statistics
import sys
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from services.billing import invoices, readmodel  # noqa: E402
from harness import Comparison, database_name, interleave  # noqa: E402
from shared import auth, clock, db, events  # noqa: E402
from tests.support.databases import migrate, recreate, url_for  # noqa: E402

DATABASE = database_name("kawal_bench_invoice")
MONTH, FIRST, NEXT = "2025-03", date(2025, 3, 1), date(2025, 4, 1)
PICKUPS, WEIGHINGS, PER_ROUND = 100_000, 6_000, 5

# psycopg's parameters: the baseline is sent as it is, unprepared, so PostgreSQL plans it with its values every time,
# as the draft plans its own statements (SET LOCAL plan_cache_mode = force_custom_plan). Through SQLAlchemy, psycopg
# would prepare it on its fifth run and the generic plan walks all 100,000 pickups (29.6 against 8.9 ms).
BASELINE = """
SELECT (SELECT coalesce(sum(net_kg), 0) FROM weighings WHERE contract_id = CAST(%(c)s AS uuid) AND cleared
          AND weighed_at >= %(from_at)s AND weighed_at < %(to_at)s) AS kg,
       (SELECT count(*) FROM pickups WHERE contract_id = CAST(%(c)s AS uuid) AND date >= %(from_day)s AND date < %(to_day)s
          AND NOT excused AND ((missed AND NOT confirmed) OR (confirmed AND off_site AND NOT verified))) AS missed,
       (SELECT coalesce(sum(greatest(0, ceil(extract(epoch FROM resolved_at - due_at) / 86400))), 0)
          FROM complaints WHERE contract_id = CAST(%(c)s AS uuid)
          AND resolved_at >= %(from_at)s AND resolved_at < %(to_at)s) AS complaint_days,
       (SELECT count(*) FROM daily_evaluations WHERE contract_id = CAST(%(c)s AS uuid) AND shortfall
          AND date >= %(from_day)s AND date < %(to_day)s) AS shortfall_days"""


def fill(url: str, contract_id: str) -> None:
    """The month's read model in set-based SQL: every pickup a deterministic mix of outcomes."""
    with db.unit_of_work(url) as session:
        # through the event, as the consumer delivers it (the handler reads the envelope's data and occurrence)
        readmodel.contract_activated(session, events.parse(events.make("contracts.contract.activated", {
            "contract_id": contract_id, "number": "BENCH/2025/001", "contractor_id": str(uuid.uuid4()),
            "kawasan": "Kawasan 3", "kecamatan": ["Rumbai"], "activated_on": date(2025, 1, 1), "start_date": date(2025, 1, 1), "end_date": date(2025, 12, 31), "value_rp": 16_840_000_000,
            "unit_price_rp_per_ton": 235_000, "daily_target_kg": 260_000, "ppn_rate": 0.11,
            "sla": {"grace_minutes": 60, "geofence_m": 150, "sync_allowance_hours": 24, "min_on_time_ratio": 0.95,
                    "complaint_hours_priority": 24, "complaint_hours_normal": 72, "shortfall_ratio": 0.5,
                    "shortfall_days_allowed": 3},
            "penalties": {"missed_pickup_rp": 93_555, "complaint_day_rp": 93_555, "shortfall_day_rp": 93_555,
                          "cap_ratio": 0.05, "cap_rp": 842_000_000}}, producer="contracts").to_json()))
        params = {"c": contract_id, "pickups": PICKUPS, "weighings": WEIGHINGS}
        session.execute(text("""
            INSERT INTO pickups (pickup_id, contract_id, date, missed, confirmed, off_site, verified, excused)
            SELECT gen_random_uuid(), CAST(:c AS uuid), DATE '2025-03-01' + (n % 31),
                   n % 100 < 4, n % 100 >= 3, n % 100 BETWEEN 10 AND 11, n % 100 = 11, n % 200 = 199
            FROM generate_series(1, :pickups) n"""), params)
        session.execute(text("""
            INSERT INTO weighings (weighing_id, contract_id, net_kg, weighed_at, flags, cleared)
            SELECT gen_random_uuid(), CAST(:c AS uuid), 4000 + (n * 37) % 4000,
                   TIMESTAMPTZ '2025-02-28 17:00:00+00' + (n * interval '446 seconds'), '{}', n % 50 <> 0
            FROM generate_series(1, :weighings) n"""), params)
        session.execute(text("""
            INSERT INTO daily_evaluations (contract_id, date, revision, shortfall, net_kg, target_kg)
            SELECT CAST(:c AS uuid), DATE '2025-03-01' + d, 1, d % 5 = 0, 250000, 260000
            FROM generate_series(0, 30) d"""), params)
        session.execute(text("""
            INSERT INTO complaints (complaint_id, contract_id, due_at, resolved_at)
            SELECT gen_random_uuid(), CAST(:c AS uuid), TIMESTAMPTZ '2025-03-02 00:00+00' + n * interval '1 day',
                   TIMESTAMPTZ '2025-03-02 00:00+00' + n * interval '1 day' + (n % 3) * interval '20 hours'
            FROM generate_series(0, 19) n"""), params)
    with db.engine(url).connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    recreate(DATABASE)
    url = url_for(DATABASE)
    migrate("billing", url)
    contract_id = str(uuid.uuid4())
    fill(url, contract_id)
    clock.set_for_tests(datetime(2025, 4, 2, tzinfo=timezone.utc))
    principal = auth.Principal(sub="bench", role="dinas")
    from_at, to_at = clock.wib_day_bounds(FIRST)[0], clock.wib_day_bounds(NEXT)[0]
    params = {"c": contract_id, "from_at": from_at, "to_at": to_at, "from_day": FIRST, "to_day": NEXT}
    result = {}

    def draft():
        with db.unit_of_work(url) as session:
            invoice = invoices.draft(session, principal, contract_id, MONTH)
            result.update(id=invoice.id, total=invoice.total_rp, dpp=invoice.dpp_rp, deductions=invoice.deductions_rp)

    def baseline():
        with db.unit_of_work(url) as session:
            raw = session.connection().connection.driver_connection
            result["baseline"] = raw.execute(BASELINE, params, prepare=False).fetchone()

    draft(), baseline()  # warm caches and the plan cache, as a running service would be

    def median_ms(fn) -> float:
        return statistics.median(timed(fn) for _ in range(PER_ROUND)) * 1000

    verdict = interleave(Comparison("invoice", unit="ms", baseline_name="one aggregate query", better="lower", goal=2.0),
                         lambda: median_ms(draft), lambda: median_ms(baseline))

    def issue():
        with db.unit_of_work(url) as session:
            invoices.transition(session, principal, result["id"], "issue")

    issue_seconds = timed(issue)
    with db.unit_of_work(url) as session:
        evidence_rows = session.execute(text("SELECT count(*) FROM invoice_evidence")).scalar_one()
    kg, missed, complaint_days, shortfall_days = result["baseline"]
    print(f"facts: {PICKUPS:,} pickups ({missed:,} billed as missed), {WEIGHINGS:,} weighings ({kg:,} kg cleared), "
          f"{complaint_days} complaint days, {shortfall_days} shortfall days")
    print(f"invoice: deductions Rp{result['deductions']:,}, DPP Rp{result['dpp']:,}, total Rp{result['total']:,}")
    print(f"draft (recompute, lines, audit; median of rounds, each a median of {PER_ROUND}): "
          f"{verdict['median_measured']:.1f} ms; baseline {verdict['median_baseline']:.1f} ms")
    print(f"issue (recompute + freeze {evidence_rows:,} evidence rows + events): {issue_seconds * 1000:.1f} ms")
    print(f"ratio: {verdict['median_ratio']:.3f}")


if __name__ == "__main__":
    main()
