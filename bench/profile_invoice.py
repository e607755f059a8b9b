"""Profile the invoice draft of bench/invoice.py in one process: the statements a draft sends; N drafts' wall time,
statements, waits for the server and this process's CPU beside the bench's one aggregate query's; cProfile of N
drafts (wall time, or CPU time with --cpu); with --explain, EXPLAIN ANALYZE of each read of one draft beside the
aggregate query.

    .venv/bin/python bench/profile_invoice.py [N] [OUT.pstats] [--cpu] [--explain]

Own database kawal_bench_profile_invoice (suffixed by KAWAL_BENCH_DB_SUFFIX), filled as bench/invoice.py fills its."""
from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import invoice as bench  # noqa: E402
import psycopg  # noqa: E402
from harness import counting, database_name, runs  # noqa: E402

from services.billing import invoices  # noqa: E402
from shared import auth, clock, db  # noqa: E402
from tests.support.databases import migrate, recreate, url_for  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 30
    out = args[1] if len(args) > 1 else "/tmp/invoice.pstats"
    name = database_name("kawal_bench_profile_invoice")
    url = url_for(name)
    recreate(name)
    migrate("billing", url)
    contract_id = str(uuid.uuid4())
    bench.fill(url, contract_id)
    clock.set_for_tests(datetime(2025, 4, 2, tzinfo=timezone.utc))
    principal = auth.Principal(sub="bench", role="dinas")

    def draft() -> None:
        with db.unit_of_work(url) as session:
            invoices.draft(session, principal, contract_id, bench.MONTH)

    for _ in range(5):  # warm: the pool, psycopg's prepared statements, the plan cache
        draft()

    # the statements of one draft, as psycopg sends them (most go in pipelines, so no time of their own)
    engine = db.engine(url)
    sent: list[tuple[str, object]] = []
    original_execute = psycopg.Cursor.execute

    def recording_execute(self, query, params=None, *args, **kwargs):
        sent.append((str(query), params))
        return original_execute(self, query, params, *args, **kwargs)

    psycopg.Cursor.execute = recording_execute  # type: ignore[method-assign]
    draft()
    psycopg.Cursor.execute = original_execute  # type: ignore[method-assign]
    print(f"one draft: {len(sent)} statements")
    for statement, _ in sent:
        print(f"  {' '.join(statement.split())[:120]}")

    with counting() as talk:
        walls, cpus = runs(draft, count)
    print(f"per draft (not profiled): median {statistics.median(walls) * 1000:.2f} ms, min {min(walls) * 1000:.2f} ms;"
          f" {talk.statements / count:.2f} statements, {talk.waits / count:.2f} waits for the server,"
          f" {talk.wait_seconds / count * 1000:.2f} ms waiting ({talk.wait_seconds / sum(walls):.0%});"
          f" this process's CPU median {statistics.median(cpus) * 1000:.2f} ms")
    from_at, to_at = clock.wib_day_bounds(bench.FIRST)[0], clock.wib_day_bounds(bench.NEXT)[0]
    params = {"c": contract_id, "from_at": from_at, "to_at": to_at, "from_day": bench.FIRST, "to_day": bench.NEXT}

    def baseline() -> None:  # as bench/invoice.py sends it: unprepared, planned with its values
        with db.unit_of_work(url) as session:
            raw = session.connection().connection.driver_connection
            raw.execute(bench.BASELINE, params, prepare=False).fetchone()

    walls, cpus = runs(baseline, count)
    print(f"the bench's one aggregate query: median {statistics.median(walls) * 1000:.2f} ms,"
          f" min {min(walls) * 1000:.2f} ms, this process's CPU median {statistics.median(cpus) * 1000:.2f} ms")

    profile = cProfile.Profile(time.process_time) if "--cpu" in sys.argv else cProfile.Profile()
    profile.enable()
    for _ in range(count):
        draft()
    profile.disable()
    profile.dump_stats(out)
    pstats.Stats(out).strip_dirs().sort_stats("cumulative").print_stats(40)
    pstats.Stats(out).strip_dirs().sort_stats("tottime").print_stats(25)

    if "--explain" in sys.argv:
        with engine.connect() as connection:
            plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY) " + bench.BASELINE,
                                              params).scalars().all()
            print("\nthe bench's one aggregate query\n" + "\n".join(plan))
            for statement, parameters in sent:
                if not statement.lstrip().startswith(("SELECT", "WITH")):
                    continue
                plan = connection.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY) " + statement, parameters).scalars().all()
                print("\n" + " ".join(statement.split())[:140])
                print("\n".join(plan))
            connection.rollback()


if __name__ == "__main__":
    main()
