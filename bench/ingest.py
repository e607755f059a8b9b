"""Benchmark: pickup confirmations through gunicorn at rising client concurrency, beside a bare Flask endpoint doing
one INSERT in one transaction under the same gunicorn settings, in the same run: three rounds (bench/harness.py), each
loading both servers alternately at every concurrency level. Goal: median ratio (a round's peak confirmations/s over
its peak bare/s) >= 0.75 and p99 < 50 ms at half the peak rate. Loopback only; own database kawal_bench_ingest.
Last line: `ratio: <number>`."""
from __future__ import annotations

import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# free ports unless told (the machine is shared: a fixed port may be someone else's server)
PORT_CONFIRM = int(os.environ.get("KAWAL_BENCH_PORT") or _free_port())
PORT_BARE = int(os.environ["KAWAL_BENCH_PORT"]) + 1 if os.environ.get("KAWAL_BENCH_PORT") else _free_port()
LEVELS = tuple(int(n) for n in os.environ.get("KAWAL_BENCH_INGEST_LEVELS", "4,8,16,32").split(","))
PER_LEVEL = int(os.environ.get("KAWAL_BENCH_INGEST_REQUESTS", "2000"))  # bounded count ...
PER_LEVEL_SECONDS = float(os.environ.get("KAWAL_BENCH_INGEST_SECONDS", "5"))  # ... and bounded time
DAY = date(2026, 3, 10)
# Every process of the run reads the same accelerated-clock settings (speed 1), so the day is always mid-window.
# (setdefault: the gunicorn workers importing this module for bare_app keep the parent's epoch)
for _key, _value in (("KAWAL_CLOCK_START", "2026-03-10T05:00:00+00:00"), ("KAWAL_CLOCK_EPOCH", f"{time.time():.3f}"),
                     ("KAWAL_CLOCK_SPEED", "1")):
    os.environ.setdefault(_key, _value)
CLOCK_ENV = {key: os.environ[key] for key in ("KAWAL_CLOCK_START", "KAWAL_CLOCK_EPOCH", "KAWAL_CLOCK_SPEED")}

from sqlalchemy import text  # noqa: E402

from harness import ROUNDS, Comparison, database_name  # noqa: E402
from shared import auth, clock, db  # noqa: E402

DATABASE = database_name("kawal_bench_ingest")


def bare_app():
    """The baseline: Flask, one pooled connection, one INSERT in one transaction, JSON out."""
    from flask import Flask, jsonify, request

    from shared import config

    app = Flask("bare")
    url = config.database_url("routes")

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.post("/bare")
    def bare():
        body = request.get_json()
        with db.engine(url).begin() as connection:
            connection.execute(text("INSERT INTO bench_bare (id, body, at) VALUES (:id, CAST(:body AS jsonb), :at)"),
                               {"id": str(uuid.uuid4()), "body": request.get_data(as_text=True), "at": clock.now()})
        return jsonify(ok=True, lat=body["lat"]), 201

    return app


