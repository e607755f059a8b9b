"""`<service>.audit.head_published`: each service's audit chain head, so a rewrite is detectable outside its database."""

from marshmallow import Schema, fields

from shared.events.registry import event

PRODUCERS = ("contracts", "routes", "billing")


class AuditHead(Schema):
    seq = fields.Integer(required=True)
    hash = fields.String(required=True)
    at = fields.AwareDateTime(required=True)  # the head entry's own instant


for _service in PRODUCERS:
    event(f"{_service}.audit.head_published")(type(f"{_service.title()}AuditHead", (AuditHead,), {}))
