"""Integration events: the envelope, one schema per type (by producer), and the registry."""

from shared.events import audit, billing, contracts, routes  # noqa: F401  (registers every schema)
from shared.events.envelope import Envelope, InvalidEvent, make, parse
from shared.events.registry import UnknownEventType, known_types, schema_for

__all__ = ["Envelope", "InvalidEvent", "UnknownEventType", "known_types", "make", "parse", "schema_for"]