def prepare(url: str, pickups_needed: int) -> tuple[str, list[str], tuple[float, float]]:
    """A contract, 100 points and enough routes on one WIB day to give every request its own pickup."""
    from services.routes.handlers import HANDLERS
    from services.routes.scheduling import schedule_pickups
    from shared import events

    contractor_id, contract_id = str(uuid.uuid4()), str(uuid.uuid4())
    sla = {"grace_minutes": 60, "geofence_m": 150, "sync_allowance_hours": 24, "min_on_time_ratio": 0.95,
           "complaint_hours_priority": 24, "complaint_hours_normal": 72, "shortfall_ratio": 0.5,
           "shortfall_days_allowed": 3}
    penalties = {"missed_pickup_rp": 1, "complaint_day_rp": 1, "shortfall_day_rp": 1, "cap_ratio": 0.05, "cap_rp": 1}
    lat, lon = 0.6120, 101.4380
    with db.unit_of_work(url) as session:
        for type_, data in (
            ("contracts.contractor.registered", {"contractor_id": contractor_id, "name": "PT Bench", "npwp": "0"}),
            ("contracts.contract.activated", {
                "contract_id": contract_id, "number": "BENCH-1", "contractor_id": contractor_id, "kawasan": "3",
                "kecamatan": ["Rumbai"], "start_date": date(2026, 1, 1), "end_date": date(2026, 12, 31),
                "value_rp": 1, "unit_price_rp_per_ton": 1, "daily_target_kg": 1, "ppn_rate": 0.11, "sla": sla,
                "penalties": penalties})):
            HANDLERS[type_](session, events.parse(events.make(type_, data, producer="contracts").to_json()))
        session.execute(text("""
            INSERT INTO points (id, code, name, kind, lat, lon, kecamatan, kelurahan, created_at)
            SELECT gen_random_uuid(), 'P' || g, 'P' || g, 'tps', :lat, :lon, 'Rumbai', 'Umban Sari', :now
            FROM generate_series(1, 100) g"""), {"lat": lat, "lon": lon, "now": clock.now()})
        vehicle = session.execute(text(
            "INSERT INTO vehicles (id, plate, contractor_id, type, capacity_m3, tare_kg, created_at) VALUES "
            "(gen_random_uuid(), 'BM 1 B', :c, 'fuso', 14, 8000, :now) RETURNING id"),
            {"c": contractor_id, "now": clock.now()}).scalar()
        routes = pickups_needed // 100 + 1
        session.execute(text("""
            INSERT INTO routes (id, code, contract_id, contractor_id, vehicle_id, weekdays, window_start, window_end,
                                created_at)
            SELECT gen_random_uuid(), 'R' || g, :k, :c, :v, ARRAY[1,2,3,4,5,6,7], '00:00', '23:59', :now
            FROM generate_series(1, :n) g"""), {"k": contract_id, "c": contractor_id, "v": vehicle, "n": routes,
                                                "now": clock.now()})
        session.execute(text("""
            INSERT INTO route_stops (route_id, seq, point_id)
            SELECT r.id, row_number() OVER (PARTITION BY r.id ORDER BY p.code), p.id FROM routes r CROSS JOIN points p"""))
        schedule_pickups(session, None, DAY, DAY)
        ids = session.execute(text("SELECT id::text FROM pickups ORDER BY id")).scalars().all()
        session.execute(text("CREATE TABLE bench_bare (id uuid PRIMARY KEY, body jsonb NOT NULL, at timestamptz)"))
        session.execute(text("ANALYZE"))
    return contractor_id, ids, (lat, lon)


