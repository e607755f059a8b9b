"""The crew app (/kru): the offline-first shell for contractor staff, and the same-origin JSON endpoints it calls,
each forwarding to the routes API with the signed-in user's own token."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Blueprint, Response, abort, jsonify, render_template, request, send_from_directory

from services.portal import crew
from services.portal.apiclient import Api, ApiProblem
from services.portal.security import csrf_token, current_user, require_role
from shared import clock

blp = Blueprint("kru", __name__, url_prefix="/kru")
STATIC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static")
TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates")
SHELL_FILES = ("kru/app.js", "kru/app.css", "portal.css")  # what the service worker keeps for offline starts
IDEMPOTENCY_KEY_MAX = 200
crew_only = require_role("contractor")
crew_api = require_role("contractor", api=True)


@lru_cache(maxsize=1)
def shell_version() -> str:
    """A digest of the shell's files: a new release changes the service worker, which replaces the cache."""
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        with open(os.path.join(STATIC, name), "rb") as handle:
            digest.update(handle.read())
    with open(os.path.join(TEMPLATES, "kru", "app.html"), "rb") as handle:
        digest.update(handle.read())
    return digest.hexdigest()[:12]


@blp.get("")
@crew_only
def app():
    return render_template("kru/app.html", version=shell_version())


@blp.get("/sw.js")
def service_worker():
    body = render_template("kru/sw.js", version=shell_version(), files=SHELL_FILES)
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"  # the browser checks for a new release on every start
    response.headers["Service-Worker-Allowed"] = "/kru"  # its scope covers the app's own page, /kru
    return response


@blp.get("/manifest.webmanifest")
def manifest():
    return send_from_directory(STATIC, "kru/manifest.webmanifest", mimetype="application/manifest+json")


# --- JSON for the phone ------------------------------------------------------------------------------------


@blp.get("/api/session")
@crew_api
def session_info():
    user = current_user()
    return jsonify(
        user={"username": user.username, "name": user.display_name},
        csrf=csrf_token(),
        today=clock.today_wib().isoformat(),
        server_time=clock.iso(clock.now()),
    )


@blp.get("/api/vehicles")
@crew_api
def vehicles():
    items = Api(current_user()).all_pages("routes", "/vehicles")
    return jsonify(items=[{"id": v["id"], "plate": v["plate"], "type": v["type"]} for v in items])


@blp.get("/api/day")
@crew_api
def day():
    api, day_ = Api(current_user()), clock.today_wib()
    vehicle_id = request.args.get("vehicle_id", "")
    vehicle = next((v for v in api.all_pages("routes", "/vehicles") if v["id"] == vehicle_id), None)
    if vehicle is None:  # not a vehicle of this contractor (or none): as if it did not exist
        abort(404)
    routes = api.all_pages("routes", "/routes", vehicle_id=vehicle_id)
    pickups = [
        p for route in routes for p in api.all_pages("routes", "/pickups", date=day_.isoformat(), route_id=route["id"])
    ]
    return jsonify(crew.day_list(day_, vehicle, routes, pickups, _points(api)))


@blp.get("/api/complaints")
@crew_api
def complaints():
    api = Api(current_user())
    waiting = [c for status in ("overdue", "open") for c in api.all_pages("routes", "/complaints", status=status)]
    return jsonify(items=crew.complaint_list(waiting, _points(api)))


@blp.post("/api/pickups/<uuid:pickup_id>/confirmation")
@crew_api
def confirm(pickup_id):
    answer = Api(current_user()).call(
        "POST",
        "routes",
        f"/pickups/{pickup_id}/confirmation",
        json=request.get_json(silent=True),
        idempotency_key=_idempotency_key(),
    )
    return jsonify(answer.body), answer.status


@blp.post("/api/complaints/<uuid:complaint_id>/resolution")
@crew_api
def resolve(complaint_id):
    answer = Api(current_user()).call(
        "POST", "routes", f"/complaints/{complaint_id}/resolution", json=request.get_json(silent=True)
    )
    return jsonify(answer.body), answer.status


@blp.post("/api/photos")
@crew_api
def upload_photo():
    photo = request.files.get("photo")
    if photo is None:
        raise ApiProblem(422, "invalid", "Send the image as the multipart field `photo`.", {"photo": ["Missing."]})
    answer = Api(current_user()).call(
        "POST",
        "routes",
        "/photos",
        files={"photo": (photo.filename or "foto.jpg", photo.stream, photo.mimetype or "application/octet-stream")},
    )
    return jsonify(answer.body), answer.status


@blp.get("/api/photos/<string:sha256>")
@crew_api
def photo(sha256):
    answer = Api(current_user()).call("GET", "routes", f"/photos/{sha256}", params={"variant": "display"})
    response = Response(answer.body, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


def _idempotency_key() -> str:
    # the phone makes the key at the tap; without one a retry could count a pickup twice, so none is refused
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX:
        raise ApiProblem(
            422, "invalid", "Send an Idempotency-Key (1-200 characters).", {"Idempotency-Key": ["Required."]}
        )
    return key


def _points(api: Api) -> dict[str, dict]:
    return {point["id"]: point for point in api.all_pages("routes", "/points", per_page=1000)}
