"""HTTP endpoints of photos: a contractor's or the agency's upload, and reading one back (a contractor its own)."""

import re

from flask import Response, request
from flask_smorest import Blueprint

from services.routes import photos
from services.routes import schemas as s
from shared import auth
from shared.errors import invalid, not_found
from shared.web import transaction

blp = Blueprint("photos", __name__, description="Photos (evidence), stored by SHA-256")
HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


@blp.route("/photos", methods=["POST"])
@auth.roles("contractor", "dinas")
@blp.response(201, s.PhotoOut)
@blp.doc(
    requestBody={
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"photo": {"type": "string", "format": "binary"}},
                    "required": ["photo"],
                }
            }
        }
    }
)
def upload_photo():
    """Store a JPEG, PNG or WebP (multipart field `photo`) by its SHA-256; name the hash in a confirmation or resolution."""
    upload = request.files.get("photo")
    if upload is None:
        raise invalid("invalid", "Send the image as the multipart field `photo`.", {"photo": ["Missing."]})
    data = upload.stream.read(photos.config.photos().max_bytes + 1)
    with transaction() as session:
        return photos.upload(session, auth.current(), data)


@blp.route("/photos/<string:sha256>", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.PhotoArgs, location="query")
@blp.doc(
    responses={"200": {"description": "The image", "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}}
)
def get_photo(args, sha256):
    """The display copy (JPEG, at most KAWAL_PHOTO_DISPLAY_PX wide) or the original; a contractor reads its own."""
    if not HEX64.match(sha256):
        raise not_found("Photo")
    with transaction() as session:
        data, content_type = photos.read(session, auth.current(), sha256, args["variant"])
    response = Response(data, mimetype=content_type)
    # content-addressed: the bytes under a hash never change (private: only this user may read them)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
