"""`make soak`: an hour of the reference city's days on an accelerated clock, every process sampled; fails on growth.

    python -m tests.support.soak [--minutes 60] [--day-seconds 60] [--sample-seconds 30]

Every Procfile process runs under `kawal supervise` on fresh databases; the reference city is seeded and `kawal
simulate` plays its crews (the 04:00-07:00 rush included), weighbridge and residents, a simulated day every
--day-seconds. Every sample records, per process, its resident memory (with its children: gunicorn and Celery
workers) and established TCP connections, and per service the outbox backlog and the depth of its queue. At the
end it prints first, last and peak values, writes .run/soak.json, and fails when a series grows without bound: the
median of its last quarter above both 1.25x and (max of its second quarter + an absolute slack)."""
from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import subprocess
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pika
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from shared import clock, config, topology
from tests.support.system import running_system

# what a series may rise by after warm-up (beside 1.25x) before it counts as growing; kept rows plateau at the
# retention age (7 simulated days here), so they are judged too
SLACK = {"rss_mib": 30.0, "connections": 4, "outbox_backlog": 200, "queue_depth": 200, "outbox_rows_kept": 2000,
         "inbox_ids_kept": 2000}
FIRST_DAY = date(2026, 1, 1)
LEAD_REAL_SECONDS = 60  # start-up and seeding happen on the evening before the first day
ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                pass
    return found


def _established_inodes() -> set[str]:
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(name).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01":  # ESTABLISHED
                inodes.add(fields[9])
    return inodes


def process_sample(pid: int, established: set[str]) -> tuple[float, int]:
    """(resident MiB of the process and its descendants, their established TCP connections)."""
    rss_kib, sockets = 0, set()
    for member in _children(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss_kib += int(line.split()[1])
            for fd in Path(f"/proc/{member}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in established:
                    sockets.add(target)
        except OSError:  # a worker that just exited
            continue
    return rss_kib / 1024, len(sockets)


class Sampler:
    def __init__(self, system):
        self.system = system
        self.engines = {s: create_engine(url, pool_size=1) for s, url in system.database_urls.items()}
        self.series: dict[str, list[float]] = {}
        self.times: list[float] = []

    def sample(self) -> None:
        established = _established_inodes()
        self.times.append(time.time())
        for name, state in self.system.processes().items():
            rss, connections = process_sample(state["pid"], established) if state["pid"] else (0.0, 0)
            self._add(f"{name} rss_mib", rss)
            self._add(f"{name} connections", connections)
        for service, engine in self.engines.items():
            with engine.connect() as connection:
                backlog = connection.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar_one()
                kept = connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()
                inbox = connection.execute(text("SELECT count(*) FROM inbox")).scalar_one()
            self._add(f"{service} outbox_backlog", backlog)
            self._add(f"{service} outbox_rows_kept", kept)
            self._add(f"{service} inbox_ids_kept", inbox)
        broker = pika.BlockingConnection(pika.URLParameters(self.system.amqp_url))
        try:
            channel = broker.channel()
            for queue in [topology.service_queue(s) for s in config.SERVICES] + ["routes.compliance"]:
                self._add(f"{queue} queue_depth", topology.message_count(channel, queue))
        finally:
            broker.close()

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"times": self.times, "series": self.series}, indent=1))

    def _add(self, key: str, value: float) -> None:
        self.series.setdefault(key, []).append(float(value))


def grows_without_bound(key: str, values: list[float]) -> bool:
    """After warm-up (the first quarter), the last quarter sits clearly above everything the second quarter saw."""
    kind = key.split()[-1]
    if kind not in SLACK or len(values) < 8:
        return False
    quarter = len(values) // 4
    settled, last = values[quarter:2 * quarter], values[-quarter:]
    median_last = statistics.median(last)
    return median_last > 1.25 * max(settled) and median_last > max(settled) + SLACK[kind]


