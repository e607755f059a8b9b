"""Billing's HTTP schemas (marshmallow): requests validated, responses documented, from one definition."""
from __future__ import annotations

from marshmallow import Schema, validate

from shared import fields

from shared.pagination import PageArgs

MONTH = fields.MONTH
STATUSES = ("draft", "issued", "approved", "paid")


class DraftRequest(Schema):
    contract_id = fields.UUID(required=True)
    month = fields.String(required=True, validate=MONTH, metadata={"example": "2025-03"})


class InvoiceFilter(PageArgs):
    contract_id = fields.UUID()
    month = fields.String(validate=MONTH)
    status = fields.String(validate=validate.OneOf(STATUSES))


class EvidenceFilter(PageArgs):
    kind = fields.String()


class LineSchema(Schema):
    kind = fields.String(metadata={"description": "tonnage, missed_pickup, complaint_day, shortfall_day, "
                                                  "adjustment_<kind>, carried_deduction"})
    category = fields.String(metadata={"description": "charge or deduction"})
    description = fields.String()
    quantity = fields.Integer(metadata={"description": "kg, pickups or days (negative on a credit adjustment)"})
    unit = fields.String()
    unit_rp = fields.Integer(metadata={"description": "Rp per unit; Rp per ton for tonnage"})
    amount_rp = fields.Integer()
    evidence = fields.List(fields.String(), metadata={"description": "pickup, weighing, complaint ids or days "
                                                                     "(first 1000; all via /evidence)"})
    evidence_count = fields.Integer()


class InvoiceSchema(Schema):
    id = fields.UUID()
    contract_id = fields.UUID()
    contractor_id = fields.UUID()
    month = fields.String()
    status = fields.String()
    lines = fields.List(fields.Nested(LineSchema))
    tonnage_kg = fields.Integer()
    tonnage_gross_rp = fields.Integer(metadata={"description": "tonnage before the contract-value ceiling"})
    ceiling_excess_rp = fields.Integer(metadata={"description": "tonnage over the ceiling, shown, not billed"})
    tonnage_rp = fields.Integer()
    deductions_gross_rp = fields.Integer(metadata={"description": "this invoice's new deductions before the cap"})
    capped_rp = fields.Integer(metadata={"description": "deductions over the cap, shown, not deducted"})
    carried_in_rp = fields.Integer()
    deductions_rp = fields.Integer()
    carried_out_rp = fields.Integer(metadata={"description": "deductions carried to the next draft (DPP floor)"})
    dpp_rp = fields.Integer()
    ppn_rp = fields.Integer()
    total_rp = fields.Integer()
    cap_used_rp = fields.Integer()
    computed_at = fields.AwareDateTime()
    created_at = fields.AwareDateTime()
    issued_at = fields.AwareDateTime(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    paid_at = fields.AwareDateTime(allow_none=True)


class EvidenceSchema(Schema):
    kind = fields.String()
    ref = fields.String()
    fact_month = fields.String()
    quantity = fields.Integer()


class LedgerSchema(Schema):
    contract_id = fields.UUID()
    number = fields.String()
    status = fields.String()
    value_rp = fields.Integer()
    cap_rp = fields.Integer()
    cap_reached_at = fields.AwareDateTime(allow_none=True)
    invoices = fields.Integer(metadata={"description": "issued (or later) invoices"})
    tonnage_rp = fields.Integer()
    ceiling_excess_rp = fields.Integer()
    deductions_rp = fields.Integer()
    deductions_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    capped_rp = fields.Integer()
    cap_used_rp = fields.Integer()
    carried_rp = fields.Integer()
    invoiced_rp = fields.Integer()
    cap_used_ratio = fields.Float()
    ceiling_used_ratio = fields.Float()
