"""Sign-in and sign-out with the portal's own accounts."""

from __future__ import annotations

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for

from services.portal import accounts, security
from shared import db

blp = Blueprint("signin", __name__)

REFUSALS = {
    "bad_credentials": "Nama pengguna atau kata sandi salah.",
    "locked": "Terlalu banyak percobaan yang salah. Akun dikunci sementara; coba lagi nanti atau hubungi admin.",
}


def _unit_of_work():
    return db.unit_of_work(current_app.config["KAWAL_DATABASE_URL"])


@blp.get("/masuk")
def form():
    if security.current_user():
        return redirect(security.safe_next(request.args.get("next"), url_for("home.index")))
    return render_template("signin.html", next=request.args.get("next", ""), username="", error=None)


@blp.post("/masuk")
def submit():
    username = request.form.get("username", "")[:80]
    password = request.form.get("password", "")[:1024]
    next_page = request.form.get("next", "")
    if not username or not password:
        return render_template(
            "signin.html", next=next_page, username=username, error="Isi nama pengguna dan kata sandi."
        ), 422
    with _unit_of_work() as session:
        outcome = accounts.sign_in(session, username, password)
        role = outcome.user.role if outcome.user else None
    if outcome.refusal:
        status = 429 if outcome.refusal == "locked" else 401
        return render_template(
            "signin.html", next=next_page, username=username, error=REFUSALS[outcome.refusal]
        ), status
    default = url_for("kru.app") if role == "contractor" else url_for("home.index")
    response = make_response(redirect(security.safe_next(next_page, default), code=303))
    security.start_session(response, outcome.token)
    return response


@blp.post("/keluar")
def sign_out():
    if g.get("session_token"):
        with _unit_of_work() as session:
            accounts.sign_out(session, g.session_token)
    response = make_response(redirect(url_for("signin.form"), code=303))
    security.end_session(response)
    return response
