"""The envelope every message carries, built and validated in the producer."""
from __future__ import annotations

import json
import uuid
from decimal import Decimal
from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from shared import clock
from shared.events.registry import schema_for


class InvalidEvent(ValueError):
    """The data does not match its type's schema."""

    def __init__(self, type_: str, errors: dict):
        super().__init__(f"invalid {type_} event: {errors}")
        self.errors = errors


@dataclass(frozen=True)
class Envelope:
    type: str
    data: dict[str, Any]
    producer: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    version: int = 1
    occurred_at: str = field(default_factory=lambda: clock.now().isoformat())
    correlation_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at,
            "producer": self.producer,
            "correlation_id": self.correlation_id or self.id,
            "data": self.data,
        }

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":")).encode()


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(required=True)
    type = fields.String(required=True)
    version = fields.Integer(required=True)
    occurred_at = fields.String(required=True)
    producer = fields.String(required=True)
    correlation_id = fields.String(allow_none=True, load_default=None)
    data = fields.Dict(required=True)


_ENVELOPE = EnvelopeSchema()


def make(type_: str, data: dict[str, Any], producer: str, correlation_id: str | None = None, version: int = 1) -> Envelope:
    """Build an envelope; an unknown type or invalid data fails here, in the producer."""
    schema = schema_for(type_, version)
    try:
        loaded = schema.load(json.loads(json.dumps(data, default=_jsonable)))
    except ValidationError as error:
        raise InvalidEvent(type_, error.messages) from error
    normalised = schema.dump(loaded)
    return Envelope(type=type_, data=normalised, producer=producer, version=version, correlation_id=correlation_id)


def _jsonable(value: Any) -> Any:
    """Producers may pass Python values (dates, instants, UUIDs, Decimals) or their JSON forms."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)  # a Decimal as its exact string: ratios must never pass through a binary float
    raise TypeError(f"not serialisable: {type(value).__name__}")


_HEAD_TYPES = {"id": str, "type": str, "version": int, "occurred_at": str, "producer": str, "data": dict}


def _head(raw: Any) -> dict:
    """The envelope's own fields. A plain type check on the hot path: the full EnvelopeSchema only runs to
    explain what is wrong with a malformed one."""
    if isinstance(raw, dict) and all(isinstance(raw.get(k), t) for k, t in _HEAD_TYPES.items()):
        uuid.UUID(raw["id"])
        cid = raw.get("correlation_id")
        return {**raw, "correlation_id": cid if isinstance(cid, str) else None}
    return _ENVELOPE.load(raw)


def parse(body: bytes) -> Envelope:
    """Load a message body: the envelope, then its data by its type's schema (unknown fields excluded).

    Raises ValueError for a malformed body, UnknownEventType for a type no schema knows,
    and InvalidEvent for data that does not match."""
    try:
        head = _head(json.loads(body))
    except (ValueError, ValidationError) as error:
        raise ValueError(f"malformed envelope: {error}") from error
    schema = schema_for(head["type"], head["version"])
    try:
        data = schema.load(head["data"])
    except ValidationError as error:
        raise InvalidEvent(head["type"], error.messages) from error
    return Envelope(
        type=head["type"],
        data=data,  # loaded: dates and instants are Python objects
        producer=head["producer"],
        id=str(head["id"]),
        version=head["version"],
        occurred_at=head["occurred_at"],
        correlation_id=head["correlation_id"],
    )
