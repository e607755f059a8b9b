"""`kawal demo start|stop|reset|status` (`make demo`, `make down`): a month of the reference city from a clean demo
city, on an accelerated clock, through the real APIs; the services stay up afterwards."""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import subprocess
import time
from datetime import datetime
from urllib.parse import urlsplit

import click
import requests
from rich.console import Console

from kawal.demo import clockplan, instance
from kawal.demo.client import ApiFailure, Kawal
from kawal.demo.instance import BEAT, VENV_BIN, WEB, Demo, DemoError
from kawal.demo.simulator import Simulation, wait_until_judged, warn_on_breaches
from shared import brokerusers, clock, config

console = Console()
REPORT_COLUMNS = 220  # the report's tables are wide; narrower, they wrap cell by cell


def fail(message: str) -> None:
    click.secho(f"kawal demo: {message}", fg="red", err=True)
    raise SystemExit(1)


def step(message: str) -> None:
    console.print(f"[bold cyan]›[/] {message}", soft_wrap=True)


def say(message: str = "") -> None:
    console.print(message, soft_wrap=True)


@click.group()
def demo() -> None:
    """The demo: its own databases and vhost, every process on one accelerated clock, a month simulated."""


@demo.command("status")
def status() -> None:
    """Whether the demo runs: its supervisor, each process, each service's readiness, the demo's clock."""
    here = Demo.configured()
    pid = here.pid()
    if pid is None:
        console.print("Demo tidak berjalan / The demo is not running (`make demo` starts it).")
        return
    console.print(f"Demo berjalan / The demo is running: supervisor pid {pid}, log {here.log_file}")
    from kawal.supervisor import read_state

    try:
        processes = read_state(here.state_file)["processes"]
    except (OSError, ValueError):
        processes = {}
    for name, state in processes.items():
        console.print(
            f"  {name:<16} {'pid ' + str(state['pid']) if state['pid'] else 'down':<12} starts {state['starts']}"
        )
    for service in WEB:
        console.print(f"  {service:<16} {config.service_url(service)}  {'ready' if ready(service) else 'not ready'}")
    demo_clock = brokerusers.read_env_file(str(here.env_file))
    if "KAWAL_CLOCK_START" in demo_clock:
        os.environ.update({k: v for k, v in demo_clock.items() if k.startswith("KAWAL_CLOCK_")})
        console.print(
            f"  clock            {clock.to_wib(clock.now()):%Y-%m-%d %H:%M} WIB "
            f"(x{config.clock().speed:g}; `source {here.env_file}` for kawal commands on it)"
        )


@demo.command("stop")
def stop() -> None:
    """Stop every process the demo started (`make down`); its databases stay until the next start or reset."""
    pid = instance.stop(Demo.configured())
    console.print(
        f"Demo dihentikan / The demo is stopped (supervisor pid {pid})."
        if pid
        else "Demo tidak berjalan / The demo is not running."
    )


@demo.command("reset")
def reset() -> None:
    """Stop the demo, then drop, recreate and migrate its databases and empty its broker vhost (nothing else)."""
    here = Demo.configured()
    _stop_running(here)
    _reset(here)


