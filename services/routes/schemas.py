"""Request and response bodies of the routes API (marshmallow, documented in /openapi.json)."""
from marshmallow import Schema, fields, validate

from shared.pagination import PageArgs
from services.routes.network import POINT_KINDS, VEHICLE_TYPES

PICKUP_STATUSES = ("scheduled", "confirmed", "missed", "excused")


class PointIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(POINT_KINDS))
    lat = fields.Float(required=True, allow_nan=False)
    lon = fields.Float(required=True, allow_nan=False)
    kecamatan = fields.String(required=True, validate=validate.Length(min=1, max=60))
    kelurahan = fields.String(required=True, validate=validate.Length(min=1, max=80))


class PointOut(PointIn):
    id = fields.String()
    created_at = fields.AwareDateTime()


class PointArgs(PageArgs):
    kecamatan = fields.String()
    kind = fields.String()


class VehicleIn(Schema):
    plate = fields.String(required=True, validate=validate.Length(min=1, max=20))
    contractor_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.OneOf(VEHICLE_TYPES))
    capacity_m3 = fields.Decimal(required=True, places=2, validate=validate.Range(min=0, min_inclusive=False, max=9999))
    tare_kg = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000))


class VehicleOut(Schema):
    id = fields.String()
    plate = fields.String()
    contractor_id = fields.String()
    type = fields.String()
    capacity_m3 = fields.Float()
    tare_kg = fields.Integer()


class VehicleArgs(PageArgs):
    contractor_id = fields.UUID()


class RouteIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    contract_id = fields.UUID(required=True)
    vehicle_id = fields.UUID(required=True)
    stops = fields.List(fields.UUID(), required=True)
    weekdays = fields.List(fields.Integer(strict=True), required=True)
    window_start = fields.String(required=True, metadata={"description": "WIB 'HH:MM'"})
    window_end = fields.String(required=True, metadata={"description": "WIB 'HH:MM'"})


class RouteOut(Schema):
    id = fields.String()
    code = fields.String()
    contract_id = fields.String()
    contractor_id = fields.String()
    vehicle_id = fields.String()
    stops = fields.List(fields.String())
    weekdays = fields.List(fields.Integer())
    window_start = fields.String()
    window_end = fields.String()


class RouteArgs(PageArgs):
    contract_id = fields.UUID()
    vehicle_id = fields.UUID()


class ScheduleIn(Schema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)


class ScheduleOut(Schema):
    scheduled = fields.Integer()


class ConfirmationIn(Schema):
    collected_at = fields.AwareDateTime(required=True)
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-180, max=180))
    photo_sha256 = fields.String(validate=validate.Regexp(r"^[0-9a-fA-F]{64}$"), allow_none=True)
    note = fields.String(validate=validate.Length(max=2000), allow_none=True)


class ConfirmationOut(Schema):
    id = fields.String()
    pickup_id = fields.String()
    status = fields.String()
    collected_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime()
    lat = fields.Float()
    lon = fields.Float()
    distance_m = fields.Float()
    on_time = fields.Boolean()
    late = fields.Boolean()
    off_site = fields.Boolean()
    supersedes_missed = fields.Boolean()
    photo_sha256 = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class ReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PickupOut(Schema):
    id = fields.String()
    route_id = fields.String()
    stop_seq = fields.Integer()
    point_id = fields.String()
    contract_id = fields.String()
    contractor_id = fields.String()
    date = fields.Date()
    window_start_at = fields.AwareDateTime()
    window_end_at = fields.AwareDateTime()
    status = fields.String()
    on_time = fields.Boolean(allow_none=True)
    off_site = fields.Boolean(allow_none=True)
    missed_at = fields.AwareDateTime(allow_none=True)
    superseded_miss = fields.Boolean()
    excuse_reason = fields.String(allow_none=True)
    verified_at = fields.AwareDateTime(allow_none=True)
    verify_reason = fields.String(allow_none=True)


class PickupDetailOut(PickupOut):
    confirmation = fields.Nested(ConfirmationOut, allow_none=True)


class PickupArgs(PageArgs):
    date = fields.Date()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    route_id = fields.UUID()
    contract_id = fields.UUID()
    point_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(PICKUP_STATUSES))
