"""The Flask app every service builds on: OpenAPI, errors, auth scheme, metrics, health, one transaction per call."""

from __future__ import annotations

import decimal
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Iterable, Iterator

import flask_smorest
import marshmallow as ma
from flask import Flask, Response, current_app, g, jsonify, request, send_from_directory
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api, Blueprint
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.orm import Session
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest

from shared import config, db, logs, metrics
from shared import errors as api_errors
from shared.bootstrap import Service

MAX_BODY_BYTES = 1024 * 1024  # the largest real body (a contract with its terms) is a few kB
MAX_IDEMPOTENCY_KEY = 200  # the idempotency columns' width
MAX_CORRELATION_ID = 100


class BoundedParser(FlaskParser):
    """webargs' parser, but JSON nested past Python's recursion limit is a 400, not a RecursionError (a 500); and
    an endpoint's schema class is made an instance once, not on every call as webargs does (building a schema
    copies its fields: a tenth of a small request's Python). Our schemas keep no state between loads."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[type, ma.Schema] = {}

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise BadRequest("The JSON body is nested too deeply.")


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with the same refusal of absurd nesting for anything that reads request.json.

    Decimals (a ratio, a Range bound in the OpenAPI document) are written as JSON numbers, as documented, not
    as Flask's default strings."""

    @staticmethod
    def default(o):
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return DefaultJSONProvider.default(o)

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise BadRequest("The JSON body is nested too deeply.")


# Every service's blueprints are flask_smorest.Blueprint: their arguments all go through this one parser.
flask_smorest.Blueprint.ARGUMENTS_PARSER = BoundedParser()


class KawalApi(Api):
    """flask-smorest's Api documenting the error shape the services send ({"error": {...}}), not its own."""

    ERROR_SCHEMA = api_errors.ErrorSchema


OPENAPI_DEFAULTS = {
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    # Swagger UI's assets come from the pinned swagger-ui-bundle package, same origin: /docs works without
    # internet (a city data centre) and loads nothing a third party could change
    "OPENAPI_SWAGGER_UI_URL": "/docs/assets/",
}


