"""Operator commands: development tokens, database migration, audit chain verification."""

from __future__ import annotations

import click
import psycopg
from rich.console import Console
from rich.table import Table

from shared import audit as audit_log
from shared import auth, config, migrations
from shared import db as shared_db

console = Console()


@click.command()
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option("--contractor-id", default=None, help="Required for --role contractor.")
@click.option("--sub", default=None, help="Subject (user id); defaults to dev-<role>.")
@click.option("--ttl-hours", default=12, show_default=True)
def token(role: str, contractor_id: str | None, sub: str | None, ttl_hours: int) -> None:
    """Mint a development token signed with KAWAL_JWT_SECRET."""
    if role == "contractor" and not contractor_id:
        raise click.UsageError("--contractor-id is required for a contractor token")
    click.echo(auth.mint(role, sub=sub, contractor_id=contractor_id, ttl_seconds=ttl_hours * 3600))


@click.group()
def db() -> None:
    """Create and migrate every service's database."""


@db.command("upgrade")
@click.option("--service", "services", multiple=True, type=click.Choice(config.DATABASES))
def db_upgrade(services: tuple[str, ...]) -> None:
    """Create each service's database if missing, then migrate it to head."""
    from sqlalchemy.engine import make_url

    for service in services or config.DATABASES:
        url = make_url(config.migration_database_url(service))
        admin = url.set(database="postgres", drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{url.database}"')
                console.print(f"created database [bold]{url.database}[/]")
        migrations.upgrade(service, url.render_as_string(hide_password=False))
        console.print(f"{service}: migrated to head")


@click.group()
def audit() -> None:
    """The hash-chained audit log of writes."""


@audit.command("verify")
@click.option("--service", "services", multiple=True, type=click.Choice(config.DATABASES))
def audit_verify(services: tuple[str, ...]) -> None:
    """Walk each service's audit chain and compare it with the heads the broker kept; exit 1 when altered."""
    from shared import audit_heads

    table = Table(title="Audit log / Jejak audit")
    for column in ("service", "entries", "verdict", "published heads"):
        table.add_column(column)
    try:
        heads = audit_heads.published_heads(config.amqp_url())
    except Exception as error:  # noqa: BLE001 - the chain is still checked; say the heads were not
        heads = None
        console.print(f"[yellow]published heads unavailable ({error}); chains checked alone[/]")
    broken, notes = False, []
    for service in services or config.SERVICES:
        with shared_db.unit_of_work(config.database_url(service)) as session:
            verdict = audit_log.verify(session)
            theirs = [h for h in heads or [] if h["service"] == service]
            rewritten = audit_heads.mismatches(session, theirs)
        broken |= not verdict.intact or bool(rewritten)
        if heads is None:
            compared = "-"
        elif rewritten:
            compared = f"[red]REWRITTEN at seq {rewritten[0]}[/]"
            notes.append(
                f"{service}: the published head at seq {rewritten[0]} no longer matches the table: "
                "history was rewritten / riwayat telah diubah"
            )
        else:
            compared = f"{len(theirs)} match / cocok"
        table.add_row(
            service,
            str(verdict.entries),
            "[green]intact / utuh[/]" if verdict.intact else f"[red]BROKEN at seq {verdict.broken_at}[/]",
            compared,
        )
    console.print(table)
    for note in notes:
        console.print(note, soft_wrap=True)
    if broken:
        raise SystemExit(1)
