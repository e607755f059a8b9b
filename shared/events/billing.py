"""Events the billing service publishes."""

from marshmallow import Schema, fields

from shared.events.registry import event


@event("billing.penalty.assessed")
class PenaltyAssessed(Schema):
    contract_id = fields.UUID(required=True)
    month = fields.String(required=True)
    kind = fields.String(required=True)
    amount_rp = fields.Integer(required=True)
    evidence = fields.List(fields.String(), required=True)


@event("billing.penalty.cap_reached")
class PenaltyCapReached(Schema):
    contract_id = fields.UUID(required=True)
    cap_rp = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)


class _InvoiceChange(Schema):
    invoice_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    month = fields.String(required=True)
    dpp_rp = fields.Integer(required=True)
    ppn_rp = fields.Integer(required=True)
    total_rp = fields.Integer(required=True)


@event("billing.invoice.issued")
class InvoiceIssued(_InvoiceChange):
    pass


@event("billing.invoice.approved")
class InvoiceApproved(_InvoiceChange):
    pass


@event("billing.invoice.paid")
class InvoicePaid(_InvoiceChange):
    pass


class _Objection(Schema):
    objection_id = fields.UUID(required=True)
    invoice_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    contractor_id = fields.UUID(required=True)
    month = fields.String(required=True)  # the invoice's month
    kind = fields.String(required=True)  # missed_pickup, complaint_day, shortfall_day
    ref = fields.String(required=True)  # the evidence ref as listed on the invoice line


@event("billing.objection.filed")
class ObjectionFiled(_Objection):
    fact_month = fields.String()
    fact_date = fields.Date(allow_none=True, load_default=None)
    reason = fields.String(required=True)
    photo_sha256 = fields.List(fields.String(), load_default=list)
    filed_at = fields.AwareDateTime(required=True)
    deadline = fields.AwareDateTime()


@event("billing.objection.decided")
class ObjectionDecided(_Objection):
    fact_date = fields.Date(allow_none=True, load_default=None)  # the WIB day of the fact, when billing knows it
    accepted = fields.Boolean(required=True)
    reason = fields.String(required=True)
    decided_by = fields.String()
    decided_at = fields.AwareDateTime(required=True)
