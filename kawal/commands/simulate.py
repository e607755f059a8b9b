"""`kawal simulate`: contractors, weighbridge and residents acting on the shared clock for N days, via the APIs."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime, timedelta

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kawal.demo.behaviour import Rates
from kawal.demo.client import Kawal
from kawal.demo.simulator import Simulation, warn_on_breaches
from shared import clock, config

console = Console()
TUNABLE = [f for f in fields(Rates) if f.type in ("float", "int")]


def rate_options(command):
    """One --option per rate of the Rates dataclass, so the defaults are stated once."""
    for f in reversed(TUNABLE):
        command = click.option(
            f"--{f.name.replace('_', '-')}",
            f.name,
            type=float if f.type == "float" else int,
            default=None,
            help=f"{f.metadata.get('help', '')} [default {f.default}]",
        )(command)
    return command


def rates_table(rates: Rates) -> Table:
    table = Table(title="Simulation rates / Tingkat perilaku")
    table.add_column("rate")
    table.add_column("value", justify="right")
    table.add_column("meaning / arti")
    for name, value, meaning in rates.describe():
        table.add_row(name, value, meaning)
    return table


def summary_table(simulation: Simulation) -> Table:
    table = Table(title="Simulation summary / Ringkasan simulasi")
    for column in ("action", "intended / rencana", "answer / jawaban", "count"):
        table.add_column(column, justify="right" if column == "count" else "left")
    for (kind, label, outcome), n in sorted(simulation.tally.outcomes.items()):
        table.add_row(kind, label, outcome, str(n))
    return table


@click.command()
@click.option("--days", default=30, show_default=True, help="Simulated WIB days.")
@click.option(
    "--speed",
    type=float,
    default=None,
    help="Clock speed the services run at (KAWAL_CLOCK_SPEED); a different value is refused.",
)
@click.option("--seed", "seed", default=7, show_default=True, help="Seed of every draw: same seed, same run.")
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First simulated day (default: the next whole day on the shared clock, not before the contracts).",
)
@click.option("--threads", default=8, show_default=True)
@click.option("--warn/--no-warn", default=True, show_default=True, help="Issue SP1 for months with breaches.")
@click.option(
    "--missed",
    type=float,
    default=None,
    help="pickups never confirmed; sets --on-time to what the other rates leave [default 0.015]",
)
@rate_options
def simulate(
    days: int,
    speed: float | None,
    seed: int,
    start: datetime | None,
    threads: int,
    warn: bool,
    missed: float | None,
    **overrides,
) -> Simulation:
    """Confirmations, weighings, complaints and resolutions drawn from stated rates, sent on the shared clock."""
    configured = config.clock().speed
    if speed is not None and abs(speed - configured) > 1e-9:
        raise click.UsageError(
            f"the services' clock runs at KAWAL_CLOCK_SPEED={configured:g}; every process must "
            f"share one clock, so restart them with KAWAL_CLOCK_SPEED={speed:g} "
            f"(`kawal demo start` does this)"
        )
    rates = replace(Rates(), **{k: v for k, v in overrides.items() if v is not None})
    if missed is not None:
        rates = rates.with_missed(missed)
    console.print(rates_table(rates))
    console.print(f"clock: {clock.to_wib(clock.now()):%Y-%m-%d %H:%M} WIB, speed x{configured:g}; seed {seed}")
    with Progress(
        TextColumn("[bold]Simulating / Simulasi[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("", total=days)
        planned = []

        def on_day(day):
            if planned:
                progress.advance(task)
            planned.append(day)
            progress.update(task, description=str(day))

        simulation = Simulation(
            Kawal(), rates, days, seed, threads=threads, start=start.date() if start else None, on_day=on_day
        )
        simulation.run()
        progress.update(task, completed=days)
    console.print(summary_table(simulation))
    lags = sorted(simulation.tally.lag_seconds) or [0.0]
    console.print(
        f"sent {len(lags)} calls; send lag behind plan (simulated): median "
        f"{lags[len(lags) // 2] / 60:.0f} min, p95 {lags[int(len(lags) * 0.95)] / 60:.0f} min; "
        f"refusals {simulation.tally.refusals() or 'none'}; not sent (after the run): {simulation.unsent()}"
    )
    if warn:
        months = sorted({clock.month_of(simulation.first + timedelta(days=i)) for i in range(days)})
        for (what, outcome), n in warn_on_breaches(Kawal(), months).items():
            console.print(f"{what}: {outcome} x{n}")
    return simulation  # for `kawal demo start` (ctx.invoke); the command line ignores it
