"""The demo's portal accounts: the agency, an auditor, and one crew account per contractor (`kawal seed`, `make demo`).

`python -m kawal.demo.accounts` prints them with the portal's address."""

from __future__ import annotations

from dataclasses import dataclass

from shared import config, db

# Demo only: printed by `make demo`; a real city adds its people with `kawal user add` (prompted passwords).
DEMO_PASSWORD = "kawal-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    contractor_id: str | None = None


def demo_accounts(contractors: dict[str, str]) -> list[DemoAccount]:
    """contractors: name -> id, in the city's order; crew accounts are kru1, kru2, ... in that order."""
    accounts = [
        DemoAccount("dinas", "dinas", "PPK Dinas Lingkungan Hidup dan Kebersihan"),
        DemoAccount("auditor", "auditor", "Auditor Inspektorat"),
    ]
    for number, (name, contractor_id) in enumerate(contractors.items(), start=1):
        accounts.append(DemoAccount(f"kru{number}", "contractor", f"Kru {name}", contractor_id))
    return accounts


def ensure(contractors: dict[str, str], password: str = DEMO_PASSWORD) -> dict[str, bool]:
    """Create the demo accounts that do not exist yet; username -> created (False: it existed)."""
    from sqlalchemy import select

    from services.portal import accounts as portal_accounts
    from services.portal.models import User

    outcome, shared_hash = {}, None
    with db.unit_of_work(config.database_url(config.PORTAL)) as session:
        existing = set(session.execute(select(User.username)).scalars())
        for account in demo_accounts(contractors):
            outcome[account.username] = account.username not in existing
            if account.username not in existing:
                # one argon2 hash for the one demo password (a hash costs a second on a busy machine)
                shared_hash = shared_hash or portal_accounts.hash_password(password)
                portal_accounts.add_user(
                    session,
                    account.username,
                    password,
                    account.role,
                    account.display_name,
                    account.contractor_id,
                    password_hash=shared_hash,
                )
    return outcome


def main() -> None:
    from services.portal import accounts as portal_accounts

    with db.unit_of_work(config.database_url(config.PORTAL)) as session:
        users = [u for u in portal_accounts.list_users(session) if not u.disabled]
    print(
        f"  portal (pages)      {config.service_url(config.PORTAL)}/   crew app: {config.service_url(config.PORTAL)}/kru"
    )
    for user in users:
        print(f"    {user.username:<10} {DEMO_PASSWORD:<16} {user.role:<10} {user.display_name}")


if __name__ == "__main__":
    main()
