"""`kawal dispute`: the simulated contractors object to a few deductions of a month's issued invoices; the agency
decides each (the demo runs it after issuing)."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from kawal.demo import disputes
from kawal.demo.client import Kawal

console = Console()
KINDS = {
    "missed_pickup": "Tidak diangkut / missed pickup",
    "complaint_day": "Hari pengaduan / complaint day",
    "shortfall_day": "Hari kurang tonase / shortfall day",
}
OUTCOMES = {
    "accepted": "[green]diterima / accepted[/]",
    "rejected": "[red]ditolak / rejected[/]",
    "open": "belum diputus / open",
}


@click.command()
@click.option("--month", required=True, help="YYYY-MM: the month whose issued invoices are disputed.")
@click.option("--seed", default=7, show_default=True)
@click.option("--per-invoice", default=3, show_default=True, help="Evidence items each contractor disputes.")
@click.option("--accept-ratio", default=0.5, show_default=True, help="Share the agency accepts.")
def dispute(month: str, seed: int, per_invoice: int, accept_ratio: float) -> None:
    """Keberatan: contractors object to deductions of their issued invoices; the agency accepts or rejects."""
    found = disputes.simulate(Kawal(), month, seed=seed, per_invoice=per_invoice, accept_ratio=accept_ratio)
    table = Table(title=f"Keberatan / Objections {month} (accepted ones are credited on the next draft)")
    for column in ("Kontrak / Contract", "Bukti / Evidence", "Ref", "Keputusan / Decision"):
        table.add_column(column)
    for item in found:
        table.add_row(item.number, KINDS.get(item.kind, item.kind), item.ref, OUTCOMES.get(item.outcome, item.outcome))
    console.print(table if found else f"No deductions to dispute in {month}.")
