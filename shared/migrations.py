"""The body of every service's Alembic env.py: migrate the platform tables and the service's own."""
from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData, create_engine, pool

from shared import config
from shared import audit, inbox, outbox  # noqa: F401  (define the platform tables)
from shared.db import platform_metadata


def run(service: str, service_metadata: MetaData) -> None:
    url = context.config.get_main_option("sqlalchemy.url") or config.database_url(service)
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
