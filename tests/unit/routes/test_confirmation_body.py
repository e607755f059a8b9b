"""The confirmation body's compiled load (shared.fields.FastLoad) gives what marshmallow gives: the same values for a
valid body, the same 422 fields and messages for every kind of bad one."""
import pytest
from marshmallow import Schema, ValidationError

from services.routes.schemas import ConfirmationIn

VALID = {"collected_at": "2026-03-10T14:00:00.5+07:00", "lat": 0.612, "lon": 101.438, "photo_sha256": "ab" * 32,
         "note": "bersih"}
BAD = [None, "zz", 10**30, -1, 1, 1.5, 91.0, -181.0, float("nan"), float("inf"), True, "2026-03-10T07:00:00",
       "0001-01-01T00:00:00+14:00", "1999-12-31T23:00:00+00:00", "2026-03-10T07:00:00Z", "1", "ab" * 31, "x" * 2001,
       [], {}, "missing"]


def _outcome(load, data):
    try:
        return "loaded", load(data)
    except ValidationError as error:
        return "refused", error.messages


def _marshmallow(schema):
    return lambda data: Schema.load(schema, data)


@pytest.mark.parametrize("body", [VALID, {k: VALID[k] for k in ("collected_at", "lat", "lon")},
                                  {**VALID, "photo_sha256": None, "note": None}, {**VALID, "lat": 1}])
def test_a_valid_body_loads_to_marshmallows_values(body):
    schema = ConfirmationIn()
    assert _outcome(schema.load, body) == _outcome(_marshmallow(schema), body)
    assert _outcome(schema.load, body)[0] == "loaded"


@pytest.mark.parametrize("bad", BAD, ids=repr)
def test_every_field_with_any_bad_value_gives_marshmallows_own_answer(bad):
    schema = ConfirmationIn()
    for name in ConfirmationIn().load_fields:
        data = dict(VALID)
        if bad == "missing":
            del data[name]
        else:
            data[name] = bad
        assert _outcome(schema.load, data) == _outcome(_marshmallow(schema), data), name


@pytest.mark.parametrize("body", [{**VALID, "extra": 1}, [VALID], "x", None, {**VALID, "lat": "0.5"}], ids=repr)
def test_unknown_keys_and_other_shapes_are_marshmallows_to_answer(body):
    schema = ConfirmationIn()
    assert _outcome(schema.load, body) == _outcome(_marshmallow(schema), body)


def test_the_body_is_compiled_not_marshmallows():
    schema = ConfirmationIn()
    assert schema._compiled is not None and getattr(schema._compiled, "__name__", "") == "load"
