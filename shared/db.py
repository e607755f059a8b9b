"""SQLAlchemy engines and sessions per service, the unit of work, and the platform's own tables' metadata."""

from __future__ import annotations

import select
import uuid
from contextlib import contextmanager, nullcontext
from typing import Any, Iterator, Mapping, Sequence, cast

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


def rowcount(result: Result[Any]) -> int:
    """The rows an INSERT, UPDATE or DELETE touched. Session.execute returns a CursorResult for them, which has
    rowcount, but its signature says Result."""
    return cast(CursorResult[Any], result).rowcount


# The hot paths' few statements (a confirmation, an invoice draft) go straight to psycopg on the session's
# connection and transaction: no SQLAlchemy work per statement, and several statements in one round trip.
# A statement: psycopg's SQL (%(name)s parameters; raw_sql turns a text() statement into it) and its parameters.
Statement = tuple[str, Mapping[str, Any]]


def raw_sql(statement: TextClause) -> str:
    """A text() statement as psycopg takes it (`%(name)s` binds, `%` escaped); compiled once, where the statement
    is defined."""
    return str(statement.compile(dialect=_psycopg_dialect()))


def fetch(session: Session, sql: str, params: Mapping[str, Any]) -> list[Any]:
    """One statement in the session's transaction (begun if it was not yet), its rows as named tuples."""
    return pipeline(session, [(sql, params)], pipelined=False)[0]


def pipeline(
    session: Session, statements: Sequence[Statement], commit: bool = False, pipelined: bool = True
) -> list[list[Any]]:
    """Send statements to the server together, in one psycopg pipeline on the session's connection and in its
    transaction: one round trip (a transaction's BEGIN included) where each would have been its own. The server
    runs them in order, each a statement of its own (its own snapshot, after the locks the earlier ones took);
    returns each one's rows (named tuples; [] for a statement that returns none). The session's pending ORM writes
    are flushed first, as session.execute would.

    commit: the COMMIT goes with them (a unit of work's last writes and its end in one round trip); the unit of
    work's own commit then has nothing left to do, so this must be the session's last use.

    Errors are SQLAlchemy's, as for the session's own statements: a constraint is an IntegrityError, and a lost
    connection is invalidated with the rest of the pool (a restart or a termination took them all), so
    shared.errors answers 503 and the client's retry gets a fresh one."""
    session.flush()
    connection = session.connection()  # the session's transaction, begun if it was not yet
    raw = cast(psycopg.Connection, connection.connection.driver_connection)
    sent: Statement = ("", {})
    try:
        with raw.pipeline() if pipelined else nullcontext():
            cursors = []
            for sent in statements:
                cursor = raw.cursor(row_factory=namedtuple_row)
                cursor.execute(*sent)
                cursors.append(cursor)
            if commit:
                raw.execute("COMMIT", prepare=False)
        return [cursor.fetchall() if _has_rows(cursor) else [] for cursor in cursors]
    except psycopg.Error as error:
        lost = connection.dialect.is_disconnect(error, raw, None)  # type: ignore[arg-type]
        if lost:
            connection.invalidate(error)
            connection.engine.dispose()
        raise DBAPIError.instance(sent[0], sent[1], error, psycopg.Error, connection_invalidated=lost) from error


def _has_rows(cursor: psycopg.Cursor[Any]) -> bool:
    """Whether the statement returned rows (what cursor.description tells, without building its columns)."""
    return cursor.pgresult is not None and cursor.pgresult.status == psycopg.pq.ExecStatus.TUPLES_OK


def dispose_all() -> None:
    """Close and forget pooled connections (after fork, or between tests)."""
    for created in _engines.values():
        created.dispose()
    _engines.clear()
    _factories.clear()
