"""Beranda: where each role starts (contractor staff go to the crew app)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from services.portal.security import current_user, require_role

blp = Blueprint("home", __name__)


@blp.get("/")
@require_role("dinas", "auditor", "contractor")
def index():
    if current_user().role == "contractor":
        return redirect(url_for("kru.app"))
    return render_template("home.html")
