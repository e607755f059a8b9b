"""HTTP request and response schemas of the contracts API (marshmallow, documented by flask-smorest)."""

from __future__ import annotations

from marshmallow import Schema, validate

from services.contracts.rules import LEVELS
from shared import fields
from shared.pagination import PageArgs

STATUSES = ("draft", "active", "suspended", "terminated", "expired")
RATIO = validate.Range(min=0, max=1)
MONEY = validate.Range(min=1, error="Must be a positive whole Rupiah amount.")
RATE_RP = validate.Range(min=0, error="Must be zero or a positive whole Rupiah amount.")
TEXT = validate.Length(min=1, max=2000)


class ContractorIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    npwp = fields.String(required=True, metadata={"description": "15 or 16 digits; 01.234.567.8-901.000 is fine"})
    address = fields.String(load_default=None, validate=validate.Length(max=2000))
    phone = fields.String(
        load_default=None, validate=validate.Regexp(r"^\+?[0-9 ()\-]{5,40}$", error="Not a phone number.")
    )
    email = fields.Email(load_default=None)


class ContractorOut(Schema):
    id = fields.UUID()
    name = fields.String()
    npwp = fields.String()
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    registered_at = fields.AwareDateTime()


class ContractorQuery(PageArgs):
    name = fields.String(metadata={"description": "part of the name, any case"})


class SlaIn(Schema):
    grace_minutes = fields.Integer(strict=True, validate=validate.Range(min=0, max=24 * 60))
    geofence_m = fields.Integer(strict=True, validate=validate.Range(min=1, max=10_000))
    sync_allowance_hours = fields.Integer(strict=True, validate=validate.Range(min=0, max=24 * 31))
    min_on_time_ratio = fields.Float(validate=RATIO)
    complaint_hours_priority = fields.Integer(strict=True, validate=validate.Range(min=1, max=24 * 31))
    complaint_hours_normal = fields.Integer(strict=True, validate=validate.Range(min=1, max=24 * 31))
    shortfall_ratio = fields.Float(validate=RATIO)
    shortfall_days_allowed = fields.Integer(strict=True, validate=validate.Range(min=0, max=31))


class PenaltiesIn(Schema):
    missed_pickup_rp = fields.Integer(strict=True, validate=RATE_RP)
    complaint_day_rp = fields.Integer(strict=True, validate=RATE_RP)
    shortfall_day_rp = fields.Integer(strict=True, validate=RATE_RP)
    cap_ratio = fields.Float(validate=validate.Range(min=0, max=1, min_inclusive=False))


class SlaOut(SlaIn):
    pass


class PenaltiesOut(PenaltiesIn):
    cap_rp = fields.Integer()


class ContractIn(Schema):
    number = fields.String(
        required=True, validate=[validate.Length(min=1, max=80), validate.Regexp(r".*\S", error="Must not be blank.")]
    )
    contractor_id = fields.UUID(required=True)
    kawasan = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kecamatan = fields.List(
        fields.String(validate=validate.Length(min=1, max=60)), required=True, validate=validate.Length(min=1, max=15)
    )
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    value_rp = fields.Integer(
        strict=True, required=True, validate=MONEY, metadata={"description": "nilai kontrak, before PPN"}
    )
    unit_price_rp_per_ton = fields.Integer(strict=True, required=True, validate=MONEY)
    daily_target_kg = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    ppn_rate = fields.Float(load_default=None, validate=validate.Range(min=0, max=1, max_inclusive=False))
    sla = fields.Nested(SlaIn, load_default=None)
    penalties = fields.Nested(PenaltiesIn, load_default=None)
    performance_bond_rp = fields.Integer(
        strict=True,
        load_default=None,
        validate=MONEY,
        metadata={"description": "jaminan pelaksanaan; default 5% of value_rp"},
    )


class ContractQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    contractor_id = fields.UUID()
    kecamatan = fields.String()


class ReasonIn(Schema):
    reason = fields.String(required=True, validate=TEXT)


class OptionalReasonIn(Schema):
    reason = fields.String(load_default=None, validate=TEXT)


