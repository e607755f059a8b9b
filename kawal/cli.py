"""`kawal`: the one command-line tool (tokens, databases, seed, simulate, report, parked events, audit)."""
from __future__ import annotations

import click

from kawal import commands


@click.group()
def main() -> None:
    """Kawal: evidence-based waste-collection contracts."""


for command in commands.ALL:
    main.add_command(command)
