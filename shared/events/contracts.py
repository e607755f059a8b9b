"""Events the contracts service publishes."""
from marshmallow import Schema, fields, validate

from shared.events.registry import event

LEVELS = ("SP1", "SP2", "SP3")


class SlaTerms(Schema):
    grace_minutes = fields.Integer(required=True)
    geofence_m = fields.Integer(required=True)
    sync_allowance_hours = fields.Integer(required=True)
    min_on_time_ratio = fields.Float(required=True)
    complaint_hours_priority = fields.Integer(required=True)
    complaint_hours_normal = fields.Integer(required=True)
    shortfall_ratio = fields.Float(required=True)
    shortfall_days_allowed = fields.Integer(required=True)


class PenaltyTerms(Schema):
    missed_pickup_rp = fields.Integer(required=True)
    complaint_day_rp = fields.Integer(required=True)
    shortfall_day_rp = fields.Integer(required=True)
    cap_ratio = fields.Float(required=True)
    cap_rp = fields.Integer(required=True)


@event("contracts.contractor.registered")
class ContractorRegistered(Schema):
    contractor_id = fields.UUID(required=True)
    name = fields.String(required=True)
    npwp = fields.String(required=True)


@event("contracts.contract.activated")
class ContractActivated(Schema):
    contract_id = fields.UUID(required=True)
    number = fields.String(required=True)
    contractor_id = fields.UUID(required=True)
    kawasan = fields.String(required=True)
    kecamatan = fields.List(fields.String(), required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    value_rp = fields.Integer(required=True)
    unit_price_rp_per_ton = fields.Integer(required=True)
    daily_target_kg = fields.Integer(required=True)
    ppn_rate = fields.Float(required=True)
    sla = fields.Nested(SlaTerms, required=True)
    penalties = fields.Nested(PenaltyTerms, required=True)


@event("contracts.contract.amended")
class ContractAmended(Schema):
    """Carries the changed fields only; absent means unchanged."""

    contract_id = fields.UUID(required=True)
    amendment_no = fields.Integer(required=True)
    value_rp = fields.Integer()
    start_date = fields.Date()
    end_date = fields.Date()
    unit_price_rp_per_ton = fields.Integer()
    daily_target_kg = fields.Integer()
    ppn_rate = fields.Float()
    sla = fields.Nested(SlaTerms)
    penalties = fields.Nested(PenaltyTerms)


class _LifecycleChange(Schema):
    contract_id = fields.UUID(required=True)
    reason = fields.String(allow_none=True, load_default=None)
    at = fields.AwareDateTime(required=True)


@event("contracts.contract.suspended")
class ContractSuspended(_LifecycleChange):
    pass


@event("contracts.contract.resumed")
class ContractResumed(_LifecycleChange):
    pass


@event("contracts.contract.terminated")
class ContractTerminated(_LifecycleChange):
    pass


@event("contracts.contract.expired")
class ContractExpired(_LifecycleChange):
    pass


@event("contracts.warning.issued")
class WarningIssued(Schema):
    contract_id = fields.UUID(required=True)
    warning_id = fields.UUID()
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    reason = fields.String(required=True)
    breach_ids = fields.List(fields.UUID(), load_default=list)
