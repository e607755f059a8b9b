"""The Flask app every service builds on: OpenAPI, errors, auth scheme, metrics, health, one transaction per call."""
from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from typing import Iterable, Iterator

from flask import Flask, Response, current_app, g, jsonify, request
from flask_smorest import Api, Blueprint
from sqlalchemy import text
from sqlalchemy.orm import Session

from shared import config, db, logs, metrics
from shared import errors as api_errors

OPENAPI_DEFAULTS = {
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/",
}


def create_service_app(service: str, title: str, blueprints: Iterable[Blueprint],
                       overrides: dict | None = None) -> Flask:
    logs.configure(service)
    app = Flask(f"kawal.{service}")
    app.config.update(OPENAPI_DEFAULTS)
    app.config.update(API_TITLE=title, KAWAL_SERVICE=service, KAWAL_DATABASE_URL=config.database_url(service),
                      KAWAL_AMQP_URL=config.amqp_url(service))
    app.config.update(overrides or {})
    api = Api(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}}, "security": [{"bearer": []}]})
    for blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
    api_errors.register(app)  # after Api(): our error shape replaces flask-smorest's
    _instrument(app, service)
    _health(app)
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
        cid = request.headers.get("X-Correlation-ID") or str(uuid.uuid4())
        g.correlation_token = logs.correlation_id.set(cid)

    @app.after_request
    def _observe(response: Response):
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        if not endpoint.startswith("/metrics"):
            http.requests.labels(endpoint, request.method, str(response.status_code)).inc()
            http.latency.labels(endpoint, request.method).observe(time.perf_counter() - g.get("started", time.perf_counter()))
        cid = logs.correlation_id.get()
        if cid:
            response.headers["X-Correlation-ID"] = cid
        return response


def _health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        checks = {"database": _database_ready(), "broker": _broker_ready()}
        ready = all(checks.values())
        return jsonify(status="ready" if ready else "not_ready", checks=checks), 200 if ready else 503

    @app.get("/metrics")
    def metrics_view():
        return Response(metrics.exposition(), mimetype="text/plain; version=0.0.4; charset=utf-8")


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
