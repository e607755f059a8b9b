"""SQLAlchemy engines and sessions per service, the unit of work, and the platform's own tables' metadata."""

from __future__ import annotations

import select
import uuid
from contextlib import contextmanager, nullcontext
from typing import Any, Iterator, cast

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import CursorResult, DateTime, MetaData, Result, TextClause, create_engine, event
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql.psycopg import dialect as _psycopg_dialect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
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
    """One pooled engine per database URL per process.

    No pre-ping (a round trip before every transaction, a sixth of a confirmation's database time): a checkout
    only looks whether the server has closed the idle connection (`_closed_by_server`, no round trip), which is
    what a PostgreSQL restart or pg_terminate_backend does, and the pool then hands out a fresh one. A connection
    that dies in use (or between that look and its first statement) fails its statement: SQLAlchemy marks the
    whole pool stale, and the API answers 503 with Retry-After (shared.errors), which a client retries with the
    same Idempotency-Key."""
    if url not in _engines:
        created = create_engine(url, pool_size=5, max_overflow=10)
        event.listen(created, "checkout", _refuse_closed_connection)
        _engines[url] = created
    return _engines[url]


def _closed_by_server(dbapi_connection: Any) -> bool:
    """An idle connection has nothing to read: readable means the server said goodbye (FATAL 57P01 on restart or
    termination) or closed the socket. A zero-timeout poll, no round trip."""
    try:
        fd = dbapi_connection.fileno()
    except Exception:  # psycopg raises when the connection is already closed
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def _refuse_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    if _closed_by_server(dbapi_connection):
        # documented pool behaviour: the checkout discards this connection and tries a fresh one
        raise DisconnectionError("the server closed this pooled connection")


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


def raw_sql(statement: TextClause) -> str:
    """A text() statement as psycopg takes it (`%(name)s` binds, `%` escaped), for Statements.execute; compiled
    once, where the statement is defined."""
    return str(statement.compile(dialect=_psycopg_dialect()))


class Statements:
    """psycopg statements on the session's transaction (shared.db.statements, shared.db.pipeline), for the hot
    path's few statements (raw_sql): no SQLAlchemy work per statement. Rows are named tuples, values as psycopg
    gives them (what a text() statement through the session gives too)."""

    def __init__(self, cursor: psycopg.Cursor):
        self._cursor = cursor
        self.statement: str | None = None  # the last one sent, for the error
        self.params: dict[str, Any] | None = None

    def execute(self, sql: str, params: dict[str, Any]) -> Statements:
        self.statement, self.params = sql, params
        self._cursor.execute(sql, params)
        return self

    def fetchone(self) -> Any:
        return self._cursor.fetchone()


@contextmanager
def statements(session: Session) -> Iterator[Statements]:
    """Statements in the session's transaction (begun if it was not yet), each its own round trip; the ORM's
    pending writes go first, as session.execute would send them. Errors are SQLAlchemy's, as for the session's own
    statements: a lost connection is invalidated (and shared.errors answers 503), a constraint is an
    IntegrityError."""
    with _raw(session, pipelined=False) as sent:
        yield sent


@contextmanager
def pipeline(session: Session, commit: bool = False) -> Iterator[Statements]:
    """Statements sent to the server together (a psycopg pipeline): one round trip for all of them when the
    transaction has begun (psycopg waits for a BEGIN of its own first), the server running them in order. Results
    are read after the block (fetching one inside it waits, and the block's end waits again).

    commit: the block ends the transaction, its COMMIT sent with its statements (the unit of work's last writes and
    its commit in one round trip). The unit of work's own commit then has nothing left to do (psycopg reads the
    transaction's end from the server); this must be the session's last use."""
    with _raw(session, pipelined=True, commit=commit) as sent:
        yield sent


@contextmanager
def _raw(session: Session, pipelined: bool, commit: bool = False) -> Iterator[Statements]:
    session.flush()
    connection = session.connection()
    raw = cast(psycopg.Connection, connection.connection.driver_connection)
    sent = None
    try:
        with raw.pipeline() if pipelined else nullcontext(), raw.cursor(row_factory=namedtuple_row) as cursor:
            sent = Statements(cursor)
            yield sent
            if commit:
                cursor.execute("COMMIT", prepare=False)
    except psycopg.Error as error:
        lost = connection.dialect.is_disconnect(error, raw, None)  # type: ignore[arg-type]
        if lost:
            # what SQLAlchemy does when its own statement finds the connection lost: this one discarded, and the
            # pool's others too (a restart or a termination took them all), so the client's retry gets a fresh one
            connection.invalidate(error)
            connection.engine.dispose()
        statement, params = (sent.statement, sent.params) if sent is not None else (None, None)
        raise DBAPIError.instance(statement, params, error, psycopg.Error, connection_invalidated=lost) from error


def rowcount(result: Result[Any]) -> int:
    """The rows an INSERT, UPDATE or DELETE touched. Session.execute returns a CursorResult for them, which has
    rowcount, but its signature says Result."""
    return cast(CursorResult[Any], result).rowcount


def dispose_all() -> None:
    """Close and forget pooled connections (after fork, or between tests)."""
    for created in _engines.values():
        created.dispose()
    _engines.clear()
    _factories.clear()
