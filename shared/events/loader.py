"""A fast loader for event data: plain Python for the values marshmallow would accept as they are, marshmallow itself
for everything else, so a valid event loads to the same values and an invalid one fails with marshmallow's errors.

The consumer loads every message's data; marshmallow's per-field machinery was the largest single cost of it. A
schema whose fields are all simple (uuid, string, integer, float, boolean, ISO date, aware ISO instant, lists and
dicts of those), without validators or hooks, gets a compiled loader; any value it does not take exactly as
marshmallow would (a numeric string for an integer, a naive instant, a missing required field) sends the whole
message to marshmallow's load, which coerces or explains."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any, Callable

from marshmallow import EXCLUDE, Schema, fields, missing

from shared import fields as bounded


class _Fallback(Exception):
    """The fast path cannot decide: let marshmallow load (or reject) the data."""


def _apply(plan: list, data: dict) -> dict:
    """One pass of a compiled plan over data: defaults, required and None checks, conversions. Raises _Fallback
    where marshmallow itself must decide (it gives the exact error)."""
    out = {}
    for name, convert, required, allow_none, default in plan:
        value = data.get(name, missing)
        if value is missing:
            if default is not missing:
                out[name] = default() if callable(default) else default
            elif required:
                raise _Fallback
        elif value is None:
            if not allow_none:
                raise _Fallback
            out[name] = None
        else:
            out[name] = convert(value)
    return out


def _uuid(value):
    if type(value) is not str:
        raise _Fallback
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _Fallback from None


def _string(value):
    if type(value) is not str:
        raise _Fallback
    return value


def _integer(value):
    if type(value) is not int:  # not bool, not a numeric string: marshmallow decides those
        raise _Fallback
    return value


def _float(value):
    if type(value) is float and math.isfinite(value):
        return value
    raise _Fallback


def _boolean(value):
    if value is True or value is False:
        return value
    raise _Fallback


def _date(value):
    if type(value) is not str or not value:
        raise _Fallback
    try:
        return dt.date.fromisoformat(value)  # what marshmallow's Date does with format "iso"
    except ValueError:
        raise _Fallback from None


def _aware(value):
    if type(value) is not str or not value:
        raise _Fallback
    try:
        instant = dt.datetime.fromisoformat(value)  # what marshmallow's DateTime does with format "iso"
    except ValueError:
        raise _Fallback from None
    if instant.utcoffset() is None:
        raise _Fallback  # naive: marshmallow's AwareDateTime explains
    return instant


def _dict(value):
    if type(value) is not dict:
        raise _Fallback
    return value


_SIMPLE: dict[type, Callable[[Any], Any]] = {
    fields.UUID: _uuid,
    fields.String: _string,
    fields.Integer: _integer,
    fields.Float: _float,
    fields.Boolean: _boolean,
    fields.Date: _date,
    fields.AwareDateTime: _aware,
}


# shared.fields' bounded fields convert as marshmallow's do; their range is a validator like any other (an instant
# whose comparison overflows is refused there too, and marshmallow explains)
_BASE: dict[type, type] = {
    bounded.AwareDateTime: fields.AwareDateTime,
    bounded.Date: fields.Date,
    bounded.Integer: fields.Integer,
}


def _converter(field: fields.Field, validated: bool = False) -> Callable[[Any], Any] | None:
    if field.validators:
        return _validating(field) if validated else None
    kind = _BASE.get(type(field), type(field))
    if (kind is fields.Date or kind is fields.AwareDateTime) and field.format not in (None, "iso"):  # type: ignore[attr-defined]
        return None
    if kind is fields.AwareDateTime and field.default_timezone is not None:  # type: ignore[attr-defined]
        return None
    if kind is fields.Float and field.allow_nan:  # type: ignore[attr-defined]
        return None
    if kind is fields.Dict and field.key_field is None and field.value_field is None:  # type: ignore[attr-defined]
        return _dict
    if kind is fields.List:
        inner = _converter(field.inner, validated)  # type: ignore[attr-defined]
        if inner is None:
            return None

        def many(value, inner=inner):
            if type(value) is not list:
                raise _Fallback
            return [inner(item) for item in value]

        return many
    return _SIMPLE.get(kind)


def _validating(field: fields.Field) -> Callable[[Any], Any] | None:
    """The field's conversion, then its own validators on the value: any that refuses (or raises anything) sends
    the data to marshmallow, which gives the field's error."""
    convert = _converter(_unvalidated(field))
    if convert is None:
        return None
    validators = tuple(field.validators)

    def checked(value):
        out = convert(value)
        try:
            for validator in validators:
                if validator(out) is False:
                    raise _Fallback
        except Exception:
            raise _Fallback from None
        return out

    return checked


