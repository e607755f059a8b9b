"""Profile pickup confirmations through the routes app in one process (Flask test client, no gunicorn): cProfile of
N confirmations, and the round trips to PostgreSQL they made (statements, and psycopg waits for the server).

    .venv/bin/python bench/profile_ingest.py [N] [OUT.pstats]

Own database kawal_bench_profile_ingest (suffixed by KAWAL_BENCH_DB_SUFFIX). Prints the top of the cumulative
profile and `per confirmation: X ms, Y statements, Z waits`."""
from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import ingest  # noqa: E402  (sets the bench's clock settings first)
from harness import counting, database_name  # noqa: E402
from shared import auth, clock, db  # noqa: E402


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/ingest.pstats"
    from tests.support.databases import migrate, recreate, url_for

    name = database_name("kawal_bench_profile_ingest")
    url = url_for(name)
    recreate(name)
    migrate("routes", url)
    contractor_id, ids, (lat, lon) = ingest.prepare(url, count + 200)
    db.dispose_all()
    os.environ["KAWAL_ROUTES_DATABASE_URL"] = url
    os.environ.setdefault("KAWAL_LOG_LEVEL", "WARNING")
    from services.routes.app import create_app

    client = create_app().test_client()
    headers = {"Authorization": f"Bearer {auth.mint('contractor', contractor_id=contractor_id)}"}

    def one(pickup_id: str) -> None:
        response = client.post(f"/api/v1/pickups/{pickup_id}/confirmation", headers={
            **headers, "Idempotency-Key": pickup_id, "Content-Type": "application/json"},
            data=json.dumps({"collected_at": clock.now().isoformat(), "lat": lat, "lon": lon}))
        assert response.status_code == 201, response.get_json()

    for pickup_id in ids[:200]:  # warm: the pool, psycopg's prepared statements, caches
        one(pickup_id)
    profile = cProfile.Profile()
    started = time.perf_counter()
    with counting() as talk:
        profile.enable()
        for pickup_id in ids[200:200 + count]:
            one(pickup_id)
        profile.disable()
    elapsed = time.perf_counter() - started
    profile.dump_stats(out)
    pstats.Stats(out).strip_dirs().sort_stats("cumulative").print_stats(45)
    print(f"per confirmation: {elapsed / count * 1000:.2f} ms (under cProfile), {talk.statements / count:.2f} statements, "
          f"{talk.waits / count:.2f} waits for the server")
    db.dispose_all()


if __name__ == "__main__":
    main()
