"""Benchmark: back-office pages at the demo's data size, each beside the API call it wraps (same user, same data).

The whole system runs as `make demo` runs it (honcho, the Procfile, the demo's accelerated clock); the reference
city is seeded and `kawal simulate` plays the whole month, as the demo does (KAWAL_BENCH_DAYS plays fewer: a quicker,
smaller run); the month's drafts are computed. Then, interleaved, three runs of each page and of its API call; medians and their
ratio. Goal: every page under 300 ms."""
from __future__ import annotations

import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("KAWAL_JWT_SECRET", secrets.token_urlsafe(48))

import requests  # noqa: E402

from kawal.demo.city import build_city  # noqa: E402
from kawal.demo.client import Kawal  # noqa: E402
from kawal.demo.clockplan import plan  # noqa: E402
from kawal.demo.seeder import Seeder  # noqa: E402
from services.portal import accounts  # noqa: E402
from shared import auth, clock, db  # noqa: E402
from tests.support.system import VENV_BIN, running_system  # noqa: E402

DAYS_ASKED = int(os.environ.get("KAWAL_BENCH_DAYS", "0"))  # 0: the whole month, the demo's data size
DAY_SECONDS, RUNS, GOAL_MS = 6.0, 3, 300.0


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def signed_in(portal: str, portal_db: str) -> requests.Session:
    with db.unit_of_work(portal_db) as session:
        accounts.add_user(session, "bench-ppk", "kata-sandi-bench", "dinas")
    browser = requests.Session()
    form = browser.get(f"{portal}/masuk").text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form).group(1)
    answer = browser.post(f"{portal}/masuk", data={"username": "bench-ppk", "password": "kata-sandi-bench",
                                                   "csrf_token": token}, allow_redirects=False)
    assert answer.status_code == 303, answer.status_code
    return browser


