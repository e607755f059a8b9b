"""One marshmallow schema per event type and version, and the lookup from type to schema."""

from __future__ import annotations

from typing import Callable

from marshmallow import EXCLUDE, Schema

_SCHEMAS: dict[tuple[str, int], type[Schema]] = {}


class UnknownEventType(LookupError):
    """No schema is registered for this type and version."""


def event(type_: str, version: int = 1):
    """Class decorator: register a data schema under its event type and version."""

    def register(schema: type[Schema]) -> type[Schema]:
        key = (type_, version)
        if key in _SCHEMAS:
            raise ValueError(f"event schema registered twice: {type_} v{version}")
        # labels on the class for whoever inspects it; Schema declares no such attributes
        schema.event_type = type_  # type: ignore[attr-defined]
        schema.event_version = version  # type: ignore[attr-defined]
        _SCHEMAS[key] = schema
        return schema

    return register


_INSTANCES: dict[tuple[str, int], Schema] = {}


def schema_for(type_: str, version: int = 1) -> Schema:
    # One instance per type: building a marshmallow schema costs more than loading a message with it.
    key = (type_, version)
    try:
        return _INSTANCES[key]
    except KeyError:
        pass
    try:
        instance = _SCHEMAS[key](unknown=EXCLUDE)
    except KeyError:
        raise UnknownEventType(f"{type_} v{version}") from None
    return _INSTANCES.setdefault(key, instance)


def known_types() -> list[str]:
    return sorted({type_ for type_, _ in _SCHEMAS})


_LOADERS: dict[tuple[str, int], Callable[[dict], dict]] = {}


def loader_for(type_: str, version: int = 1) -> Callable[[dict], dict]:
    """The type's schema.load, compiled to plain Python where its fields allow (shared.events.loader)."""
    key = (type_, version)
    try:
        return _LOADERS[key]
    except KeyError:
        pass
    from shared.events.loader import compile_loader

    return _LOADERS.setdefault(key, compile_loader(schema_for(type_, version)))


_PRODUCERS: dict[tuple[str, int], Callable[[dict], dict] | None] = {}


def producer_for(type_: str, version: int = 1) -> Callable[[dict], dict] | None:
    """The type's compiled producer (shared.events.loader.compile_producer), or None when its schema is not simple."""
    key = (type_, version)
    if key not in _PRODUCERS:
        from shared.events.loader import compile_producer

        _PRODUCERS[key] = compile_producer(schema_for(type_, version))
    return _PRODUCERS[key]
