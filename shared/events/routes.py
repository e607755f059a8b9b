"""Events the routes service (API and compliance workers) publishes."""
from marshmallow import Schema, fields

from shared.events.registry import event


@event("routes.pickup.confirmed")
class PickupConfirmed(Schema):
    pickup_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    route_id = fields.UUID(required=True)
    point_id = fields.UUID(required=True)
    date = fields.Date(required=True)
    on_time = fields.Boolean(required=True)
    late = fields.Boolean(required=True)
    off_site = fields.Boolean(required=True)
    collected_at = fields.AwareDateTime(required=True)
    received_at = fields.AwareDateTime(required=True)
    supersedes_missed = fields.Boolean(required=True)


@event("routes.pickup.missed")
class PickupMissed(Schema):
    pickup_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    route_id = fields.UUID(required=True)
    point_id = fields.UUID(required=True)
    date = fields.Date(required=True)
    window_end = fields.AwareDateTime(required=True)


class _PickupDecision(Schema):
    pickup_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    date = fields.Date()
    reason = fields.String(required=True)


@event("routes.pickup.excused")
class PickupExcused(_PickupDecision):
    pass


@event("routes.pickup.verified")
class PickupVerified(_PickupDecision):
    pass


@event("routes.weighing.recorded")
class WeighingRecorded(Schema):
    weighing_id = fields.UUID(required=True)
    contract_id = fields.UUID(allow_none=True, required=True)
    plate = fields.String(required=True)
    net_kg = fields.Integer(required=True)
    weighed_at = fields.AwareDateTime(required=True)
    flags = fields.List(fields.String(), required=True)
    cleared = fields.Boolean(required=True)


@event("routes.weighing.cleared")
class WeighingCleared(Schema):
    weighing_id = fields.UUID(required=True)
    contract_id = fields.UUID(allow_none=True, required=True)
    net_kg = fields.Integer(required=True)
    weighed_at = fields.AwareDateTime()
    reason = fields.String()


class _ComplaintChange(Schema):
    complaint_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    point_id = fields.UUID()
    reported_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime(required=True)
    resolved_at = fields.AwareDateTime(allow_none=True, load_default=None)
    overdue_days = fields.Integer(load_default=0)


@event("routes.complaint.opened")
class ComplaintOpened(_ComplaintChange):
    pass


@event("routes.complaint.resolved")
class ComplaintResolved(_ComplaintChange):
    pass


@event("routes.complaint.overdue")
class ComplaintOverdue(_ComplaintChange):
    pass


@event("routes.compliance.evaluated")
class ComplianceEvaluated(Schema):
    contract_id = fields.UUID(required=True)
    date = fields.Date(required=True)
    scheduled = fields.Integer(required=True)
    on_time = fields.Integer(required=True)
    late = fields.Integer(required=True)
    missed = fields.Integer(required=True)
    off_site = fields.Integer(required=True)
    excused = fields.Integer(required=True)
    net_kg = fields.Integer(required=True)
    target_kg = fields.Integer(required=True)
    shortfall = fields.Boolean(required=True)
    revision = fields.Integer(load_default=1)


@event("routes.sla.breached")
class SlaBreached(Schema):
    breach_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    month = fields.String(required=True)
    measure = fields.String(required=True)
    threshold = fields.Float(required=True)
    value = fields.Float(required=True)
    evidence = fields.List(fields.String(), required=True)