def main() -> None:
    demo = plan(clock.wib_date(clock.now()), DAY_SECONDS, Path(tempfile.mkdtemp(prefix="bench-clock-")) / "epoch")
    days = min(DAYS_ASKED or demo.days, demo.days)
    env = demo.env()  # the clock stands on the month's eve until demo.run() (after seeding), as in `make demo`
    with running_system(suffix="bench_portal", extra_env=env) as system:
        restore = system.apply_env()
        clock.set_for_tests(None)  # the shared clock now reads the same START/EPOCH/SPEED as the processes
        kawal = Kawal(system.urls)
        started = time.perf_counter()
        city = build_city(demo.first_day)
        seeded = Seeder(kawal, city, schedule_to=demo.first_day.replace(day=demo.days)).run()
        print(f"seeded {len(city.contracts)} contracts, {len(city.points)} points, {len(city.vehicles)} vehicles, "
              f"{len(city.routes)} routes, {seeded.pickups_scheduled:,} pickups in {time.perf_counter() - started:.0f} s")
        demo.run()
        subprocess.run([os.path.join(VENV_BIN, "kawal"), "simulate", "--days", str(days), "--speed",
                        str(demo.speed), "--start", demo.first_day.isoformat()], check=True,
                       env={**os.environ, **system.env}, stdout=subprocess.DEVNULL)
        contracts = kawal.list_all("contracts", "/contracts")
        for contract in contracts:
            kawal.post("billing", "/invoices", {"contract_id": contract["id"], "month": demo.month})
        invoice = kawal.list_all("billing", "/invoices", month=demo.month)[0]
        pickup = next(iter(kawal.list_all("routes", "/pickups", status="missed", contract_id=invoice["contract_id"],
                                          **{"from": demo.first_day.isoformat()})), None)
        counts = {name: len(kawal.list_all(*where)) for name, where in (
            ("pickups", ("routes", "/pickups")), ("weighings", ("routes", "/weighings")),
            ("complaints", ("routes", "/complaints")))}
        print(f"simulated {days} of the month's {demo.days} days: "
              + ", ".join(f"{n:,} {name}" for name, n in counts.items()))

        browser = signed_in(system.urls["portal"], system.database_urls["portal"])
        token = {"Authorization": f"Bearer {auth.mint('dinas', sub='portal:bench-ppk')}"}
        today = clock.today_wib().isoformat()
        pages = [
            ("Beranda", "/kantor/", ("routes", "/compliance/daily", {"from": demo.first_day.isoformat()})),
            ("Kontrak", "/kantor/kontrak", ("contracts", "/contracts", {})),
            ("Kontrak rinci", f"/kantor/kontrak/{invoice['contract_id']}",
             ("contracts", f"/contracts/{invoice['contract_id']}", {})),
            ("Tagihan", "/kantor/tagihan", ("billing", "/invoices", {})),
            ("Tagihan rinci", f"/kantor/tagihan/{invoice['id']}", ("billing", f"/invoices/{invoice['id']}", {})),
            ("Keberatan", "/kantor/keberatan", ("billing", "/objections", {})),
            ("Timbang", "/kantor/timbang", ("routes", "/weighings", {"from": today, "to": today})),
            ("Pengaduan", "/kantor/pengaduan", ("routes", "/complaints", {"per_page": 200})),
            ("Titik", "/kantor/titik", ("routes", "/points", {"per_page": 200})),
            ("Rute", "/kantor/rute", ("routes", "/routes", {"per_page": 200})),
        ]
        for n, line in enumerate(invoice["lines"], start=1):  # a line's evidence named in full, loaded when opened
            if line["kind"] == "missed_pickup" and line["evidence"]:
                pages.append(("Bukti baris", f"/kantor/tagihan/{invoice['id']}/bukti-baris/{n}",
                              ("routes", "/pickups", {"status": "missed", "contract_id": invoice["contract_id"],
                                                      "from": line["first_date"], "to": line["last_date"],
                                                      "per_page": 200})))
                break
        if pickup:
            for line in invoice["lines"]:
                if line["kind"] == "missed_pickup" and line["evidence"]:
                    pages.append(("Bukti", f"/kantor/tagihan/{invoice['id']}/bukti/missed_pickup/{line['evidence'][0]}",
                                  ("routes", f"/pickups/{line['evidence'][0]}", {})))
                    break
        print(f"{'page':<14} {'page ms':>8} {'API ms':>8} {'ratio':>6}  (median of {RUNS}, interleaved)")
        slowest = 0.0
        for name, path, (service, api_path, params) in pages:
            page_ms, api_ms = [], []
            for _ in range(RUNS):
                page_ms.append(timed(lambda: _ok(browser.get(f"{system.urls['portal']}{path}"))))
                api_ms.append(timed(lambda: _ok(requests.get(f"{system.urls[service]}/api/v1{api_path}",
                                                             params=params, headers=token))))
            page_median, api_median = statistics.median(page_ms), statistics.median(api_ms)
            slowest = max(slowest, page_median)
            print(f"{name:<14} {page_median:8.1f} {api_median:8.1f} {page_median / api_median:6.1f}")
        first = demo.first_day.isoformat()
        calls = [("contracts", "/contracts", {}), ("routes", "/compliance/daily", {"from": first}),
                 ("billing", "/contracts/ledgers", {}),
                 ("routes", "/complaints", {"status": "open"}), ("routes", "/complaints", {"status": "overdue"}),
                 ("billing", "/invoices", {"status": "draft", "summary": "true"}),
                 ("billing", "/invoices", {"status": "draft"}),  # the full drafts, as the Beranda once asked
                 ("billing", "/objections", {"status": "open"}), ("routes", "/weighings", {"flagged": "true"}),
                 ("billing", f"/contracts/{invoice['contract_id']}/ledger", {})]  # one contract's, as it once asked
        print("the Beranda's own calls (one run each, ms, per_page 200 as the portal asks):")
        for service, api_path, params in calls:
            ms = timed(lambda: _ok(requests.get(f"{system.urls[service]}/api/v1{api_path}",
                                                params={"per_page": 200, **params}, headers=token)))
            print(f"  {service}{api_path} {params}: {ms:.0f}")
        print("(the Beranda makes these at once, so it costs about its slowest, plus rendering; not the full drafts,"
              " and one ledgers call for all contracts)")
        print(f"slowest page: {slowest:.0f} ms (goal {GOAL_MS:.0f} ms): {'OK' if slowest <= GOAL_MS else 'OVER'}")
        os.environ.update({k: v for k, v in restore.items() if v is not None})


def _ok(response: requests.Response) -> None:
    assert response.status_code == 200, (response.url, response.status_code, response.text[:300])


if __name__ == "__main__":
    main()
