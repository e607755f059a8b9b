"""`kawal user add|list|disable|enable`: the portal's built-in accounts (a small city's sign-in)."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from services.portal import accounts
from shared import auth, clock, config, db

console = Console()


def _unit_of_work():
    return db.unit_of_work(config.database_url(config.PORTAL))


@click.group()
def user() -> None:
    """Portal accounts (passwords hashed with argon2id)."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option("--contractor-id", default=None, help="Required for --role contractor: the contractor they work for.")
@click.option("--name", "display_name", default=None, help="Name shown on the pages.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted when omitted (keeps it out of the shell's history).",
)
def add(username: str, role: str, contractor_id: str | None, display_name: str | None, password: str) -> None:
    """Add an account."""
    try:
        with _unit_of_work() as session:
            created = accounts.add_user(session, username, password, role, display_name, contractor_id)
    except accounts.AccountError as error:
        raise click.ClickException(str(error))
    console.print(f"added [bold]{created.username}[/] ({created.role})")


@user.command("list")
def list_() -> None:
    """Every account, with its role and state."""
    table = Table(title="Akun portal / Portal accounts")
    for column in ("username", "name", "role", "contractor", "state", "last sign-in"):
        table.add_column(column)
    with _unit_of_work() as session:
        for row in accounts.list_users(session):
            state = (
                "disabled"
                if row.disabled
                else ("locked" if row.locked_until and accounts.is_locked(row.locked_until, clock.now()) else "active")
            )
            table.add_row(
                row.username,
                row.display_name,
                row.role,
                row.contractor_id or "",
                state,
                row.last_sign_in_at.isoformat(timespec="seconds") if row.last_sign_in_at else "",
            )
    console.print(table)


@user.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable an account and end its sessions."""
    _set(username, True)


@user.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Enable a disabled account again."""
    _set(username, False)


def _set(username: str, disabled: bool) -> None:
    try:
        with _unit_of_work() as session:
            accounts.set_disabled(session, username, disabled)
    except accounts.AccountError as error:
        raise click.ClickException(str(error))
    console.print(f"{username}: {'disabled' if disabled else 'enabled'}")
