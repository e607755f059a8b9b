"""The portal's Flask app: sign-in, the crew app (/kru) and the back office pages, over the three APIs."""

from __future__ import annotations

import os

from flask import Flask, jsonify, render_template, request
from jinja2 import FileSystemLoader
from werkzeug.exceptions import HTTPException

from services.portal import security
from services.portal.apiclient import ApiProblem
from services.portal.bootstrap import bootstrap
from services.portal.views import BLUEPRINTS
from shared import config
from shared.bootstrap import Settings
from shared.web import create_service_app

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES, STATIC = os.path.join(HERE, "templates"), os.path.join(HERE, "static")
MESSAGES = {  # what a person reads when a page cannot be shown
    400: "Permintaan tidak dapat dibaca.",
    401: "Silakan masuk terlebih dahulu.",
    403: "Anda tidak berhak membuka halaman ini.",
    404: "Halaman tidak ditemukan.",
    405: "Cara membuka halaman ini tidak diizinkan.",
    413: "Berkas terlalu besar.",
}


def create_app(overrides: dict | None = None) -> Flask:
    settings = config.portal()
    app = create_service_app(
        bootstrap(Settings.from_environment("portal", overrides)),
        "Kawal portal",
        [],
        {
            "OPENAPI_URL_PREFIX": None,  # pages, not an API: no /docs
            "KAWAL_PORTAL_SECRET_KEY": settings.secret_key,
            "KAWAL_SECURE_COOKIES": settings.secure_cookies,
            "KAWAL_SESSION_SECONDS": settings.session_hours * 3600,
            "KAWAL_METRICS_PORT": config.metrics_port(config.PORTAL),  # off the public port, like the APIs'
            "MAX_CONTENT_LENGTH": config.photos().max_bytes + 64 * 1024,  # a photo and its form fields
            **(overrides or {}),
        },
    )
    app.jinja_loader = FileSystemLoader(TEMPLATES)
    app.static_folder, app.static_url_path = STATIC, "/static"
    security.install(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    _errors(app)
    return app


def wants_json() -> bool:
    return "/api/" in request.path


def _errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        status = error.code or 500
        code = (
            "csrf"
            if error.description == "csrf"
            else {401: "unauthenticated", 403: "forbidden", 404: "not_found"}.get(status, "error")
        )
        message = (
            "Formulir kedaluwarsa; muat ulang halaman dan coba lagi."
            if code == "csrf"
            else MESSAGES.get(status, "Terjadi kesalahan.")
        )
        if wants_json():
            return jsonify(error={"code": code, "message": message, "fields": {}}), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(ApiProblem)
    def _api(problem: ApiProblem):
        # an API's refusal reaches the phone as the API said it (code and fields), so the app can word it
        status = problem.status if problem.status < 500 else 502
        if wants_json():
            return jsonify(problem.body), status
        if problem.status >= 500:
            message = "Layanan sedang tidak dapat dihubungi."
        else:  # another contractor's object is simply not found; the API's English words stay in the log
            message = MESSAGES.get(status, problem.message) if status in (403, 404) else problem.message
        return render_template("error.html", status=status, message=message), status
