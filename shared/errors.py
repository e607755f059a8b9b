"""The one error shape every API answers with: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from marshmallow import Schema, fields
from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"description": "stable, machine-readable"})
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields",
        attribute="fields",
        required=True,
        metadata={"description": "field name -> what is wrong with it"},
    )


class ErrorSchema(Schema):
    """What every error response carries (documented in the OpenAPI documents as every operation's default)."""

    error = fields.Nested(ErrorDetail, required=True)


class ApiError(Exception):
    """A refusal with its HTTP status, a stable code, and the fields at fault."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found.")


def conflict(code: str, message: str, fields: dict[str, Any] | None = None) -> ApiError:
    return ApiError(409, code, message, fields)


def invalid(code: str, message: str, fields: dict[str, Any] | None = None) -> ApiError:
    return ApiError(422, code, message, fields)


def body(status: int, code: str, message: str, fields: dict[str, Any] | None = None):
    return jsonify({"error": {"code": code, "message": message, "fields": fields or {}}}), status


RETRY_AFTER_SECONDS = 1


def transient(error: BaseException) -> bool:
    """A database failure that says nothing about the request and passes by itself: the connection was lost (a
    restart, a terminated backend, the server unreachable), the pool had nothing free, or PostgreSQL asked for
    the transaction to be retried (a serialization failure, a deadlock are OperationalErrors too)."""
    if isinstance(error, (OperationalError, DisconnectionError, PoolTimeout)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _flatten_smorest_errors(messages: Any) -> dict[str, Any]:
    """flask-smorest nests errors by location (json, query, headers); the fields matter, not where."""
    if not isinstance(messages, dict):
        return {"_schema": messages}
    flat: dict[str, Any] = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            flat.update(errors)
        else:
            flat[location] = errors
    return flat


# an HTTPException's status (None for one raised without a code) -> the body's code
_HTTP_ERROR_CODES: dict[int | None, str] = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    431: "headers_too_large",
    422: "invalid",
    409: "conflict",
    412: "precondition_failed",
    428: "precondition_required",
}


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return body(error.status, error.code, error.message, error.fields)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        data = getattr(error, "data", None) or {}
        fields = _flatten_smorest_errors(data.get("messages", {})) if data else {}
        code = _HTTP_ERROR_CODES.get(error.code, "http_error")
        message = "The request is invalid; see fields." if fields else (error.description or error.name)
        return body(error.code or 500, code, message, fields)

    @app.errorhandler(DataError)
    def _data_error(error: DataError):
        # the database refused a value (out of its type's range, too long): the input's fault, never a 500;
        # schemas bound their fields (shared.fields), this is the net under what they miss
        app.logger.warning("database refused a value: %s", getattr(error, "orig", error))
        return body(422, "invalid", "A value is out of range or too long.")

    @app.errorhandler(DBAPIError)
    @app.errorhandler(DisconnectionError)
    @app.errorhandler(PoolTimeout)
    def _database_error(error: Exception):
        if not transient(error):
            return _unexpected(error)
        # nothing was committed (or, if the commit itself was cut, a retry with the same Idempotency-Key gets
        # the first answer): the client may simply try again
        app.logger.warning("database unavailable, answered 503: %s", getattr(error, "orig", None) or error)
        response, status = body(503, "unavailable", "The database is briefly unavailable; try again.")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return body(500, "internal_error", "Something went wrong on our side; it has been logged.")
