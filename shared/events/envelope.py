"""The envelope every message carries, built and validated in the producer."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError

from shared import clock
from shared.events.registry import loader_for, producer_for, schema_for


class InvalidEvent(ValueError):
    """The data does not match its type's schema."""

    def __init__(self, type_: str, errors: dict[str, Any] | list[Any]):  # marshmallow's ValidationError.messages
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


def make(
    type_: str, data: dict[str, Any], producer: str, correlation_id: str | None = None, version: int = 1
) -> Envelope:
    """Build an envelope; an unknown type or invalid data fails here, in the producer."""
    produce = producer_for(type_, version)
    normalised = None
    if produce is not None:
        try:
            normalised = produce(data)  # plain values taken as they are: the common case, no marshmallow
        except LookupError:
            pass
    if normalised is None:
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


# The form every producer of ours writes; anything else is left to uuid.UUID, which decides (braces, urn:, no dashes).
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}").fullmatch

_HEAD_TYPES = {"id": str, "type": str, "version": int, "occurred_at": str, "producer": str, "data": dict}
_KIND_NAMES = {str: "string", int: "integer", dict: "mapping"}


def _head(raw: Any) -> dict:
    """The envelope's own fields, type-checked exactly (a version "1" or true is no version: a producer of ours
    never writes one, so such a message is malformed, not coerced); errors name the fields like marshmallow's."""
    if type(raw) is not dict:
        raise ValueError({"_schema": ["Invalid input type."]})
    errors = {}
    for key, kind in _HEAD_TYPES.items():
        value = raw.get(key)
        if value is None:
            errors[key] = ["Missing data for required field."]
        elif type(value) is not kind:
            errors[key] = [f"Not a valid {_KIND_NAMES[kind]}."]
    if "id" not in errors and _CANONICAL_UUID(raw["id"]) is None:  # a regex is a sixth of uuid.UUID's cost
        try:
            uuid.UUID(raw["id"])
        except ValueError:
            errors["id"] = ["Not a valid UUID."]
    if "version" not in errors and raw["version"] < 1:
        errors["version"] = ["Must be at least 1."]
    cid = raw.get("correlation_id")
    if cid is not None and type(cid) is not str:
        errors["correlation_id"] = ["Not a valid string."]
    if errors:
        raise ValueError(errors)
    return raw


def parse(body: bytes) -> Envelope:
    """Load a message body: the envelope, then its data by its type's schema (unknown fields excluded).

    Raises ValueError for a malformed body (whatever is wrong with it, any depth), UnknownEventType for a type no
    schema knows, and InvalidEvent for data that does not match."""
    try:
        head = _head(json.loads(body))
    except (ValueError, RecursionError) as error:  # bad JSON, bad UTF-8, nesting deeper than the parser's stack
        raise ValueError(
            f"malformed envelope: {error if not isinstance(error, RecursionError) else 'too deep'}"
        ) from error
    load = loader_for(head["type"], head["version"])
    try:
        data = load(head["data"])
    except ValidationError as error:
        raise InvalidEvent(head["type"], error.messages) from error
    except RecursionError as error:
        raise ValueError("malformed envelope: data too deep") from error
    return Envelope(
        type=head["type"],
        data=data,  # loaded: dates and instants are Python objects
        producer=head["producer"],
        id=head["id"],
        version=head["version"],
        occurred_at=head["occurred_at"],
        correlation_id=head.get("correlation_id"),
    )
