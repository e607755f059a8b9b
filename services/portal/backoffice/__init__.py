"""The back office: the agency's pages (and the auditors', read only) over the three APIs, one blueprint per area."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, url_for

from services.portal.backoffice import evidence
from services.portal.backoffice.common import FILTERS, can_write
from services.portal.backoffice.views_contracts import blp as contracts_pages
from services.portal.backoffice.views_dashboard import blp as dashboard_pages
from services.portal.backoffice.views_desks import blp as desks_pages
from services.portal.backoffice.views_exports import blp as exports_pages
from services.portal.backoffice.views_force_majeure import blp as force_majeure_pages
from services.portal.backoffice.views_invoices import blp as invoices_pages
from services.portal.backoffice.views_network import blp as network_pages
from services.portal.backoffice.views_oidc import blp as oidc_pages
from services.portal.backoffice.views_warnings import blp as warnings_pages
from shared import config

shell = Blueprint("bo_shell", __name__)


@shell.record_once
def _install(state) -> None:
    app = state.app
    settings = config.backoffice()
    # Flask's signed cookie session carries only one-shot messages (flash) and OIDC's state; accounts and
    # sign-in sessions stay server-side (security.py)
    app.secret_key = (
        app.secret_key or hashlib.sha256(("flash:" + app.config["KAWAL_PORTAL_SECRET_KEY"]).encode()).hexdigest()
    )
    app.config.update(
        SESSION_COOKIE_NAME="kawal_flash",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["KAWAL_SECURE_COOKIES"],
    )
    app.jinja_env.filters.update(FILTERS, evidence_short=evidence.short)
    app.jinja_env.globals.update(can_write=can_write, grafana_url=settings.grafana_url, map_tiles=settings.map_tiles)
    if "kru.app" not in app.view_functions:
        # the crew app lives in its own branch; until it is merged a contractor's start page is the back office
        app.add_url_rule("/kru", "kru.app", lambda: redirect(url_for("bo_dashboard.index")))


@shell.after_app_request
def _map_tiles(response):
    """Back-office maps may load tiles from the configured tile server (security's CSP otherwise, 'self' only)."""
    if request.path.startswith("/kantor") and response.mimetype == "text/html":
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(config.backoffice().map_tiles.replace("{s}", "a")))
        host = origin.replace("://a.", "://*.")
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; img-src 'self' data: blob: {host}; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
        )
    return response


BLUEPRINTS = [
    shell,
    dashboard_pages,
    contracts_pages,
    warnings_pages,
    network_pages,
    desks_pages,
    invoices_pages,
    force_majeure_pages,
    exports_pages,
    oidc_pages,
]
