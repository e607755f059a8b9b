"""The body of every service's Alembic env.py: migrate the platform tables and the service's own."""
from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql
from sqlalchemy import MetaData, create_engine, pool

from shared import config
from shared import audit, inbox, outbox  # noqa: F401  (define the platform tables)
from shared.db import platform_metadata


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def upgrade(service: str, url: str) -> None:
    """Migrate a service's database at url to head (`kawal db upgrade`, test and bench set-up)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(os.path.join(ROOT, "alembic.ini"), ini_section=service)
    cfg.set_main_option("script_location", os.path.join(ROOT, "services", service, "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "head")
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


def create_platform_tables() -> None:
    """The platform's tables (outbox, inbox, audit_log) in a service's first migration; one definition for all."""
    op.create_table('audit_log',
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('object_type', sa.String(length=60), nullable=False),
    sa.Column('object_id', sa.String(length=80), nullable=False),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_log'))
    )
    op.create_table('inbox',
    sa.Column('event_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('type', sa.String(length=120), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_inbox'))
    )
    op.create_table('outbox',
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('type', sa.String(length=120), nullable=False),
    sa.Column('envelope', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_outbox')),
    sa.UniqueConstraint('id', name=op.f('uq_outbox_id'))
    )
    op.create_index('ix_outbox_unsent', 'outbox', ['seq'], unique=False, postgresql_where=sa.text('sent_at IS NULL'))


def drop_platform_tables() -> None:
    op.drop_index('ix_outbox_unsent', table_name='outbox', postgresql_where=sa.text('sent_at IS NULL'))
    op.drop_table('outbox')
    op.drop_table('inbox')
    op.drop_table('audit_log')
