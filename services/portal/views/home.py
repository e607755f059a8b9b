"""Beranda: where each role starts (contractor staff go to the crew app)."""
from __future__ import annotations

from flask import Blueprint, redirect, url_for

from services.portal.security import current_user, require_role

blp = Blueprint("home", __name__)


@blp.get("/")
@require_role("dinas", "auditor", "contractor")
def index():
    if current_user().role == "contractor":
        return redirect(url_for("kru.app"))
    return redirect(url_for("bo_dashboard.index"))  # the agency and the auditors start on the back office
