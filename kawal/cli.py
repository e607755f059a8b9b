"""`kawal`: the one command-line tool (tokens, databases, seed, simulate, report, parked events, audit)."""
from __future__ import annotations

import click

from kawal import commands


@click.group()
def main() -> None:
    """Kawal: evidence-based waste-collection contracts."""


for command in commands.ALL:
    main.add_command(command)


def run() -> None:
    """The console entry point: a missing or unsafe setting is one line naming the variable, not a traceback."""
    from shared.config import ConfigError

    try:
        main(standalone_mode=True)
    except ConfigError as error:
        raise SystemExit(f"kawal: {error}")