class ActivateIn(OptionalReasonIn):
    activated_on = fields.Date(
        load_default=None,
        metadata={
            "description": "the WIB day it took effect (SPMK) when keyed in later; default today; never a day to come"
        },
    )


class AmendmentIn(Schema):
    value_rp = fields.Integer(strict=True, validate=MONEY)
    start_date = fields.Date()
    end_date = fields.Date()
    unit_price_rp_per_ton = fields.Integer(strict=True, validate=MONEY)
    daily_target_kg = fields.Integer(strict=True, validate=validate.Range(min=1))
    ppn_rate = fields.Float(validate=validate.Range(min=0, max=1, max_inclusive=False))
    sla = fields.Nested(SlaIn)
    penalties = fields.Nested(PenaltiesIn)
    performance_bond_rp = fields.Integer(strict=True, validate=MONEY)
    reason = fields.String(load_default=None, validate=TEXT)
    effective_from = fields.Date(
        load_default=None,
        metadata={"description": "WIB day from which the new terms apply; default the day it is recorded"},
    )


class AmendmentOut(Schema):
    id = fields.UUID()
    contract_id = fields.UUID()
    amendment_no = fields.Integer()
    effective_from = fields.Date(allow_none=True)
    reason = fields.String(allow_none=True)
    changes = fields.Dict(metadata={"description": "the fields this amendment set, with their new values"})
    previous = fields.Dict(metadata={"description": "the same fields as they were before"})
    created_at = fields.AwareDateTime()
    created_by = fields.String()


class WarningIn(Schema):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    reason = fields.String(required=True, validate=TEXT)
    breach_ids = fields.List(
        fields.UUID(),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "at least one breach of this contract"},
    )


class WarningOut(Schema):
    id = fields.UUID()
    contract_id = fields.UUID()
    level = fields.String()
    reason = fields.String()
    breach_ids = fields.List(fields.UUID())
    issued_at = fields.AwareDateTime()
    issued_by = fields.String()
    withdrawn_breach_ids = fields.List(
        fields.UUID(), metadata={"description": "breaches this letter names that routes has since withdrawn"}
    )
    rests_only_on_withdrawn = fields.Boolean(
        metadata={"description": "every breach it names was withdrawn: the letter no longer rests on any"}
    )


class BreachOut(Schema):
    id = fields.UUID()
    contract_id = fields.UUID()
    month = fields.String()
    measure = fields.String()
    threshold = fields.Float()
    value = fields.Float()
    evidence = fields.List(fields.String())
    received_at = fields.AwareDateTime()
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    withdrawn_reason = fields.String(allow_none=True)


class ContractOut(Schema):
    id = fields.UUID()
    number = fields.String()
    contractor_id = fields.UUID()
    kawasan = fields.String()
    kecamatan = fields.List(fields.String())
    start_date = fields.Date()
    end_date = fields.Date()
    value_rp = fields.Integer()
    unit_price_rp_per_ton = fields.Integer()
    daily_target_kg = fields.Integer()
    ppn_rate = fields.Float()
    sla = fields.Nested(SlaOut)
    penalties = fields.Nested(PenaltiesOut)
    performance_bond_rp = fields.Integer()
    activated_on = fields.Date(allow_none=True, metadata={"description": "WIB day of activation"})
    status = fields.String(metadata={"description": "expired as soon as the end date has passed (WIB)"})
    status_reason = fields.String(allow_none=True)
    amendment_no = fields.Integer(metadata={"description": "number of the latest amendment, 0 for none"})
    amendments = fields.List(fields.Nested(AmendmentOut))
    warnings = fields.List(fields.Nested(WarningOut))
    cap_reached_at = fields.AwareDateTime(allow_none=True)
    termination_grounds = fields.List(fields.String())
    termination_eligible = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    activated_at = fields.AwareDateTime(allow_none=True)
    suspended_at = fields.AwareDateTime(allow_none=True)
    terminated_at = fields.AwareDateTime(allow_none=True)
    expired_at = fields.AwareDateTime(allow_none=True)
