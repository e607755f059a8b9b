"""Sign-in through the city's OpenID Connect provider (Authlib's Flask client): authorize, then the callback."""

from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, make_response, redirect, render_template, url_for

from services.portal import security
from services.portal.backoffice import oidc
from shared import config, db

blp = Blueprint("oidc", __name__)
oauth = OAuth()


@blp.record_once
def _register(state) -> None:
    app, settings = state.app, config.backoffice()
    app.config["KAWAL_OIDC_ENABLED"] = bool(settings.oidc_issuer and settings.oidc_client_id)
    if not settings.oidc_issuer or not settings.oidc_client_id:  # the same test, which narrows the two for mypy
        return
    # Authlib keeps the state and nonce of a sign-in in Flask's signed session cookie (bo_shell sets its key)
    oauth.init_app(app)
    oauth.register(
        "city",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email"},
    )


@blp.get("/masuk/oidc")
def start():
    if not current_app.config.get("KAWAL_OIDC_ENABLED"):
        abort(404)
    return oauth.city.authorize_redirect(url_for(".callback", _external=True))


@blp.get("/masuk/oidc/kembali")
def callback():
    if not current_app.config.get("KAWAL_OIDC_ENABLED"):
        abort(404)
    token = oauth.city.authorize_access_token()  # checks state, the id_token's signature, issuer, audience, nonce
    settings = config.backoffice()
    try:
        claims = oidc.map_claims(token["userinfo"], settings.oidc_role_claim, settings.oidc_contractor_claim)
        with db.unit_of_work(current_app.config["KAWAL_DATABASE_URL"]) as session:
            session_token = oidc.sign_in(session, claims)
    except oidc.Refused:
        return render_template(
            "error.html", status=403, message="Akun Anda di penyedia identitas belum diberi peran di Kawal."
        ), 403
    target = url_for("kru.app") if claims.role == "contractor" else url_for("bo_dashboard.index")
    response = make_response(redirect(target, code=303))
    security.start_session(response, session_token)
    return response
