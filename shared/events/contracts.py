"""Events the contracts service publishes.

Ratios (SLA ratios, PPN rate, cap ratio) are carried exactly, as decimal strings ("0.95"), and load as Decimal,
so no consumer compares binary floats; an older producer's JSON number loads as the Decimal of its shortest repr."""

from marshmallow import Schema, fields, validate

from shared.events.registry import event

LEVELS = ("SP1", "SP2", "SP3")


class SlaTerms(Schema):
    grace_minutes = fields.Integer(required=True)
    geofence_m = fields.Integer(required=True)
    sync_allowance_hours = fields.Integer(required=True)
    min_on_time_ratio = fields.Decimal(required=True, as_string=True)
    complaint_hours_priority = fields.Integer(required=True)
    complaint_hours_normal = fields.Integer(required=True)
    shortfall_ratio = fields.Decimal(required=True, as_string=True)
    shortfall_days_allowed = fields.Integer(required=True)


class PenaltyTerms(Schema):
    missed_pickup_rp = fields.Integer(required=True)
    complaint_day_rp = fields.Integer(required=True)
    shortfall_day_rp = fields.Integer(required=True)
    cap_ratio = fields.Decimal(required=True, as_string=True)
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
    ppn_rate = fields.Decimal(required=True, as_string=True)
    sla = fields.Nested(SlaTerms, required=True)
    penalties = fields.Nested(PenaltyTerms, required=True)
    # Second edition. Absent from older producers: the consumer falls back to the envelope's occurred_at (WIB
    # date) and to 5% of value_rp.
    activated_at = fields.AwareDateTime(load_default=None)
    activated_on = fields.Date(load_default=None)  # the WIB day of activation: days before it are not in force
    performance_bond_rp = fields.Integer(load_default=None)


@event("contracts.contract.amended")
class ContractAmended(Schema):
    """Carries the changed fields only; absent means unchanged. Replicas fold amendments by amendment_no
    (shared.contract_terms), whatever order they arrive in, each applying from its effective_from (WIB date;
    absent from older producers: the WIB date of the envelope's occurred_at)."""

    contract_id = fields.UUID(required=True)
    amendment_no = fields.Integer(required=True)
    effective_from = fields.Date(load_default=None)
    reason = fields.String(allow_none=True, load_default=None)
    performance_bond_rp = fields.Integer()
    value_rp = fields.Integer()
    start_date = fields.Date()
    end_date = fields.Date()
    unit_price_rp_per_ton = fields.Integer()
    daily_target_kg = fields.Integer()
    ppn_rate = fields.Decimal(as_string=True)
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
    issued_at = fields.AwareDateTime()
