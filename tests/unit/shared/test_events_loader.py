"""The fast event-data loader gives what marshmallow gives: the same values for every catalogue type, the same errors
for bad data; and the envelope is checked exactly, whatever a hostile body holds."""
import json
import uuid

import pytest
from marshmallow import ValidationError, fields

from shared import events
from shared.events.loader import compile_loader
from shared.events.registry import loader_for, schema_for

TYPES = events.known_types()


def _sample(field):
    if isinstance(field, fields.List):
        return [_sample(field.inner), _sample(field.inner)]
    if isinstance(field, fields.Nested):
        return {name: _sample(inner) for name, inner in field.schema.load_fields.items()}
    return {fields.UUID: str(uuid.uuid4()), fields.String: "SP1", fields.Integer: 42, fields.Float: 0.5,
            fields.Boolean: True, fields.Date: "2026-03-10", fields.AwareDateTime: "2026-03-10T07:00:00.5+07:00",
            fields.Dict: {"a": 1}, fields.Decimal: "0.95"}[type(field)]


def _valid(type_):
    return {name: _sample(field) for name, field in schema_for(type_).load_fields.items()}


def _outcome(load, data):
    try:
        return "loaded", load(data)
    except ValidationError as error:
        return "refused", error.messages


@pytest.mark.parametrize("type_", TYPES)
def test_every_catalogue_type_loads_to_the_same_values_as_with_marshmallow(type_):
    data = {**_valid(type_), "field_from_a_newer_producer": 1}
    assert compile_loader(schema_for(type_))(data) == schema_for(type_).load(data)


@pytest.mark.parametrize("type_", TYPES)
@pytest.mark.parametrize("bad", [None, "zz", 10**30, -1, 1.5, True, "2026-03-10T07:00:00", "1", [], {}, "missing"])
def test_every_field_with_any_bad_value_gives_marshmallows_own_answer(type_, bad):
    schema, fast = schema_for(type_), loader_for(type_)
    for name in schema.load_fields:
        data = _valid(type_)
        if bad == "missing":
            del data[name]
        else:
            data[name] = bad
        assert _outcome(fast, data) == _outcome(schema.load, data), name


def test_the_hot_types_get_a_compiled_loader_not_marshmallows():
    for type_ in ("routes.pickup.confirmed", "routes.pickup.missed", "routes.weighing.recorded"):
        assert loader_for(type_) is not schema_for(type_).load


def _body(**changes) -> bytes:
    envelope = events.make("routes.pickup.missed", {
        "pickup_id": uuid.uuid4(), "contract_id": uuid.uuid4(), "route_id": uuid.uuid4(), "point_id": uuid.uuid4(),
        "date": "2026-11-02", "window_end": "2026-11-02T00:00:00+00:00"}, producer="routes").to_dict()
    return json.dumps({**envelope, **changes}).encode()


@pytest.mark.parametrize("body", [
    b"[" * 100_000, b'{"a":' * 100_000, b"\xff\xfe", b"[]", b"null", b'"x"',
    _body(version="1"), _body(version=True), _body(version=0), _body(id=5), _body(id="not-a-uuid"),
    _body(data=[1]), _body(producer=None), _body(type=["x"]), _body(correlation_id=5),
    _body(data={"pickup_id": [[[[]]]]}),
], ids=lambda body: repr(body[:40]))
def test_a_body_that_is_not_a_valid_envelope_is_a_value_error_never_anything_else(body):
    with pytest.raises((ValueError, events.UnknownEventType)):
        events.parse(body)


def test_envelope_errors_name_the_fields_at_fault():
    with pytest.raises(ValueError) as refused:
        events.parse(_body(version="1", producer=None))
    assert "version" in str(refused.value) and "producer" in str(refused.value)


def _python_form(type_):
    """The data as a producer passes it: Python values (uuid, date, aware datetime) where the schema has them."""
    import datetime as dt
    data = _valid(type_)
    for name, field in schema_for(type_).load_fields.items():
        if type(field) is fields.UUID:
            data[name] = uuid.UUID(data[name])
        elif type(field) is fields.Date:
            data[name] = dt.date.fromisoformat(data[name])
        elif type(field) is fields.AwareDateTime:
            data[name] = dt.datetime.fromisoformat(data[name])
    return data


def _slow_make(type_, data):
    from shared.events.envelope import _jsonable
    schema = schema_for(type_)
    try:
        return "made", schema.dump(schema.load(json.loads(json.dumps(data, default=_jsonable))))
    except ValidationError as error:
        return "refused", error.messages


def _fast_make(type_, data):
    try:
        return "made", events.make(type_, data, producer="test").data
    except events.InvalidEvent as error:
        return "refused", error.errors


@pytest.mark.parametrize("type_", TYPES)
def test_making_an_event_normalises_its_data_as_marshmallow_would_in_either_form(type_):
    for data in (_valid(type_), _python_form(type_), {**_valid(type_), "not_in_the_schema": 1}):
        assert _fast_make(type_, data) == _slow_make(type_, data)


@pytest.mark.parametrize("type_", TYPES)
@pytest.mark.parametrize("bad", [None, "zz", 1.5, True, "2026-03-10T07:00:00", "1", [], "missing"])
def test_making_an_event_with_bad_data_is_refused_as_marshmallow_would(type_, bad):
    for name in schema_for(type_).load_fields:
        data = _python_form(type_)
        if bad == "missing":
            del data[name]
        else:
            data[name] = bad
        assert _fast_make(type_, data) == _slow_make(type_, data), name
