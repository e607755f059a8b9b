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
    summary = fields.Boolean(
        load_default=False,
        metadata={
            "description": "true: the invoices' totals only, as stored (no lines, evidence or objections): the cheap "
            "read for lists and dashboards"
        },
    )


class EvidenceFilter(PageArgs):
    kind = fields.String()


class LineSchema(Schema):
    kind = fields.String(
        metadata={
            "description": "tonnage, missed_pickup, complaint_day, shortfall_day, "
            "adjustment_<kind>, carried_deduction, bond_claim"
        }
    )
    category = fields.String(metadata={"description": "charge, deduction or claim (on the performance bond)"})
    first_date = fields.Date(allow_none=True, metadata={"description": "first WIB date of the facts it prices"})
    last_date = fields.Date(
        allow_none=True,
        metadata={"description": "last WIB date (a kind has one line per price in force over its facts' dates)"},
    )
    description = fields.String()
    quantity = fields.Integer(metadata={"description": "kg, pickups or days (negative on a credit adjustment)"})
    unit = fields.String()
    unit_rp = fields.Integer(metadata={"description": "Rp per unit; Rp per ton for tonnage"})
    amount_rp = fields.Integer()
    evidence = fields.List(
        fields.String(),
        metadata={"description": "pickup, weighing, complaint ids or days (first 1000; all via /evidence)"},
    )
    evidence_count = fields.Integer()


class InvoiceSchema(Schema):
    id = fields.UUID()
    contract_id = fields.UUID()
    contract_number = fields.String(metadata={"description": "the contract's number (nomor kontrak)"})
    contractor_id = fields.UUID()
    month = fields.String()
    status = fields.String()
    kind = fields.String(
        metadata={"description": "termin, final (termin akhir) or closing (adjustments after the final invoice)"}
    )
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
    cap_used_rp = fields.Integer(metadata={"description": "min(D(m), cap): deductions counted against the cap"})
    assessed_rp = fields.Integer(metadata={"description": "D(m): every deduction assessed through this invoice"})
    bond_claim_rp = fields.Integer(metadata={"description": "carried at the end, claimed on the performance bond"})
    performance_bond_rp = fields.Integer()
    computed_at = fields.AwareDateTime(
        metadata={"description": "when the draft was last priced (reads never reprice it)"}
    )
    created_at = fields.AwareDateTime()
    issued_at = fields.AwareDateTime(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    paid_at = fields.AwareDateTime(allow_none=True)
    objections = fields.List(
        fields.Nested(lambda: ObjectionSchema()),
        metadata={"description": "keberatan filed on this invoice, open ones included"},
    )
    sha256 = fields.String(
        allow_none=True,
        metadata={"description": "SHA-256 of the canonical JSON fixed at issue (printed on the berita acara)"},
    )


class EvidenceSchema(Schema):
    kind = fields.String()
    ref = fields.String(
        metadata={
            "description": "weighing or pickup id, YYYY-MM-DD, or <complaint id>/<n> (the n-th started day overdue)"
        }
    )
    fact_month = fields.String()
    fact_date = fields.Date()
    quantity = fields.Integer()


class LedgerSchema(Schema):
    contract_id = fields.UUID()
    number = fields.String()
    status = fields.String()
    value_rp = fields.Integer()
    cap_rp = fields.Integer()
    performance_bond_rp = fields.Integer()
    bond_claim_rp = fields.Integer()
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


OBJECTION_KINDS = ("missed_pickup", "complaint_day", "shortfall_day")
OBJECTION_STATUSES = ("open", "accepted", "rejected")
SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="A SHA-256 in lowercase hex (64 characters).")


class ObjectionItem(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(OBJECTION_KINDS),
        metadata={"description": "the deduction line the evidence is on"},
    )
    ref = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={
            "description": "the evidence ref exactly as listed on the line: a pickup id, "
            "a complaint ref, or a shortfall day (YYYY-MM-DD)"
        },
    )


class ObjectionRequest(Schema):
    items = fields.List(
        fields.Nested(ObjectionItem),
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "evidence items of the invoice's deduction lines; one objection is filed per item"},
    )
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "alasan keberatan / why the evidence is wrong"},
    )
    photo_sha256 = fields.List(
        fields.String(validate=SHA256),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "hashes of photos uploaded through routes' POST /photos"},
    )


class ObjectionSchema(Schema):
    id = fields.UUID()
    invoice_id = fields.UUID()
    contract_id = fields.UUID()
    contractor_id = fields.UUID()
    month = fields.String(metadata={"description": "the invoice's month"})
    kind = fields.String(metadata={"description": "missed_pickup, complaint_day or shortfall_day"})
    ref = fields.String()
    fact_month = fields.String(metadata={"description": "the WIB month of the disputed fact"})
    fact_date = fields.Date(metadata={"description": "the WIB day of the disputed fact"})
    reason = fields.String()
    photo_sha256 = fields.List(fields.String())
    status = fields.String(metadata={"description": "open, accepted or rejected"})
    filed_by = fields.String()
    filed_at = fields.AwareDateTime()
    decision_reason = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)


class ObjectionsFiled(Schema):
    items = fields.List(fields.Nested(ObjectionSchema))


class ObjectionFilter(PageArgs):
    invoice_id = fields.UUID()
    contract_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(OBJECTION_STATUSES))
    kind = fields.String(validate=validate.OneOf(OBJECTION_KINDS))


class DecisionRequest(Schema):
    accept = fields.Boolean(
        required=True,
        metadata={
            "description": "true: the evidence is excused (or the pickup "
            "verified) and the credit follows on the next "
            "draft; false: nothing changes"
        },
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class VerifyFilter(Schema):
    sha256 = fields.String(required=True, validate=SHA256)


class VerifySchema(Schema):
    sha256 = fields.String()
    matches = fields.Boolean(metadata={"description": "true when the hash is an issued invoice's"})
    invoice_id = fields.UUID(allow_none=True)
    contract_id = fields.UUID(allow_none=True)
    number = fields.String(allow_none=True, metadata={"description": "the contract's number"})
    month = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    total_rp = fields.Integer(allow_none=True)
    issued_at = fields.AwareDateTime(allow_none=True)
