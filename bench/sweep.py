"""Benchmark: the compliance sweep over 1,000,000 scheduled pickups (30% overdue) beside one plain SQL UPDATE of the
same rows (no events), reset between runs, interleaved in three rounds (bench/harness.py); peak memory of the sweeping
process at 250,000 and 1,000,000 pickups. Goal: median ratio <= 2 and flat memory. Own database kawal_bench_sweep. Last line: `ratio: <number>`."""
from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import time
from datetime import date, time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from harness import Comparison, database_name  # noqa: E402
from shared import clock, db  # noqa: E402
from tests.support.databases import migrate, recreate, url_for  # noqa: E402

DATABASE = database_name("kawal_bench_sweep")
URL = url_for(DATABASE)
DSN = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"
STOPS, DAYS, OVERDUE_DAYS = 10, 100, 30  # pickups = routes x STOPS x DAYS; the first 30 days are overdue
FIRST_DAY = date(2026, 1, 1)
# midnight WIB after the 30th day: every window of days 0-29 (04:00-07:00 WIB, grace 60 min) has passed
NOW = clock.wib_instant(date(2026, 1, 31), dtime(0, 0))

PLAIN_UPDATE = text("""
UPDATE pickups p SET status = 'missed', missed_at = :now, updated_at = :now
  FROM contracts c
 WHERE c.id = p.contract_id AND c.status = 'active' AND p.status = 'scheduled'
   AND p.window_end_at <= :now AND p.window_end_at + make_interval(mins => c.grace_minutes) <= :now
   AND NOT EXISTS (SELECT 1 FROM confirmations f WHERE f.pickup_id = p.id)
""")

SEED_NETWORK = """
INSERT INTO contractors (id, name) VALUES ('00000000-0000-0000-0000-0000000000c1', 'PT Bench Bersih');
INSERT INTO contracts (id, number, contractor_id, kawasan, kecamatan, start_date, end_date, value_rp,
                       unit_price_rp_per_ton, daily_target_kg, status, grace_minutes, geofence_m, sync_allowance_hours,
                       min_on_time_ratio, complaint_hours_priority, complaint_hours_normal, shortfall_ratio,
                       shortfall_days_allowed, amendment_no, updated_at)
SELECT ('00000000-0000-0000-0000-00000000000' || k)::uuid, 'KTR-' || k || '/2026',
       '00000000-0000-0000-0000-0000000000c1', 'Kawasan ' || k, ARRAY['Rumbai'], '2026-01-01', '2026-06-30',
       4730000000, 235000, 260000, 'active', 60, 150, 24, 0.95, 24, 72, 0.5, 3, 0, now()
  FROM generate_series(1, 3) k;
INSERT INTO points (id, code, name, kind, lat, lon, kecamatan, kelurahan, created_at)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'TPS-1', 'TPS', 'tps', 0.6, 101.4, 'Rumbai', 'Meranti Pandak', now());
INSERT INTO vehicles (id, plate, contractor_id, type, capacity_m3, tare_kg, created_at)
VALUES ('00000000-0000-0000-0000-0000000000b1', 'BM 1 TU', '00000000-0000-0000-0000-0000000000c1', 'fuso', 14,
        8000, now());
"""

SEED_ROUTES = """
INSERT INTO routes (id, code, contract_id, contractor_id, vehicle_id, weekdays, window_start, window_end, created_at)
SELECT gen_random_uuid(), 'R-' || g, ('00000000-0000-0000-0000-00000000000' || (1 + g %% 3))::uuid,
       '00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000b1', ARRAY[1,2,3,4,5,6,7],
       '04:00', '07:00', now()
  FROM generate_series(CAST(%(first)s AS int), CAST(%(last)s AS int)) g
---
INSERT INTO pickups (route_id, stop_seq, point_id, contract_id, contractor_id, date, window_start_at, window_end_at)
SELECT r.id, s, '00000000-0000-0000-0000-0000000000a1', r.contract_id, r.contractor_id, d,
       (d + r.window_start) AT TIME ZONE 'Asia/Jakarta', (d + r.window_end) AT TIME ZONE 'Asia/Jakarta'
  FROM routes r
 CROSS JOIN generate_series(1, CAST(%(stops)s AS int)) s
 CROSS JOIN LATERAL (SELECT CAST(%(first_day)s AS date) + o AS d FROM generate_series(0, CAST(%(days)s AS int) - 1) o) days
 WHERE CAST(substr(r.code, 3) AS int) BETWEEN %(first)s AND %(last)s;
"""


