"""The platform tables live in their own frozen Alembic branch; every service depends on it, old databases included."""
from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import create_engine, text

from shared import migrations
from tests.support.databases import recreate, url_for

SUFFIX = os.environ.get("KAWAL_TEST_DB_SUFFIX", "test")
NEW_COLUMN = '''"""outbox.note: what the platform recipe in docs/DEVELOPING.md produces."""
from alembic import op
import sqlalchemy as sa

revision = 'platform_0003'
down_revision = 'platform_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('outbox', sa.Column('note', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('outbox', 'note')
'''


def _query(url: str, sql: str) -> list:
    engine = create_engine(url)
    with engine.begin() as connection:
        result = connection.execute(text(sql))
        rows = list(result) if result.returns_rows else []
    engine.dispose()
    return rows


@pytest.fixture
def database():
    name = f"kawal_contracts_{SUFFIX}_platform_branch"
    recreate(name)
    return url_for(name)


def _as_the_old_chain_left_it(url: str) -> None:
    """The first edition's state: platform tables made by the service's first revision, one row in alembic_version
    (the service's head), nothing about a platform branch; and an event still waiting in the outbox."""
    head = _query(url, "SELECT version_num FROM alembic_version WHERE version_num NOT LIKE 'platform%'")[0][0]
    _query(url, f"DELETE FROM alembic_version; INSERT INTO alembic_version VALUES ('{head}')")
    _query(url, "INSERT INTO outbox (id, type, envelope, created_at) "
                "VALUES (gen_random_uuid(), 'contracts.contract.activated', '{}', now())")


def test_a_fresh_database_gets_the_platform_tables_from_the_platform_branch(database):
    migrations.upgrade("contracts", database)
    tables = {row[0] for row in _query(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"outbox", "inbox", "audit_log", "contracts"} <= tables
    migrations.upgrade("contracts", database)  # a second upgrade finds nothing to do
    assert _query(database, "SELECT count(*) FROM outbox")[0][0] == 0


def test_a_database_made_by_the_old_chain_upgrades_cleanly_and_keeps_its_rows(database):
    migrations.upgrade("contracts", database)
    _as_the_old_chain_left_it(database)
    migrations.upgrade("contracts", database)
    assert _query(database, "SELECT type FROM outbox") == [("contracts.contract.activated",)]


def test_a_new_platform_column_is_one_revision_and_reaches_an_old_database(database, tmp_path, monkeypatch):
    migrations.upgrade("contracts", database)
    _as_the_old_chain_left_it(database)
    platform = tmp_path / "platform_migrations"
    shutil.copytree(migrations.PLATFORM_VERSIONS, platform, ignore=shutil.ignore_patterns("__pycache__"))
    (platform / "platform_0003_outbox_note.py").write_text(NEW_COLUMN)
    monkeypatch.setattr(migrations, "PLATFORM_VERSIONS", str(platform))

    migrations.upgrade("contracts", database)

    columns = {row[0] for row in _query(database, "SELECT column_name FROM information_schema.columns "
                                                  "WHERE table_name = 'outbox'")}
    assert "note" in columns
    assert _query(database, "SELECT type FROM outbox") == [("contracts.contract.activated",)]
    assert ("platform_0003",) in _query(database, "SELECT version_num FROM alembic_version")