def serve(app_spec: str, port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "python:shared.gunicorn_conf", "-b", f"127.0.0.1:{port}", app_spec],
        cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:  # e.g. the port is taken: never measure someone else's server
            break
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn {app_spec} did not start: {process.stderr.read().decode()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def cpu_seconds(process: subprocess.Popen) -> float:
    """User + system CPU of a gunicorn master and its workers (from /proc), to price a request on a shared machine."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    pids = [process.pid] + [int(pid) for pid in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()]
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (FileNotFoundError, IndexError):
            pass
    return total


def load(url: str, work: queue.Queue, threads: int, headers: dict, body_of, seconds: float,
         pace_per_thread_s: float = 0.0) -> dict:
    """threads clients on keep-alive sessions take work until it runs out or time is up; latencies in ms."""
    import requests

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        session = requests.Session()
        mine, codes = [], {}
        next_at = time.monotonic()
        while time.monotonic() < deadline:
            try:
                item = work.get_nowait()
            except queue.Empty:
                break
            if pace_per_thread_s:
                next_at += pace_per_thread_s
                time.sleep(max(0.0, next_at - time.monotonic()))
            started = time.perf_counter()
            response = session.post(url.format(item=item), data=body_of(item),
                                    headers={**headers, "Idempotency-Key": str(item)})
            mine.append((time.perf_counter() - started) * 1000)
            codes[response.status_code] = codes.get(response.status_code, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    started = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    pct = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]) if latencies else (lambda q: 0.0)
    return {"count": len(latencies), "rate": len(latencies) / elapsed, "p50": pct(0.50), "p99": pct(0.99),
            "statuses": statuses}


def main() -> None:
    import json

    from tests.support.databases import migrate, recreate, url_for

    url = url_for(DATABASE)
    recreate(DATABASE)
    migrate("routes", url)
    total = PER_LEVEL * (len(LEVELS) * ROUNDS + 1)
    contractor_id, pickup_ids, (lat, lon) = prepare(url, total)
    work_ids = iter(pickup_ids)
    db.dispose_all()
    env = {"KAWAL_ROUTES_DATABASE_URL": url, **CLOCK_ENV, "KAWAL_LOG_LEVEL": "WARNING"}
    token = {"Authorization": f"Bearer {auth.mint('contractor', contractor_id=contractor_id)}",
             "Content-Type": "application/json"}

    def confirmation_body(_item):
        return json.dumps({"collected_at": clock.now().isoformat(), "lat": lat, "lon": lon})

    results: dict[str, list] = {"bare": [], "confirm": []}
    print(f"bench ingest: {os.cpu_count()} cores, gunicorn sync workers from shared.gunicorn_conf, levels {LEVELS}, "
          f"{ROUNDS} interleaved rounds of up to {PER_LEVEL} requests or {PER_LEVEL_SECONDS:.0f} s each")
    targets = {"bare": (PORT_BARE, "/bare"), "confirm": (PORT_CONFIRM, "/api/v1/pickups/{item}/confirmation")}
    with tempfile.TemporaryDirectory() as prom_bare, tempfile.TemporaryDirectory() as prom_confirm:
        servers = [serve("ingest:bare_app()", PORT_BARE, {**env, "PROMETHEUS_MULTIPROC_DIR": prom_bare}),
                   serve("services.routes.app:create_app()", PORT_CONFIRM,
                         {**env, "PROMETHEUS_MULTIPROC_DIR": prom_confirm})]
        try:
            # both servers idle in the background; the two are loaded alternately, level by level and round by
            # round, so a neighbour's burst on a shared machine hits both sides alike
            comparison = Comparison("ingest", unit="req/s", baseline_name="bare Flask INSERT", goal=0.75)
            for baseline_first in comparison.rounds():
                peaks, cpu_ms = {"bare": 0.0, "confirm": 0.0}, {"bare": [], "confirm": []}
                round_no = len(comparison.measured)
                for threads in LEVELS:
                    order = ("bare", "confirm") if baseline_first else ("confirm", "bare")
                    for name in order:
                        port, target = targets[name]
                        work: queue.Queue = queue.Queue()
                        for _ in range(PER_LEVEL):
                            work.put(next(work_ids) if name == "confirm" else uuid.uuid4())
                        server = servers[0] if name == "bare" else servers[1]
                        cpu_before = cpu_seconds(server)
                        result = load(f"http://127.0.0.1:{port}{target}", work, threads, token, confirmation_body,
                                      PER_LEVEL_SECONDS)
                        result["cpu_ms"] = (cpu_seconds(server) - cpu_before) * 1000 / max(1, result["count"])
                        results[name].append((threads, result))
                        peaks[name] = max(peaks[name], result["rate"])
                        cpu_ms[name].append(result["cpu_ms"])
                        print(f"  {name:8s} {threads:3d} threads (round {round_no + 1}): {result['rate']:8.1f}/s  "
                              f"p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms  server CPU {result['cpu_ms']:.2f} ms/req  "
                              f"{result['statuses']}")
                comparison.add(peaks["confirm"], peaks["bare"], cpu_ms_confirm=statistics.median(cpu_ms["confirm"]),
                               cpu_ms_bare=statistics.median(cpu_ms["bare"]))
            peak_confirm = max(r["rate"] for _, r in results["confirm"])
            half = half_rate(PORT_CONFIRM, targets["confirm"][1], work_ids, token, confirmation_body, peak_confirm / 2)
        finally:
            for server in servers:
                stop(server)
    peak_bare = max(r["rate"] for _, r in results["bare"])
    print(f"peak bare insert: {peak_bare:.1f}/s; peak confirmations: {peak_confirm:.1f}/s")
    print(f"at half the peak ({peak_confirm / 2:.1f}/s offered, {half['rate']:.1f}/s served): "
          f"p50 {half['p50']:.1f} ms, p99 {half['p99']:.1f} ms (goal < 50 ms)")
    cpu = {name: statistics.median(r["cpu_ms"] for _, r in results[name]) for name in results}
    print(f"gunicorn CPU per request (median): bare {cpu['bare']:.2f} ms, confirmation {cpu['confirm']:.2f} ms "
          f"(CPU-bound ratio {cpu['bare'] / cpu['confirm']:.2f}; PostgreSQL's own CPU not included)")
    verdict = comparison.report()
    print(f"ratio: {verdict['median_ratio']:.3f}")


def half_rate(port, target, work_ids, token, body_of, rate: float) -> dict:
    """Paced clients offering half the peak rate: the latency a lightly loaded service gives."""
    threads = 4
    work: queue.Queue = queue.Queue()
    for _ in range(min(PER_LEVEL, int(rate * PER_LEVEL_SECONDS))):
        work.put(next(work_ids))
    return load(f"http://127.0.0.1:{port}{target}", work, threads, token, body_of, PER_LEVEL_SECONDS + 2,
                pace_per_thread_s=threads / rate)


if __name__ == "__main__":
    main()
