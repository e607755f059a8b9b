"""The signed-in user of a request, CSRF tokens on every unsafe request, security headers, and `require_role`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, url_for

from services.portal import accounts
from shared import db

SESSION_COOKIE = "kawal_session"
ANON_COOKIE = "kawal_csrf"  # only before sign-in: the double-submit secret of the sign-in form
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class CurrentUser:
    """What a page needs of the signed-in person (a plain value: templates and the API client take it)."""

    id: str
    username: str
    display_name: str
    role: str
    contractor_id: str | None


def current_user() -> CurrentUser | None:
    return g.get("user")


def install(app: Flask) -> None:
    @app.before_request
    def _load_user():
        g.user, g.session_token = None, request.cookies.get(SESSION_COOKIE)
        if request.endpoint in ("static", "healthz", "readyz", "metrics_view"):
            return
        if g.session_token:
            with db.unit_of_work(app.config["KAWAL_DATABASE_URL"]) as session:
                user = accounts.user_of_session(session, g.session_token)
                if user is not None:
                    g.user = CurrentUser(user.id, user.username, user.display_name, user.role, user.contractor_id)
        if request.method in UNSAFE and request.endpoint not in app.config.get("CSRF_EXEMPT", ()):
            check_csrf()

    @app.after_request
    def _cookies_and_headers(response):
        if g.get("set_anon_csrf"):
            _set_cookie(response, ANON_COOKIE, g.set_anon_csrf, max_age=3600)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # no inline script anywhere: the pages' and the crew app's code are files under /static
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'self'; form-action 'self'",
        )
        return response

    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user)


def _secret() -> bytes:
    return current_app.config["KAWAL_PORTAL_SECRET_KEY"].encode()


def csrf_token() -> str:
    """The token every form and every unsafe fetch carries: bound to the session, or before sign-in to a cookie."""
    if g.get("session_token") and g.get("user"):
        basis = "session:" + accounts.token_digest(g.session_token)
    else:
        anon = request.cookies.get(ANON_COOKIE) or g.get("set_anon_csrf")
        if not anon:
            anon = g.set_anon_csrf = secrets.token_urlsafe(24)
        basis = "anon:" + anon
    return hmac.new(_secret(), basis.encode(), hashlib.sha256).hexdigest()


def check_csrf() -> None:
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    has_basis = (g.get("session_token") and g.get("user")) or request.cookies.get(ANON_COOKIE)
    if not has_basis or not sent or not hmac.compare_digest(sent, csrf_token()):
        abort(403, description="csrf")
    # a second fence: a cross-site form cannot fake the Origin a browser sends
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        abort(403, description="csrf")


def start_session(response, token: str) -> None:
    _set_cookie(response, SESSION_COOKIE, token, max_age=int(current_app.config["KAWAL_SESSION_SECONDS"]))
    response.delete_cookie(ANON_COOKIE, path="/")


def end_session(response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _set_cookie(response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["KAWAL_SECURE_COOKIES"],
    )


def require_role(*roles: str, api: bool = False) -> Callable:
    """A page (or a JSON endpoint with api=True) for the signed-in users of these roles; others are refused.

    Not signed in: a page redirects to the sign-in page, a JSON endpoint answers 401. Wrong role: 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            user = current_user()
            if user is None:
                if api:
                    abort(401)
                return redirect(url_for("signin.form", next=request.full_path.rstrip("?")))
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        # read by the route audit, as shared.auth.roles' mark; mypy knows of no attributes on a wrapper
        guarded.allowed_roles = roles  # type: ignore[attr-defined]
        return guarded

    return decorate


def safe_next(target: str | None, default: str) -> str:
    """Only a path of this site is a place to go back to after sign-in (never another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
