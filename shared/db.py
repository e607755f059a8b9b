"""SQLAlchemy engines and sessions per service, the unit of work, and the platform's own tables' metadata."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import DateTime, MetaData, create_engine
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The outbox, inbox and audit log live in every service's own database.
platform_metadata = MetaData(naming_convention=NAMING)


# Column types every service's models use: ids are uuids handled as strings, instants are UTC-aware.
Id = UUID(as_uuid=False)
Instant = DateTime(timezone=True)


def new_id() -> str:
    return str(uuid.uuid4())


def service_metadata() -> MetaData:
    """Each service declares `class Base(DeclarativeBase): metadata = service_metadata()` once: a registry of its
    own, so two services' models of the same name (every service has a Contract) never resolve to each other."""
    return MetaData(naming_convention=NAMING)


_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}


def engine(url: str) -> Engine:
    """One pooled engine per database URL per process."""
    if url not in _engines:
        _engines[url] = create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)
    return _engines[url]


def session_factory(url: str) -> sessionmaker[Session]:
    if url not in _factories:
        _factories[url] = sessionmaker(bind=engine(url), expire_on_commit=False)
    return _factories[url]


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
    """Close and forget pooled connections (after fork, or between tests)."""
    for created in _engines.values():
        created.dispose()
    _engines.clear()
    _factories.clear()
