"""`kawal supervise`: every Procfile process on its own, restarted when it dies (what `make up` runs)."""

from __future__ import annotations

import click

from kawal import supervisor


@click.command()
@click.option("--procfile", "-f", default="Procfile", show_default=True, type=click.Path(exists=True))
@click.option("--only", multiple=True, help="Run only these Procfile names (repeatable).")
@click.option(
    "--state",
    default=".run/supervisor.json",
    show_default=True,
    help="Where the pid, starts and last exit of every process are kept.",
)
def supervise(procfile: str, only: tuple[str, ...], state: str) -> None:
    """Run the Procfile's processes, each restarted on exit (1 s back-off, up to 10 s); Ctrl-C stops all."""
    entries = supervisor.read_procfile(procfile)
    unknown = set(only) - set(entries)
    if unknown:
        raise click.UsageError(f"not in {procfile}: {', '.join(sorted(unknown))}")
    if only:
        entries = {name: command for name, command in entries.items() if name in only}
    supervisor.Supervisor(entries, state).run()
