"""marshmallow's fields with Kawal's bounds: every date, instant and integer an API reads is in range.

Schemas import `from shared import fields` instead of marshmallow's: the same names, but a Date or an
AwareDateTime outside MIN_DATE..MAX_DATE and an Integer beyond +-MAX_INTEGER are a 422 naming the field, never an
overflow in date arithmetic or in a BIGINT column (a 500). New fields pick the bounds up by being declared here."""

from __future__ import annotations

import datetime as dt
import functools

from marshmallow import Schema, validate
from marshmallow import fields as _marshmallow
from marshmallow.fields import *  # noqa: F401,F403  (the rest of marshmallow's fields, unchanged)

MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2099, 12, 31)
# Rupiah, kilograms, counts: far above any real figure, below BIGINT (9.2e18) and exact in a JavaScript number
MAX_INTEGER = 10**15
# A contract (with its amendments) spans at most this many years: the daily evaluation walks its days.
MAX_PERIOD_YEARS = 10
MONTH = validate.Regexp(r"^20\d{2}-(0[1-9]|1[0-2])$", error="Use YYYY-MM, a month from 2000-01 to 2099-12.")

_DATE_RANGE = validate.Range(min=MIN_DATE, max=MAX_DATE, error=f"Must be a date from {MIN_DATE} to {MAX_DATE}.")
_INSTANT_RANGE = validate.Range(
    min=dt.datetime.combine(MIN_DATE, dt.time(), dt.timezone.utc),
    max=dt.datetime.combine(MAX_DATE, dt.time(23, 59, 59), dt.timezone.utc),
    error=f"Must be an instant from {MIN_DATE} to {MAX_DATE}.",
)


class Date(_marshmallow.Date):  # type: ignore[no-redef]  # replaces the star import's Date on purpose
    """An ISO date from MIN_DATE to MAX_DATE."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.insert(0, _DATE_RANGE)


class AwareDateTime(_marshmallow.AwareDateTime):  # type: ignore[no-redef]  # replaces the star import's, on purpose
    """An ISO instant with its offset, from MIN_DATE to MAX_DATE (year 1 with +14:00 underflows in Python)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except OverflowError as error:  # "0001-01-01T00:00:00+14:00" cannot even be represented in UTC
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from error

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.insert(0, _INSTANT_RANGE)


class Integer(_marshmallow.Integer):  # type: ignore[no-redef]  # replaces the star import's, on purpose
    """An integer within +-MAX_INTEGER (narrower ranges add their own validator)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.insert(0, validate.Range(min=-MAX_INTEGER, max=MAX_INTEGER))


Int = Integer  # type: ignore[misc]  # the short name follows the bounded Integer, as marshmallow's does


class FastLoad(Schema):
    """A request body's schema on a hot path: load(data) is compiled (shared.events.loader.compile_loader with
    validators): the same values for a body marshmallow takes as it is (known keys, plain JSON types, valid),
    marshmallow's own load, and so its 422 naming the field, for anything else. Loads with options are marshmallow's."""

    def __init__(self, *args, **kwargs):
        from shared.events.loader import compile_loader  # the loader builds on this module's fields

        super().__init__(*args, **kwargs)
        self._compiled = compile_loader(self, validated=True, fallback=functools.partial(Schema.load, self))

    def load(self, data, *, many=None, partial=None, unknown=None):
        if many is None and partial is None and unknown is None and not self.many and not self.partial:
            return self._compiled(data)
        return super().load(data, many=many, partial=partial, unknown=unknown)