@demo.command("start")
@click.option("--small", is_flag=True, help="A small city (one kawasan, two vehicles): tests.")
def start(small: bool) -> None:
    """Reset the demo city, start every process, seed, simulate the previous month, report; leave it running.

    Tunables (environment): KAWAL_DEMO_DAY_SECONDS [10] real seconds per simulated day, KAWAL_DEMO_DAYS [the whole
    month], KAWAL_DEMO_SEED [7], KAWAL_DEMO_ISSUE_WAIT_SECONDS [120]."""
    began = time.monotonic()
    here, settings = Demo.configured(), config.demo()
    _stop_running(here)
    taken = instance.taken_ports(here.ports())
    if taken:
        listed = ", ".join(f"{port} ({what})" for what, port in taken.items())
        fail(
            f"port {listed} already in use by another program (`make up` in another terminal?); stop it, or move "
            f"the demo with KAWAL_<SERVICE>_PORT / KAWAL_<PROCESS>_METRICS_PORT"
        )
    _reset(here)

    # one clock for every process: it stands on the month's eve until the city is seeded, then runs; the real date,
    # once, only chooses which month the demo replays
    plan = clockplan.plan(clock.wib_date(datetime.now(clock.UTC)), settings.day_seconds, here.epoch_file, settings.days)
    plan.stand()
    env = {
        **here.database_env(),
        **here.broker_env(),
        **plan.env(),
        **{name: os.environ.get(name) or value for name, value in BEAT.items()},
        "KAWAL_JWT_SECRET": instance.jwt_secret(),
    }
    instance.write_env_file(here, env)
    os.environ.update(env)  # this process's kawal commands (seed, simulate, report) on the same clock and databases
    step(plan.describe())
    _management_plugin()
    supervisor = instance.start_supervisor(
        here, {**os.environ, "PYTHONUNBUFFERED": "1", "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
    )
    step(f"Proses / processes: supervisor pid {supervisor.pid}, log {here.log_file}")
    _wait_ready(here, supervisor, settings.ready_timeout_seconds)

    try:
        simulation = _city(here, plan, settings, small)
    except ApiFailure as error:  # a step's call had to succeed: one line, and the services stay up to look at
        fail(f"{error}; the services keep running (`make down` stops them), log {here.log_file}")
    _tour(here, plan, simulation, time.monotonic() - began)


def _city(here: Demo, plan: clockplan.DemoClock, settings: config.DemoSettings, small: bool) -> Simulation:
    """Seed, simulate, report, dispute, berita acara: each the kawal command of that name, in this process."""
    from kawal import commands  # the package's commands (its modules' names are taken by the commands)

    ctx = click.get_current_context()
    first_day = datetime.combine(plan.first_day, datetime.min.time())
    ctx.invoke(commands.seed, start=first_day, small=small)
    plan.run()
    step(
        f"Kota siap: jam demo berjalan dari {clock.to_wib(plan.start):%Y-%m-%d %H:%M} WIB / the city is seeded: "
        f"the clock runs"
    )
    simulation = ctx.invoke(
        commands.simulate, days=plan.days, speed=plan.speed, start=first_day, seed=settings.seed, warn=False
    )
    # SP1 for a bad month once routes has judged it (its end and sync allowance passed), not while it may still lag
    step("Menunggu penilaian bulanan / waiting for the month to be judged (month end + sync allowance)")
    if not wait_until_judged(Kawal(), [plan.month], settings.issue_wait_seconds):
        say("  the month was not judged in time: no warning letters sent")
    for (what, outcome), n in warn_on_breaches(Kawal(), [plan.month]).items():
        say(f"  {what}: {outcome} x{n}")
    for module in ("report", "dispute"):  # wide tables, as the reader's terminal allows or wider
        shown = importlib.import_module(f"kawal.commands.{module}").console
        shown.width = max(shown.width, REPORT_COLUMNS)
    # the month's invoices are issued once the month and its sync allowance have passed on the demo's clock
    ctx.invoke(commands.report, months=(plan.month,), issue_wait=settings.issue_wait_seconds)
    # keberatan: the contractors dispute a few deductions of their issued invoices and the agency decides them
    ctx.invoke(commands.dispute, month=plan.month, seed=settings.seed)
    # one berita acara per issued invoice, with the objections and their decisions on it
    ctx.invoke(importlib.import_module("kawal.commands.invoice").berita_acara, month=plan.month, directory=here.run_dir)
    return simulation


def _stop_running(here: Demo) -> None:
    pid = here.pid()
    if pid is not None:
        step(
            f"Demo sebelumnya masih berjalan (pid {pid}): dihentikan dulu / the previous demo is still running: "
            "stopping it first"
        )
        instance.stop(here)


def _reset(here: Demo) -> None:
    began = time.monotonic()
    with console.status("Mengosongkan kota demo / resetting the demo city ..."):
        try:
            before = instance.city_size(here)
            names = instance.recreate_databases(here)
            instance.recreate_vhost(here)
        except DemoError as error:
            fail(str(error))
        # the vhost is new: its exchange, queues, policies and per-service users (passwords kept in the env file)
        os.environ.update(here.broker_env())
        from kawal.commands.events import declare_topology

        declare_topology(
            users=True, env_file=str(here.broker_env_file), user_prefix=here.user_prefix, say=lambda line: None
        )
        instance.remove_run_files(here)
    previous = (
        (
            "kota sebelumnya dihapus / the previous city dropped ("
            + ", ".join(f"{n:,} {what}" for what, n in before.items())
            + ")"
        )
        if before
        else "belum ada kota / no earlier city"
    )
    console.print(
        f"[bold]Kota demo direset[/]: {previous}; {', '.join(names)} dibuat ulang dan dimigrasi, vhost "
        f"{here.vhost} kosong / recreated, migrated, broker emptied ({time.monotonic() - began:.0f} s)",
        soft_wrap=True,
    )


def ready(service: str) -> bool:
    try:
        return requests.get(f"{config.service_url(service)}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _wait_ready(here: Demo, supervisor: subprocess.Popen, timeout: float) -> None:
    """Each service's /readyz; when the supervisor exits or the time is up: stop what runs, say where the log is."""
    began = time.monotonic()
    deadline = began + timeout
    pending = list(WEB)
    with console.status("Menunggu layanan siap / waiting for the services' /readyz ...") as spinner:
        while pending:
            if supervisor.poll() is not None:
                fail(
                    f"the supervisor exited with {supervisor.returncode}; see {here.log_file}:\n"
                    f"{instance.log_tail(here)}"
                )
            if time.monotonic() > deadline:
                instance.stop(here)
                fail(
                    f"{', '.join(pending)} not ready after {timeout:g} s (stopped); see {here.log_file}:\n"
                    f"{instance.log_tail(here)}"
                )
            pending = [service for service in pending if not ready(service)]
            spinner.update(f"Menunggu layanan siap / waiting for /readyz: {', '.join(pending)}")
            time.sleep(0.5)
    step(f"Layanan siap / services ready: {', '.join(WEB)} ({time.monotonic() - began:.0f} s)")


def _management_plugin() -> None:
    """The RabbitMQ management pages (best effort; skipped when already listening or not installed here)."""
    host = urlsplit(config.amqp_url()).hostname or "127.0.0.1"
    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex((host, 15672)) == 0 or not shutil.which("rabbitmq-plugins"):
            return
    done = subprocess.run(
        ["rabbitmq-plugins", "enable", "rabbitmq_management", "rabbitmq_prometheus"], capture_output=True, text=True
    )
    if done.returncode != 0:
        console.print("note: could not enable the RabbitMQ management plugin")


def _tour(here: Demo, plan: clockplan.DemoClock, simulation: Simulation, seconds: float) -> None:
    minutes, rest = divmod(int(seconds), 60)
    outcomes = simulation.tally.outcomes
    confirmed = sum(n for (kind, _, outcome), n in outcomes.items() if kind == "confirm" and outcome == "accepted")
    behind = sum(n for (_, _, outcome), n in outcomes.items() if outcome.startswith("skipped"))
    issued = len(list(here.run_dir.glob("berita-acara-*.pdf")))  # one per issued invoice (the reset removed older)
    say(
        f"\n[bold]{plan.month}[/]: {confirmed:,} konfirmasi diterima / confirmations accepted, {behind:,} dilewati / "
        f"skipped (simulator behind), {issued} tagihan terbit / invoices issued"
    )
    if behind:
        say(
            f"[yellow]The machine was too busy for a day every {86_400 / plan.speed:g} s: "
            f"`KAWAL_DEMO_DAY_SECONDS=30 make demo` gives each day more time.[/]"
        )
    say(
        f"[bold]Demo selesai dalam {minutes} m {rest:02d} s[/] / the demo took {minutes} m {rest:02d} s; "
        f"Kawal is running (the clock keeps running at x{plan.speed:g}; `make down` stops everything)."
    )
    for service in config.SERVICES:
        say(f"  {service + ' API docs':<20} {config.service_url(service)}/docs")
    say(f"  {'RabbitMQ management':<20} http://127.0.0.1:15672  (guest / guest; vhost {here.vhost})")
    say(f"  {'a token':<20} source {here.env_file}; {VENV_BIN / 'kawal'} token --role auditor")
    say(
        f"  {'berita acara':<20} {here.run_dir}/berita-acara-*.pdf "
        f"(check one: {VENV_BIN / 'kawal'} invoice verify FILE.pdf)"
    )
    say(f"  {'logs':<20} {here.log_file}")
    say(f"\nPortal accounts (demo passwords; `{VENV_BIN / 'kawal'} user add` adds real people):")
    from kawal.demo import accounts

    accounts.main()
