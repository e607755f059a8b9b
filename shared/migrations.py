"""The body of every service's Alembic env.py: migrate the platform branch (shared/platform_migrations) and the
service's own revisions."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import MetaData, create_engine, pool

from shared import audit, config, inbox, outbox  # noqa: F401  (define the platform tables)
from shared.db import platform_metadata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


PLATFORM_VERSIONS = os.path.join(ROOT, "shared", "platform_migrations")


def version_locations(service: str) -> list[str]:
    """A service's own revisions and the platform branch they depend on (alembic.ini says the same)."""
    return [os.path.join(ROOT, "services", service, "migrations", "versions"), PLATFORM_VERSIONS]


def upgrade(service: str, url: str) -> None:
    """Migrate a service's database at url to head (`kawal db upgrade`, test and bench set-up)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(os.path.join(ROOT, "alembic.ini"), ini_section=service)
    cfg.set_main_option("script_location", os.path.join(ROOT, "services", service, "migrations"))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(version_locations(service)))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "heads")  # the service's head and the platform branch's
    # after every migration: audit_log append-only, the application role granted on every table (new ones too)
    from shared import audit_heads

    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        audit_heads.protect(connection, service)
    engine.dispose()


def run(service: str, service_metadata: MetaData) -> None:
    url = context.config.get_main_option("sqlalchemy.url") or config.migration_database_url(service)
    targets = [platform_metadata, service_metadata]
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=targets, literal_binds=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=targets, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
