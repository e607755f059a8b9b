"""A database failure that passes by itself (lost connection, pool exhausted, serialization failure) answers 503 with
Retry-After, so a client retries it with the same Idempotency-Key; any other database error stays a logged 500 and a
refused value a 422."""
import psycopg
import pytest
from flask import Flask
from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared import errors


def _answer(error: Exception):
    app = Flask("t")
    errors.register(app)

    @app.get("/boom")
    def boom():
        raise error

    return app.test_client().get("/boom")


@pytest.mark.parametrize("error", [
    OperationalError("SELECT 1", {}, psycopg.OperationalError("server closed the connection unexpectedly")),
    DBAPIError("SELECT 1", {}, psycopg.InterfaceError("the connection is lost"), connection_invalidated=True),
    DisconnectionError("the server closed this pooled connection"),
    PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
], ids=["operational", "invalidated", "disconnection", "pool_timeout"])
def test_a_transient_database_failure_is_503_with_retry_after(error):
    response = _answer(error)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    assert response.get_json()["error"]["code"] == "unavailable"


def test_any_other_database_error_stays_a_500():
    response = _answer(IntegrityError("INSERT", {}, psycopg.IntegrityError("duplicate key")))
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert response.get_json()["error"]["code"] == "internal_error"


def test_a_refused_value_stays_a_422():
    response = _answer(DataError("INSERT", {}, psycopg.DataError("value too long")))
    assert response.status_code == 422
