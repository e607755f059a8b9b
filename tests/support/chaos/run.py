"""`make chaos` (and, smaller, tests/e2e/test_chaos.py): a quiet twin, then crews confirming under faults; figures.

    python -m tests.support.chaos.run [--full]

Every Procfile process runs under `kawal supervise` with the broker reached through a TCP proxy this harness can
cut. Two contracts of identical shape are seeded: the quiet one is confirmed with no fault, the chaotic one while,
in turn, processes are SIGKILLed, the network to the broker is cut, and (--full only, as they disturb everyone on
the machine) RabbitMQ and PostgreSQL are restarted. Then: lost, doubled, parked, and the two invoices side by side.
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from kawal.demo.client import Kawal
from tests.support.chaos import city, crews, faults, figures
from tests.support.chaos.proxy import BrokerProxy
from tests.support.system import running_system

KILLS = ["kill routes_api", "kill routes_events", "kill routes_worker", "kill routes_beat", "kill billing_events",
         "kill billing_api"]


@dataclass
class Plan:
    confirmations: int
    threads: int
    rate_per_s: float  # while faults remain; then as fast as answered
    faults: list[str]
    weighings: int = 20
    fault_gap_s: float = 2.0


SMALL = Plan(confirmations=300, threads=4, rate_per_s=10, weighings=12,
             faults=["kill routes_api", "kill routes_events", "cut broker", "kill billing_events",
                     "kill routes_worker", "kill routes_beat"])
FULL = Plan(confirmations=6000, threads=6, rate_per_s=30, weighings=12,
            faults=KILLS + ["cut broker"] + KILLS + ["rabbitmq gentle", "rabbitmq restart"] + KILLS
            + ["postgresql restart", "cut broker"])
BEAT = {"KAWAL_SWEEP_INTERVAL_SECONDS": "1", "KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS": "5",
        "KAWAL_EVALUATE_MONTHS_INTERVAL_SECONDS": "10", "KAWAL_SCHEDULE_AHEAD_INTERVAL_SECONDS": "3600"}


@dataclass
class Report:
    plan: Plan
    quiet: dict
    chaotic: dict
    invoices: dict[str, dict]
    outcomes: list[faults.Outcome]
    restarts: dict[str, int]
    broker: dict
    sync: dict[str, crews.Sync] = field(default_factory=dict)
    settle_s: float = 0.0

    @property
    def failures(self) -> list[str]:
        problems = []
        for name, f in (("quiet", self.quiet), ("chaotic", self.chaotic)):
            if f["lost"] or f["doubled"] or f["billing_missed"] != f["expected_missed"]:
                problems.append(f"{name}: lost {f['lost']}, doubled {f['doubled']}, "
                                f"missed {f['billing_missed']} (expected {f['expected_missed']})")
        if self.invoices["quiet"] != self.invoices["chaotic"]:
            problems.append(f"invoices differ: {self.invoices}")
        if self.broker["parked"]:
            problems.append(f"{self.broker['parked']} events parked")
        for outcome in self.outcomes:
            if outcome.back_s is None or outcome.back_s > faults.BACK_WITHIN_S:
                problems.append(f"{outcome.fault}: back after {outcome.back_s} s")
        return problems


def run(plan: Plan, console: Console | None = None) -> Report:
    console = console or Console()
    # the processes need a secret; one made up here must not outlive the run (a test session mints with its own)
    own_secret = "KAWAL_JWT_SECRET" not in os.environ
    if own_secret:
        os.environ["KAWAL_JWT_SECRET"] = secrets.token_hex(32)
    proxy = BrokerProxy()
    try:
        with running_system("chaos", clock_start=city.CLOCK_START, extra_env=BEAT, amqp_port=proxy.port) as system:
            previous = system.apply_env()
            try:
                return _run(system, proxy, plan, console)
            finally:
                for name, value in previous.items():
                    os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
    finally:
        proxy.close()
        if own_secret:
            os.environ.pop("KAWAL_JWT_SECRET", None)


def _run(system, proxy, plan: Plan, console: Console) -> Report:
    kawal = Kawal(urls=system.urls, timeout_seconds=15)
    console.print(f"seeding two contracts of {plan.confirmations} confirmations each")
    quiet = city.seed(kawal, "Q", "Rumbai", plan.confirmations, system.database_urls["routes"], "01.000.000.1-000.000")
    chaotic = city.seed(kawal, "K", "Sail", plan.confirmations, system.database_urls["routes"], "02.000.000.2-000.000")
    syncs = {"quiet": _sync(kawal, quiet, plan, lambda: 0.0)}
    console.print(f"quiet: {syncs['quiet'].answered_2xx} answered 2xx; settling")
    figures.settle(system, [quiet])
    remaining = threading.Event()
    remaining.set()
    started = time.monotonic()
    outcomes: list[faults.Outcome] = []

    def inject() -> None:
        injector = faults.Injector(system, proxy, started)
        for fault in plan.faults:
            time.sleep(plan.fault_gap_s)  # load between faults: the gap is part of the plan, not a wait
            try:
                outcome = injector.run(fault)
            except Exception as error:  # noqa: BLE001 - a fault that could not be injected is reported, not fatal
                outcome = faults.Outcome(f"{fault} ({error!r})"[:120], time.monotonic() - started, 0.0, None)
            outcomes.append(outcome)
            console.print(f"  {outcome.at_s:6.1f} s  {fault:22s} outage {outcome.outage_s:5.1f} s  "
                          f"back after {'-' if outcome.back_s is None else f'{outcome.back_s:.1f} s'}")
        remaining.clear()

    def inject_then_release() -> None:
        try:
            inject()
        finally:
            remaining.clear()

    injector_thread = threading.Thread(target=inject_then_release, name="faults")
    injector_thread.start()
    syncs["chaotic"] = _sync(kawal, chaotic, plan, lambda: plan.rate_per_s if remaining.is_set() else 0.0)
    injector_thread.join()
    console.print(f"chaotic: {syncs['chaotic'].answered_2xx} answered 2xx after {syncs['chaotic'].errors} errors; "
                  "settling")
    settle_s = figures.settle(system, [quiet, chaotic])
    answered = {name: {k for k, s in syncs[name].answers.items() if 200 <= s < 300 and not k.startswith("w-")}
                for name in syncs}
    processes = system.processes()
    return Report(plan, figures.facts(system, quiet, answered["quiet"]),
                  figures.facts(system, chaotic, answered["chaotic"]),
                  {"quiet": figures.invoice(kawal, quiet), "chaotic": figures.invoice(kawal, chaotic)}, outcomes,
                  {name: p["starts"] - 1 for name, p in processes.items()}, figures.broker_counts(system), syncs,
                  settle_s)


def _sync(kawal: Kawal, contract: city.Contract, plan: Plan, rate) -> crews.Sync:
    weighings = [(f"w-{contract.label}-{n}", "/weighings", city.weighing_body(contract, n))
                 for n in range(plan.weighings)]
    confirmations = [(pickup_id, f"/pickups/{pickup_id}/confirmation", city.confirmation_body(contract, n, pickup_id))
                     for n, pickup_id in enumerate(contract.pickups)]
    # weighings are the agency's (dinas), confirmations the contractor's: two syncs, the second one the big one
    crews.sync(kawal, weighings, 1, lambda: 0.0, "dinas", None)
    return crews.sync(kawal, confirmations, plan.threads, rate, "contractor", contract.contractor_id)


def print_report(report: Report, console: Console) -> None:
    table = Table(title="Chaos: crews confirming while processes die / Kekacauan")
    table.add_column("figure")
    table.add_column("quiet", justify="right")
    table.add_column("chaotic", justify="right")
    rows = [("confirmations sent", "sent"), ("answered 2xx", "answered_2xx"),
            ("pickups confirmed in routes", "confirmed_in_routes"), ("confirmation rows", "confirmation_rows"),
            ("routes.pickup.confirmed events", "confirmed_events"), ("known confirmed in billing", "billing_confirmed"),
            ("still missed in billing (expected)", "billing_missed"), ("lost", "lost"), ("doubled", "doubled")]
    for label, key in rows:
        table.add_row(label, f"{report.quiet[key]:,}", f"{report.chaotic[key]:,}")
    table.add_row("requests (with retries)", f"{report.sync['quiet'].attempts:,}", f"{report.sync['chaotic'].attempts:,}")
    for name in figures.INVOICE_FIELDS:
        table.add_row(f"invoice {name}", f"Rp{report.invoices['quiet'][name]:,}", f"Rp{report.invoices['chaotic'][name]:,}")
    table.add_row("events parked (all services)", "", f"{report.broker['parked']:,}")
    console.print(table)
    timeline = Table(title=f"{len(report.outcomes)} faults: time to come back / waktu pulih")
    for column in ("at (s)", "fault", "outage (s)", "back after (s)"):
        timeline.add_column(column, justify="right" if column != "fault" else "left")
    for o in report.outcomes:
        timeline.add_row(f"{o.at_s:.1f}", o.fault, f"{o.outage_s:.1f}", "not back" if o.back_s is None else f"{o.back_s:.1f}")
    console.print(timeline)
    console.print("restarts by the supervisor: " + ", ".join(f"{k} {v}" for k, v in report.restarts.items()))
    console.print(f"settled {report.settle_s:.1f} s after the last confirmation was answered")
    problems = report.failures
    console.print("[bold green]PASS[/]: 0 lost, 0 doubled, the same invoice, every process back within "
                  f"{faults.BACK_WITHIN_S:.0f} s" if not problems else "[bold red]FAIL[/]: " + "; ".join(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.chaos.run", description=__doc__)
    parser.add_argument("--full", action="store_true", help="6,000 confirmations, 23 faults, servers restarted")
    parser.add_argument("--confirmations", type=int)
    args = parser.parse_args(argv)
    plan = FULL if args.full else SMALL
    if args.confirmations:
        plan.confirmations = args.confirmations
    console = Console(width=max(Console().width, 110))
    report = run(plan, console)
    print_report(report, console)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
