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
