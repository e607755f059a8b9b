"""Photos: stored by SHA-256 with a display copy, checked, read back by their owner only, and required to exist
before a confirmation or a complaint resolution names them."""
from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from PIL import Image

from tests.integration.routes.conftest import bearer, register_contractor, wib
from tests.integration.routes.test_confirmations import confirm

DAY = date(2026, 3, 10)


def jpeg(width: int = 2400, height: int = 1800, colour=(20, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture(autouse=True)
def photo_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KAWAL_PHOTO_DIR", str(tmp_path / "photos"))
    return tmp_path / "photos"


def upload(world, data: bytes, headers=None, name="foto.jpg"):
    return world.client.post("/api/v1/photos", headers=headers or world.contractor,
                             data={"photo": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_a_photo_is_stored_by_its_sha256_with_a_display_copy_and_a_second_upload_answers_the_same(world, photo_dir):
    data = jpeg()
    first = upload(world, data)
    assert first.status_code == 201, first.json
    sha = hashlib.sha256(data).hexdigest()
    assert first.json == {"sha256": sha, "content_type": "image/jpeg", "size_bytes": len(data), "width": 2400,
                          "height": 1800}
    assert upload(world, data).json == first.json
    assert world.sql("SELECT count(*) FROM photos")[0][0] == 1
    assert open(photo_dir / "original" / sha[:2] / sha, "rb").read() == data
    display = world.client.get(f"/api/v1/photos/{sha}", headers=world.contractor)
    assert display.status_code == 200 and display.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(display.data)).size == (1280, 960)
    original = world.client.get(f"/api/v1/photos/{sha}?variant=original", headers=world.contractor)
    assert original.data == data
    assert world.sql("SELECT action FROM audit_log WHERE object_id = :s", s=sha) == [("photo.upload",)]


def test_what_is_not_a_jpeg_png_or_webp_image_or_is_too_large_is_refused_naming_the_photo_field(world, monkeypatch):
    assert upload(world, b"bukan gambar").json["error"]["code"] == "not_an_image"
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    refused = upload(world, gif.getvalue(), name="x.gif")
    assert (refused.status_code, refused.json["error"]["code"]) == (422, "unsupported_photo_type")
    assert "photo" in refused.json["error"]["fields"]
    missing = world.client.post("/api/v1/photos", headers=world.contractor, data={},
                                content_type="multipart/form-data")
    assert missing.status_code == 422 and "photo" in missing.json["error"]["fields"]
    monkeypatch.setenv("KAWAL_PHOTO_MAX_BYTES", "1000")
    assert upload(world, jpeg()).status_code == 413
    assert world.sql("SELECT count(*) FROM photos")[0][0] == 0


def test_a_contractor_reads_only_its_own_photos_the_agency_and_auditors_read_all_and_auditors_upload_none(world):
    sha = upload(world, jpeg()).json["sha256"]
    stranger = bearer("contractor", register_contractor(world.db, "PT Lain"))
    assert world.client.get(f"/api/v1/photos/{sha}", headers=stranger).status_code == 404
    assert world.client.get(f"/api/v1/photos/{sha}", headers=world.dinas).status_code == 200
    assert world.client.get(f"/api/v1/photos/{sha}", headers=world.auditor).status_code == 200
    assert upload(world, jpeg(), headers=world.auditor).status_code == 403
    assert world.client.get(f"/api/v1/photos/{'0' * 64}", headers=world.dinas).status_code == 404


def test_a_confirmation_naming_a_photo_its_contractor_did_not_upload_is_refused_and_its_own_is_accepted(
        world, frozen_clock):
    pickup = world.pickup_on(DAY)
    frozen_clock(wib(DAY, 14, 5))
    unknown = confirm(world, pickup, wib(DAY, 14, 0), key="k-unknown", photo_sha256="ab" * 32)
    assert (unknown.status_code, unknown.json["error"]["code"]) == (422, "unknown_photo")
    assert "photo_sha256" in unknown.json["error"]["fields"]
    someone_elses = upload(world, jpeg(colour=(200, 0, 0)), headers=world.dinas).json["sha256"]
    assert confirm(world, pickup, wib(DAY, 14, 0), key="k-other", photo_sha256=someone_elses).status_code == 422
    own = upload(world, jpeg()).json["sha256"]
    accepted = confirm(world, pickup, wib(DAY, 14, 0), key="k-own", photo_sha256=own)
    assert accepted.status_code == 201 and accepted.json["photo_sha256"] == own
    assert world.sql("SELECT count(*) FROM confirmations")[0][0] == 1


def test_a_complaint_is_resolved_with_a_note_and_a_photo_of_the_contractor_and_not_with_an_unknown_one(world):
    complaint = world.post("/complaints", {"point_id": world.point_id, "description": "sampah menumpuk",
                                           "channel": "web"}).json
    path = f"/api/v1/complaints/{complaint['id']}/resolution"
    refused = world.client.post(path, headers=world.contractor, json={"note": "sudah", "photo_sha256": "cd" * 32})
    assert refused.status_code == 422 and "photo_sha256" in refused.json["error"]["fields"]
    own = upload(world, jpeg()).json["sha256"]
    resolved = world.client.post(path, headers=world.contractor, json={"note": "sudah bersih", "photo_sha256": own})
    assert resolved.status_code == 200, resolved.json
    assert (resolved.json["status"], resolved.json["resolution_photo_sha256"]) == ("resolved", own)