def report(sampler: Sampler, console: Console, minutes: float, day_seconds: float) -> list[str]:
    table = Table(title=f"Soak: {minutes:.0f} min, a simulated day every {day_seconds:.0f} s, "
                        f"{len(sampler.times)} samples")
    for column in ("series", "first", "last", "min", "max", "verdict"):
        table.add_column(column, justify="left" if column in ("series", "verdict") else "right")
    growing = []
    for key, values in sorted(sampler.series.items()):
        bad = grows_without_bound(key, values)
        growing += [key] if bad else []
        table.add_row(key, f"{values[0]:,.1f}", f"{values[-1]:,.1f}", f"{min(values):,.1f}", f"{max(values):,.1f}",
                      "[red]GROWS[/]" if bad else "bounded")
    console.print(table)
    return growing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--day-seconds", type=float, default=60.0)
    parser.add_argument("--sample-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    console = Console(width=120)
    os.environ.setdefault("KAWAL_JWT_SECRET", secrets.token_hex(32))
    (ROOT / ".run").mkdir(exist_ok=True)
    speed = 86_400.0 / args.day_seconds
    days = int(args.minutes * 60 / args.day_seconds)
    start = clock.wib_instant(FIRST_DAY, datetime.min.time()) - timedelta(seconds=LEAD_REAL_SECONDS * speed)
    beat = {"KAWAL_SWEEP_INTERVAL_SECONDS": "2", "KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS": "5",
            "KAWAL_EVALUATE_MONTHS_INTERVAL_SECONDS": "10", "KAWAL_SCHEDULE_AHEAD_INTERVAL_SECONDS": "20",
            # retention on the simulated clock: rows older than 7 simulated days go, checked every 30 real s
            "KAWAL_RETENTION_DAYS": "7", "KAWAL_RETENTION_INTERVAL_SECONDS": "30"}
    with running_system("soak", clock_start=start, clock_speed=speed, extra_env=beat, ready_timeout=180) as system:
        system.apply_env()
        kawal = [os.path.join(os.path.dirname(sys.executable), "kawal")]
        log = open(ROOT / ".run" / "soak-simulate.log", "w")
        subprocess.run([*kawal, "seed", "--start", FIRST_DAY.isoformat()], stdout=log, stderr=subprocess.STDOUT,
                       check=True)
        simulation = subprocess.Popen([*kawal, "simulate", "--days", str(days), "--start", FIRST_DAY.isoformat(),
                                       "--speed", f"{speed:g}", "--no-warn"], stdout=log, stderr=subprocess.STDOUT)
        sampler = Sampler(system)
        deadline = time.monotonic() + args.minutes * 60
        try:
            while True:
                try:
                    sampler.sample()
                except Exception as error:  # noqa: BLE001 - a server restarted by someone else: skip the sample
                    console.print(f"sample skipped: {error!r}"[:200])
                sampler.save(ROOT / ".run" / "soak.json")  # kept as it goes: a run cut short still has its figures
                if time.monotonic() >= deadline or simulation.poll() is not None:
                    break
                time.sleep(max(0.0, min(args.sample_seconds, deadline - time.monotonic())))
        finally:
            if simulation.poll() is None:
                simulation.terminate()
                simulation.wait(timeout=30)
            log.close()
        restarts = {name: p["starts"] - 1 for name, p in system.processes().items()}
    growing = report(sampler, console, args.minutes, args.day_seconds)
    console.print("restarts by the supervisor: " + ", ".join(f"{k} {v}" for k, v in restarts.items()))
    out = ROOT / ".run" / "soak.json"
    out.write_text(json.dumps({"times": sampler.times, "series": sampler.series, "restarts": restarts,
                               "growing": growing}, indent=1))
    console.print("[bold green]PASS[/]: nothing grows without bound" if not growing
                  else f"[bold red]FAIL[/]: grows without bound: {', '.join(growing)}")
    return 1 if growing else 0


if __name__ == "__main__":
    sys.exit(main())