def _unvalidated(field: fields.Field) -> fields.Field:
    """A shallow copy without validators, to ask _converter for the plain conversion."""
    import copy

    plain = copy.copy(field)
    plain.validators = []
    return plain


def _has_hooks(schema: Schema) -> bool:
    cls = type(schema)
    return any(hasattr(getattr(cls, name, None), "__marshmallow_hook__") for name in dir(cls))


def compile_loader(
    schema: Schema, validated: bool = False, fallback: Callable[[Any], dict] | None = None
) -> Callable[[dict], dict]:
    """schema.load, faster for the data a producer of ours writes; exactly schema.load otherwise.

    validated: fields with validators (and shared.fields' bounded ones) are compiled too, their validators run
    on the converted value; and a key the schema does not know goes to marshmallow unless the schema excludes
    unknown keys (what a request body needs: shared.fields.FastLoad). fallback: marshmallow's load of the schema
    (schema.load unless the schema's own load is this one)."""
    slow = fallback or schema.load
    plan = []
    for name, field in schema.load_fields.items():
        convert = _converter(field, validated)
        if convert is None or field.data_key not in (None, name):
            return slow
        plan.append((name, convert, field.required, field.allow_none, field.load_default))
    if _has_hooks(schema):
        return slow
    known = frozenset(schema.load_fields) if validated and schema.unknown != EXCLUDE else None

    def load(data: dict) -> dict:
        if type(data) is not dict or (known is not None and not known.issuperset(data)):
            return slow(data)
        try:
            return _apply(plan, data)
        except _Fallback:
            return slow(data)

    return load


# --- producing: Python values or their JSON forms in, the normalised JSON form the schema would dump out ---


def _p_uuid(value):
    if type(value) is uuid.UUID:
        return str(value)
    return str(_uuid(value))


def _p_date(value):
    if type(value) is dt.date:
        return value.isoformat()
    return _date(value).isoformat()


def _p_aware(value):
    if type(value) is dt.datetime:
        if value.utcoffset() is None:
            raise _Fallback
        return value.isoformat()
    return _aware(value).isoformat()


_PRODUCE: dict[type, Callable[[Any], Any]] = {
    fields.UUID: _p_uuid,
    fields.String: _string,
    fields.Integer: _integer,
    fields.Float: _float,
    fields.Boolean: _boolean,
    fields.Date: _p_date,
    fields.AwareDateTime: _p_aware,
}


def _producer(field: fields.Field) -> Callable[[Any], Any] | None:
    if _converter(field) is None or type(field) is fields.Dict:
        return None
    if type(field) is fields.List:
        inner = _producer(field.inner)
        if inner is None:
            return None

        def many(value, inner=inner):
            if type(value) not in (list, tuple):
                raise _Fallback
            return [inner(item) for item in value]

        return many
    return _PRODUCE.get(type(field))


def _plain_default(default) -> bool:
    return default is missing or default is None or default is list or type(default) in (int, str, bool)


def compile_producer(schema: Schema) -> Callable[[dict], dict] | None:
    """What `schema.dump(schema.load(json form of data))` gives, without the JSON round trip and marshmallow,
    for data it takes as it is; raises LookupError (fall back) otherwise. None when the schema is not simple."""
    plan = []
    for name, field in schema.load_fields.items():
        convert = _producer(field)
        if (
            convert is None
            or field.data_key not in (None, name)
            or not _plain_default(field.load_default)
            or name not in schema.dump_fields
            or schema.dump_fields[name].data_key not in (None, name)
        ):
            return None
        plan.append((name, convert, field.required, field.allow_none, field.load_default))
    if _has_hooks(schema) or set(schema.dump_fields) != set(schema.load_fields):
        return None

    def produce(data: dict) -> dict:
        if type(data) is not dict:
            raise LookupError
        try:
            return _apply(plan, data)
        except _Fallback:
            raise LookupError from None

    return produce
