"""Test databases: a fresh, migrated PostgreSQL database per service for a test session, emptied between tests."""
from __future__ import annotations

import os

import psycopg
from sqlalchemy import create_engine, text

from shared import migrations

ADMIN_DSN = os.environ.get("KAWAL_TEST_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def url_for(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def app_url(url: str, service: str) -> str:
    """The same database as the service's application role (kawal_<service>_app, granted by the migrations)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=f"kawal_{service}_app").render_as_string(hide_password=False)


def recreate(name: str) -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def migrate(service: str, url: str) -> None:
    migrations.upgrade(service, url)


def fresh_service_database(service: str, suffix: str = "test") -> str:
    """Drop, create and migrate kawal_<service>_<suffix>; returns its URL."""
    name = f"kawal_{service}_{suffix}"
    recreate(name)
    url = url_for(name)
    migrate(service, url)
    return url


def truncate_all(url: str) -> None:
    """Empty every table but Alembic's, restarting identities (fast between tests)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )).scalars().all()
        if tables:
            # audit_log refuses TRUNCATE (a trigger, shared.audit_heads); a test's reset is not a rewrite of history
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
