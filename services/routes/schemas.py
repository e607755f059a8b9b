"""Request and response bodies of the routes API (marshmallow, documented in /openapi.json)."""

from marshmallow import Schema, validate

from services.routes.photos import VARIANTS
from shared import fields
from shared.city import POINT_KINDS, VEHICLE_TYPES
from shared.pagination import PageArgs

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


class ConfirmationIn(fields.FastLoad):
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


class WeighingIn(Schema):
    ticket_no = fields.String(required=True, validate=validate.Length(min=1, max=60))
    plate = fields.String(required=True, validate=validate.Length(min=1, max=20))
    gross_kg = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=200_000))
    tare_kg = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=100_000))
    weighed_at = fields.AwareDateTime(required=True)


class WeighingOut(Schema):
    id = fields.String()
    ticket_no = fields.String()
    plate = fields.String()
    vehicle_id = fields.String(allow_none=True)
    contract_id = fields.String(allow_none=True)
    gross_kg = fields.Integer()
    tare_kg = fields.Integer()
    net_kg = fields.Integer()
    weighed_at = fields.AwareDateTime()
    flags = fields.List(fields.String())
    cleared = fields.Boolean()
    cleared_at = fields.AwareDateTime(allow_none=True)
    clear_reason = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()


class WeighingArgs(PageArgs):
    contract_id = fields.UUID()
    plate = fields.String()
    from_ = fields.Date(data_key="from", metadata={"description": "WIB date"})
    to = fields.Date(metadata={"description": "WIB date, inclusive"})
    flagged = fields.Boolean()


class ComplaintIn(Schema):
    point_id = fields.UUID(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    channel = fields.String(
        required=True,
        validate=validate.Length(min=1, max=30),
        metadata={"description": "phone, whatsapp, lapor, walk_in, social_media, ..."},
    )
    reported_at = fields.AwareDateTime(allow_none=True)


class ComplaintOut(Schema):
    id = fields.String()
    point_id = fields.String()
    contract_id = fields.String()
    contractor_id = fields.String()
    description = fields.String()
    channel = fields.String()
    priority = fields.Boolean()
    reported_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime()
    status = fields.String()
    overdue_at = fields.AwareDateTime(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolution_note = fields.String(allow_none=True)
    resolution_photo_sha256 = fields.String(allow_none=True)
    overdue_days = fields.Integer()
    resolved_at_claimed = fields.AwareDateTime(
        allow_none=True, metadata={"description": "the device time the contractor sent"}
    )
    resolution_received_at = fields.AwareDateTime(allow_none=True, metadata={"description": "server receipt time"})
    resolved_at_counts = fields.String(
        allow_none=True,
        metadata={
            "description": "which time resolved_at is: device (as sent) or received (dated back beyond the sync "
            "allowance, so the receipt time counts)"
        },
    )


class ComplaintArgs(PageArgs):
    contract_id = fields.UUID()
    point_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(("open", "overdue", "resolved")))


class ResolutionIn(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    resolved_at = fields.AwareDateTime(allow_none=True)
    photo_sha256 = fields.String(
        validate=validate.Regexp(r"^[0-9a-fA-F]{64}$"),
        allow_none=True,
        metadata={"description": "a photo stored by POST /photos"},
    )


class DailyArgs(PageArgs):
    contract_id = fields.UUID()
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class DailyOut(Schema):
    contract_id = fields.String()
    date = fields.Date()
    scheduled = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    missed = fields.Integer()
    off_site = fields.Integer()
    excused = fields.Integer()
    net_kg = fields.Integer()
    target_kg = fields.Integer()
    shortfall = fields.Boolean()
    in_force = fields.Boolean(metadata={"description": "false: before activation, suspended or ended that day"})
    force_majeure = fields.Boolean(metadata={"description": "a force-majeure day was declared (no shortfall)"})
    complaints_overdue = fields.Integer()
    revision = fields.Integer()
    evaluated_at = fields.AwareDateTime()


class BreachArgs(PageArgs):
    contract_id = fields.UUID()
    month = fields.String(validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))


class BreachOut(Schema):
    id = fields.String()
    contract_id = fields.String()
    contractor_id = fields.String()
    month = fields.String()
    measure = fields.String()
    threshold = fields.Float()
    value = fields.Float()
    evidence = fields.Raw()
    created_at = fields.AwareDateTime()
    revision = fields.Integer(metadata={"description": "grows when changed evidence revises the breach"})
    withdrawn_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "set when the month's re-evaluation found it no longer holds (ditarik)"},
    )
    withdrawn_reason = fields.String(allow_none=True)


class ForceMajeureIn(Schema):
    contract_id = fields.UUID(required=True)
    date = fields.Date(required=True, metadata={"description": "the WIB day"})
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "banjir, jalan ditutup, acara kota, ..."},
    )
    kecamatan = fields.List(
        fields.String(validate=validate.Length(min=1, max=60)),
        load_default=None,
        validate=validate.Length(max=15),
        metadata={"description": "some of the contract's kecamatan; all of them when absent"},
    )


class ForceMajeureOut(Schema):
    id = fields.String()
    contract_id = fields.String()
    contractor_id = fields.String()
    date = fields.Date()
    reason = fields.String()
    kecamatan = fields.List(fields.String())
    whole_contract = fields.Boolean()
    pickups_excused = fields.Integer()
    declared_at = fields.AwareDateTime()
    declared_by = fields.String()


class ForceMajeureArgs(PageArgs):
    contract_id = fields.UUID()
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class PhotoOut(Schema):
    sha256 = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    width = fields.Integer()
    height = fields.Integer()


class PhotoArgs(Schema):
    variant = fields.String(load_default="display", validate=validate.OneOf(VARIANTS))
