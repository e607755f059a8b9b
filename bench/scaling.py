"""The capacity table of docs/SCALING.md, recomputed from the last `make bench` (.run/bench/*.json).

    python bench/scaling.py

Per-process figures are the benches' medians on this machine; the national load model's assumptions are the
constants below, stated once. Prints what one machine carries and what 514 regencies (about 500,000 pickups a
day) need, with 50% headroom."""
from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / ".run" / "bench"
PICKUPS_PER_DAY = 500_000
EVENTS_PER_PICKUP = 1.3  # confirmed or missed, plus its share of weighings, compliance, complaints, invoices
CONSUMERS_PER_EVENT = 1.2  # billing reads nearly every event; routes and contracts a few
RUSH_SHARE, RUSH_HOURS, SYNC_BURST = 0.7, 3.0, 5.0  # 70% of confirmations 04:00-07:00 WIB, phones syncing at once
PEKANBARU_PICKUPS_PER_DAY = 12_145 / 31  # the reference city's seeded month
HEADROOM = 1.5


def load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def main() -> None:
    ingest, events, sweep, invoice, latency = (load(n) for n in ("ingest", "events", "sweep", "invoice", "latency"))
    peak_confirm = PICKUPS_PER_DAY * RUSH_SHARE / (RUSH_HOURS * 3600) * SYNC_BURST
    events_per_s_day = PICKUPS_PER_DAY * EVENTS_PER_PICKUP / 86_400
    events_per_s_peak = peak_confirm * EVENTS_PER_PICKUP
    print("| figure (2 cores, shared) | measured | national need at peak | machines (x1.5) |")
    print("|---|---|---|---|")
    if ingest:
        rate = ingest["median_measured"]
        cpu = statistics.median(d["cpu_ms_confirm"] for d in ingest["details"] if "cpu_ms_confirm" in d)
        print(f"| confirmations/s, one routes api (gunicorn, {cpu:.1f} ms CPU each) | {rate:,.0f} | {peak_confirm:,.0f} "
              f"| {math.ceil(peak_confirm * HEADROOM / rate)} |")
        print(f"| Pekanbarus one machine's api carries in the rush | {rate / (PEKANBARU_PICKUPS_PER_DAY * RUSH_SHARE / (RUSH_HOURS * 3600) * SYNC_BURST):,.0f} | | |")
    if events:
        rate = events["median_measured"]
        print(f"| events/s, outbox -> relay -> quorum queue -> consumer -> inbox | {rate:,.0f} | "
              f"{events_per_s_peak * CONSUMERS_PER_EVENT:,.0f} (day average {events_per_s_day:,.1f}) | "
              f"{math.ceil(events_per_s_peak * CONSUMERS_PER_EVENT * HEADROOM / rate)} |")
        print(f"| broker ceiling msg/s (pika, quorum) | {events['median_baseline']:,.0f} | | |")
    if sweep:
        per_s = 300_000 / sweep["median_measured"]
        print(f"| missed pickups swept/s (UPDATE + events in SQL) | {per_s:,.0f} | "
              f"{PICKUPS_PER_DAY * 0.05:,.0f} a night (5% missed) | 1 |")
    if invoice:
        print(f"| invoice draft, 100,000 pickups (ms) | {invoice['median_measured']:,.0f} | "
              f"{514 * 3:,} contracts a month | 1 |")
    if latency:
        rates = [d.get("achieved_per_s", 0) for d in latency["details"]]
        print(f"| 2xx -> billing's row, p99 ms at {statistics.median(rates):,.0f}/s | {latency['median_measured']:,.0f} "
              f"| < 1,000 | |")


if __name__ == "__main__":
    main()
