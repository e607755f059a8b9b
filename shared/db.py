"""SQLAlchemy engines and sessions per service, the unit of work, and the platform's own tables' metadata."""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The outbox, inbox and audit log live in every service's own database.
platform_metadata = MetaData(naming_convention=NAMING)


class ServiceBase(DeclarativeBase):
    """Each service subclasses this once (with its own MetaData) for its models."""

    __abstract__ = True


def service_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING)


@lru_cache(maxsize=None)
def engine(url: str, pool_size: int = 5) -> Engine:
    return create_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True, future=True)


@lru_cache(maxsize=None)
def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=engine(url), expire_on_commit=False, future=True)


@contextmanager
def unit_of_work(url: str) -> Iterator[Session]:
    """One transaction: commits when the block ends, rolls back when it raises."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_all() -> None:
    """Forget pooled connections (after fork, or between tests)."""
    for cached in (engine, session_factory):
        cached.cache_clear()