def create_service_app(
    built: Service, title: str, blueprints: Iterable[Blueprint], overrides: dict | None = None
) -> Flask:
    """The app of a service built by its bootstrap (shared.bootstrap): its settings, its own gauges on /metrics."""
    service = built.name
    app = Flask(f"kawal.{service}")
    app.extensions["kawal"] = built
    app.json = BoundedJSONProvider(app)
    app.config.update(OPENAPI_DEFAULTS, MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    # config.auth() raises (naming KAWAL_JWT_SECRET) when there is no usable key: the process refuses to start
    app.config.update(
        API_TITLE=title,
        KAWAL_SERVICE=service,
        KAWAL_DATABASE_URL=built.settings.database_url,
        KAWAL_AMQP_URL=built.settings.amqp_url,
        KAWAL_AUTH=config.auth(),
    )
    app.config.update(overrides or {})
    api = KawalApi(
        app,
        spec_kwargs={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
            "security": [{"bearer": []}],
        },
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
    api_errors.register(app)  # after Api(): our error shape replaces flask-smorest's
    _instrument(app, service)
    _health(app)
    _docs_assets(app)
    app.config.setdefault("KAWAL_METRICS_PORT", config.metrics_port(f"{service}_api"))
    # Flask's documented way to wrap its WSGI app (middleware), which mypy sees as assigning to a method
    app.wsgi_app = MetricsPort(app.wsgi_app, app.config["KAWAL_METRICS_PORT"], built.gauges)  # type: ignore[method-assign]
    return app


def database_url() -> str:
    return current_app.config["KAWAL_DATABASE_URL"]


@contextmanager
def transaction() -> Iterator[Session]:
    """The request's unit of work against this service's database."""
    with db.unit_of_work(database_url()) as session:
        yield session


def _instrument(app: Flask, service: str) -> None:
    http = metrics.http(service)

    @app.before_request
    def _start():
        g.started = time.perf_counter()
        cid = request.headers.get("X-Correlation-ID", "")
        # a client's id goes into every log line: only a short, plain one is kept
        if not (0 < len(cid) <= MAX_CORRELATION_ID and cid.isascii() and cid.isprintable()):
            cid = str(uuid.uuid4())
        g.correlation_token = logs.correlation_id.set(cid)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY:
            raise api_errors.invalid(
                "invalid_idempotency_key",
                "The Idempotency-Key header is invalid.",
                {"Idempotency-Key": [f"Must be 1 to {MAX_IDEMPOTENCY_KEY} characters."]},
            )

    @app.teardown_request
    def _forget_correlation(_error=None):
        # the request's id must not outlive it in the thread (a test client's, or the next log line's)
        token = g.pop("correlation_token", None)
        if token is not None:
            try:
                logs.correlation_id.reset(token)
            except ValueError:  # set in another context (a copied one): nothing of ours to undo here
                pass

    @app.after_request
    def _observe(response: Response):
        # labels from fixed sets only: the rule (not the path), a known method, the status
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        method = request.method if request.method in metrics.HTTP_METHODS else "other"
        http.requests.labels(endpoint, method, str(response.status_code)).inc()
        http.latency.labels(endpoint, method).observe(time.perf_counter() - g.get("started", time.perf_counter()))
        cid = logs.correlation_id.get()
        if cid:
            response.headers["X-Correlation-ID"] = cid
        return response


def _docs_assets(app: Flask) -> None:
    from swagger_ui_bundle import swagger_ui_path

    @app.get("/docs/assets/<path:filename>")
    def swagger_ui_asset(filename: str):
        return send_from_directory(str(swagger_ui_path), filename, max_age=86400)


def _health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        checks = _readiness()
        ready = all(checks.values())
        body = {"status": "ready" if ready else "not_ready"}
        if _authenticated():  # which dependency is down is for operators, not for anyone who can reach the port
            body["checks"] = checks
        return jsonify(body), 200 if ready else 503


READY_CACHE_SECONDS = 5.0  # a load balancer polling every second costs one check per process per 5 s
_ready: dict[tuple[str, str], tuple[float, dict[str, bool]]] = {}
_ready_lock = threading.Lock()


def _readiness() -> dict[str, bool]:
    """The database and broker checks, computed at most once per READY_CACHE_SECONDS per process: a flood of
    /readyz never opens a connection per call (the database check uses the pool; the broker's is cached)."""
    key = (database_url(), current_app.config["KAWAL_AMQP_URL"])
    now = time.monotonic()
    with _ready_lock:
        cached = _ready.get(key)
        if cached and cached[0] > now:
            return cached[1]
        checks = {"database": _database_ready(), "broker": _broker_ready()}
        _ready[key] = (now + READY_CACHE_SECONDS, checks)
        return checks


def _authenticated() -> bool:
    from shared import auth  # auth imports flask request state; web is imported first by every app

    try:
        auth.verify_request()
        return True
    except api_errors.ApiError:
        return False


class MetricsPort:
    """WSGI middleware: a request that arrived on the process's metrics port reaches only /metrics; the API
    port has no /metrics at all. gunicorn binds both (`-b api -b metrics`); the local port of the connection
    decides, which a client cannot spoof (the Host header plays no part)."""

    def __init__(self, api_app, port: int, gauges: Collector | None = None):
        self.api_app, self.port = api_app, port
        self.gauges = () if gauges is None else (gauges,)  # the app's own domain gauges

    @staticmethod
    def local_port(environ) -> int | None:
        sock = environ.get("gunicorn.socket")
        try:
            return int(sock.getsockname()[1]) if sock is not None else int(environ.get("SERVER_PORT") or 0)
        except (OSError, ValueError, TypeError, IndexError):
            return None

    def __call__(self, environ, start_response):
        if self.local_port(environ) != self.port:
            return self.api_app(environ, start_response)
        if environ.get("PATH_INFO") != "/metrics" or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _plain(start_response, "404 Not Found", b"Only /metrics is served on this port.\n")
        if not metrics.authorized(environ.get("HTTP_AUTHORIZATION")):
            return _plain(start_response, "401 Unauthorized", b"A scrape token is required.\n")
        return _plain(
            start_response, "200 OK", metrics.exposition(*self.gauges), "text/plain; version=0.0.4; charset=utf-8"
        )


def _plain(start_response, status: str, body: bytes, content_type: str = "text/plain; charset=utf-8"):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _database_ready() -> bool:
    try:
        with db.engine(database_url()).connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def _broker_ready() -> bool:
    import pika

    try:
        parameters = pika.URLParameters(current_app.config["KAWAL_AMQP_URL"])
        parameters.socket_timeout = parameters.blocked_connection_timeout = 2
        parameters.connection_attempts = 1
        pika.BlockingConnection(parameters).close()
        return True
    except Exception:
        return False
