"""Photos of pickups and complaint resolutions: checked (size, type), stored by SHA-256 with a display copy,
in a directory or S3-compatible object storage; each owner (a contractor, or the agency) reads its own."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.routes.models import Photo
from shared import audit, clock, config
from shared.auth import Principal
from shared.errors import ApiError, invalid, not_found

TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}  # what phones' cameras and browsers make
MAX_PIXELS = 50_000_000  # a 50 MP camera at most; more is a decompression bomb, not a photo
DISPLAY_TYPE = "image/jpeg"
VARIANTS = ("display", "original")


@dataclass(frozen=True)
class Facts:
    sha256: str
    content_type: str
    size_bytes: int
    width: int
    height: int


# --- rules (plain functions over bytes) ---------------------------------------------------------------------


def inspect(data: bytes, max_bytes: int) -> Facts:
    """What a photo is, or ApiError 422 naming the field `photo` (empty, too large, not an image we accept)."""
    if not data:
        raise invalid("empty_photo", "The photo is empty.", {"photo": ["Empty."]})
    if len(data) > max_bytes:
        raise ApiError(
            413,
            "photo_too_large",
            f"The photo is larger than {max_bytes} bytes.",
            {"photo": [f"At most {max_bytes} bytes."]},
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            if width * height > MAX_PIXELS:
                raise invalid("photo_too_large", "The photo has too many pixels.", {"photo": ["Too many pixels."]})
            image.verify()  # a truncated or corrupt file fails here, not later in the display copy
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise invalid("not_an_image", "The file is not a readable image.", {"photo": ["Not a readable image."]})
    if kind not in TYPES:
        raise invalid(
            "unsupported_photo_type",
            f"{kind} is not accepted; send JPEG, PNG or WebP.",
            {"photo": ["JPEG, PNG or WebP."]},
        )
    return Facts(hashlib.sha256(data).hexdigest(), TYPES[kind], len(data), width, height)


def display_copy(data: bytes, longest_side: int) -> bytes:
    """A JPEG no larger than longest_side on its longest side, turned upright by its EXIF orientation."""
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((longest_side, longest_side))
        out = io.BytesIO()
        upright.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue()


def owner_of(principal: Principal) -> str:
    if principal.is_contractor:
        assert principal.contractor_id is not None, "auth refuses a contractor token without contractor_id"
        return principal.contractor_id
    return "dinas"


# --- storage ------------------------------------------------------------------------------------------------


class DirectoryStore:
    """Photos as files under a directory (one machine, or a shared volume)."""

    def __init__(self, root: str):
        self.root = root

    def _path(self, key: str) -> str:
        variant, name = key.split("/", 1)
        return os.path.join(self.root, variant, name[:2], name)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        if os.path.exists(path):  # content-addressed: the same key always holds the same bytes
            return
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path))
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)  # readers never see half a file

    def get(self, key: str) -> bytes | None:
        try:
            with open(self._path(key), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None


class S3Store:
    """Photos in an S3-compatible bucket (MinIO in docker-compose); credentials from boto3's usual environment."""

    def __init__(self, bucket: str, endpoint: str | None, region: str | None):
        import boto3

        self.bucket = bucket
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name=region or "us-east-1")
        self._bucket_checked = False

    def _ensure_bucket(self) -> None:
        if self._bucket_checked:
            return
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)
        self._bucket_checked = True

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._ensure_bucket()
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NoSuchBucket"):
                return None
            raise


@lru_cache(maxsize=4)
def store_for(settings: config.PhotoSettings):
    if settings.s3_bucket:
        return S3Store(settings.s3_bucket, settings.s3_endpoint, settings.s3_region)
    return DirectoryStore(settings.directory)


def _key(variant: str, sha256: str) -> str:
    return f"{variant}/{sha256}"


# --- use cases ----------------------------------------------------------------------------------------------


def upload(session: Session, principal: Principal, data: bytes) -> dict:
    """Check and store a photo (both copies before the row, so a row always has its files); the same bytes again
    answer the same body."""
    settings = config.photos()
    facts = inspect(data, settings.max_bytes)
    store = store_for(settings)
    store.put(_key("original", facts.sha256), data, facts.content_type)
    store.put(_key("display", facts.sha256), display_copy(data, settings.display_px), DISPLAY_TYPE)
    inserted = session.execute(
        insert(Photo)
        .values(
            sha256=facts.sha256,
            owner=owner_of(principal),
            content_type=facts.content_type,
            size_bytes=facts.size_bytes,
            width=facts.width,
            height=facts.height,
            uploaded_by=principal.sub,
            uploaded_at=clock.now(),
        )
        .on_conflict_do_nothing()
        .returning(Photo.sha256)
    ).first()
    if inserted is not None:
        audit.append(
            session,
            principal,
            "photo.upload",
            "photo",
            facts.sha256,
            {"size_bytes": facts.size_bytes, "content_type": facts.content_type},
        )
    return {
        "sha256": facts.sha256,
        "content_type": facts.content_type,
        "size_bytes": facts.size_bytes,
        "width": facts.width,
        "height": facts.height,
    }


def require(session: Session, principal: Principal, sha256: str | None, field: str = "photo_sha256") -> None:
    """A confirmation or resolution may only name a photo its sender stored (422 with the field otherwise)."""
    if not sha256:
        return
    held = session.execute(
        select(Photo.sha256).where(Photo.sha256 == sha256.lower(), Photo.owner == owner_of(principal))
    ).first()
    if held is None:
        raise invalid(
            "unknown_photo",
            "No photo with this SHA-256 was uploaded by you; POST /photos first.",
            {field: ["Unknown photo."]},
        )


def read(session: Session, principal: Principal, sha256: str, variant: str) -> tuple[bytes, str]:
    """A photo's bytes and type; a contractor reads only its own (others' are 404, as if absent)."""
    query = select(Photo).where(Photo.sha256 == sha256.lower())
    if principal.is_contractor:
        query = query.where(Photo.owner == principal.contractor_id)
    photo = session.execute(query.limit(1)).scalar()
    if photo is None:
        raise not_found("Photo")
    data = store_for(config.photos()).get(_key(variant, photo.sha256))
    if data is None:
        raise ApiError(503, "photo_unavailable", "The photo store does not hold this photo right now.")
    return data, (DISPLAY_TYPE if variant == "display" else photo.content_type)