def sql(statements: str, params: dict | None = None, vacuum: bool = True) -> None:
    with psycopg.connect(DSN, autocommit=True) as conn:
        for statement in statements.split("---"):  # psycopg binds parameters one statement at a time
            conn.execute(statement, params) if params else conn.execute(statement)
        if vacuum:
            conn.execute("VACUUM ANALYZE pickups")
            conn.execute("VACUUM ANALYZE outbox")
            # every run starts with no dirty pages of the last one still to write: without it a checkpoint set off by
            # one run's WAL lands in the next run's time, on either side (ratios of 0.85 and 3.97 in one bench)
            conn.execute("CHECKPOINT")


def add_routes(first: int, last: int) -> None:
    sql(SEED_ROUTES, {"first": first, "last": last, "stops": STOPS, "days": DAYS, "first_day": FIRST_DAY})


def reset() -> None:
    """Every pickup scheduled again and the outbox empty, so each run does the same work."""
    sql("UPDATE pickups SET status = 'scheduled', missed_at = NULL, updated_at = NULL WHERE status = 'missed';"
        "TRUNCATE outbox")


def _child(kind: str, results) -> None:
    # a fresh process per run: its peak RSS is the sweep's own, not the seeding's or an earlier run's
    from services.routes.compliance.sweep import sweep

    started = time.perf_counter()
    with db.unit_of_work(URL) as session:
        if kind == "sweep":
            missed = sweep(session, NOW).missed
        else:
            missed = session.execute(PLAIN_UPDATE, {"now": NOW}).rowcount
    elapsed = time.perf_counter() - started
    results.put((elapsed, missed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def timed(kind: str) -> tuple[float, int, int]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_child, args=(kind, results))
    process.start()
    outcome = results.get()
    process.join()
    return outcome


def main() -> None:
    recreate(DATABASE)
    migrate("routes", URL)
    sql(SEED_NETWORK, vacuum=False)
    add_routes(1, 250)
    small_seconds, small_missed, small_rss = timed("sweep")
    print(f"250,000 pickups: sweep {small_seconds:.2f} s, {small_missed:,} missed, peak RSS {small_rss / 1024:.1f} MiB")
    reset()
    add_routes(251, 1000)
    comparison = Comparison("sweep", unit="s", baseline_name="one plain UPDATE", better="lower", goal=2.0)
    rss = []

    def run_sweep() -> float:
        seconds, missed, peak = timed("sweep")
        outbox_rows = _count("SELECT count(*) FROM outbox WHERE type = 'routes.pickup.missed'")
        assert missed == outbox_rows == 300_000, (missed, outbox_rows)
        rss.append(peak)
        reset()
        return seconds

    def run_plain() -> float:
        seconds, missed, _ = timed("plain")
        assert missed == 300_000, missed
        reset()
        return seconds

    print("1,000,000 pickups, 300,000 overdue: sweep (UPDATE + 300,000 outbox envelopes in SQL) vs plain UPDATE")
    for baseline_first in comparison.rounds():
        plain = run_plain() if baseline_first else None
        swept = run_sweep()
        comparison.add(swept, plain if plain is not None else run_plain())
    print(f"  peak RSS of the sweeping process: {max(rss) / 1024:.1f} MiB at 1,000,000 vs {small_rss / 1024:.1f} MiB"
          f" at 250,000 (flat: {max(rss) / small_rss:.2f}x)")
    comparison.report()


def _count(query: str) -> int:
    with psycopg.connect(DSN) as conn:
        return conn.execute(query).fetchone()[0]


if __name__ == "__main__":
    main()
