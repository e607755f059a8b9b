"""`kawal seed`: the reference city (or a small one) through the services' APIs, idempotently."""

from __future__ import annotations

from datetime import date, datetime

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kawal.demo import accounts as demo_accounts
from kawal.demo.city import build_city
from kawal.demo.client import Kawal
from kawal.demo.seeder import Seeder
from shared import clock

console = Console()


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def end_of_month(day: date) -> date:
    _, following = clock.month_bounds(clock.month_of(day))
    return date.fromordinal(following.toordinal() - 1)


@click.command()
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First day of the contracts (default: the first day of the current WIB month).",
)
@click.option(
    "--schedule-to",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Last day to schedule pickups for (default: the end of the start month).",
)
@click.option("--small", is_flag=True, help="One kawasan, two vehicles, a dozen points (tests).")
@click.option("--seed", "seed", default=2025, show_default=True, help="Seed of the city's layout.")
def seed(start: datetime | None, schedule_to: datetime | None, small: bool, seed: int) -> None:
    """Seed contractors, contracts, points, vehicles and routes, activate contracts and schedule pickups."""
    start_day = start.date() if start else first_of_month(clock.today_wib())
    last_day = schedule_to.date() if schedule_to else end_of_month(start_day)
    city = build_city(start_day, seed=seed, small=small)
    with Progress(
        TextColumn("[bold]Seeding / Menyiapkan data"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("seed", total=None)
        seeder = Seeder(Kawal(), city, schedule_to=last_day, advance=lambda n: progress.advance(task, n))
        progress.update(task, total=seeder.steps)
        result = seeder.run()
    table = Table(title=f"Seed / Data awal ({start_day} .. {last_day})")
    for column in ("resource", "created / dibuat", "existing / sudah ada"):
        table.add_column(column)
    for kind in ("contractor", "contract", "activation", "point", "vehicle", "route"):
        table.add_row(kind, str(result.created.get(kind, 0)), str(result.existing.get(kind, 0)))
    table.add_row("pickups scheduled / jadwal baru", str(result.pickups_scheduled), "")
    console.print(table)
    contractors = {firm.name: result.ids["contractor"][firm.npwp] for firm in city.contractors}
    created = demo_accounts.ensure(contractors)
    people = Table(title="Portal accounts / Akun portal (demo)")
    for column in ("username", "password", "role", "new / baru"):
        people.add_column(column)
    for account in demo_accounts.demo_accounts(contractors):
        people.add_row(
            account.username, demo_accounts.DEMO_PASSWORD, account.role, "yes" if created[account.username] else "no"
        )
    console.print(people)
