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
    # second edition: the WIB month of weighed_at, whenever keyed, and when it was keyed
    month = fields.String()
    recorded_at = fields.AwareDateTime()


@event("routes.weighing.flagged")
class WeighingFlagged(Schema):
    """A weighing already recorded is re-judged and now held out of billing (an earlier ticket of the same
    plate keyed later makes it the later of two weighings < 20 minutes apart)."""

    weighing_id = fields.UUID(required=True)
    contract_id = fields.UUID(allow_none=True, required=True)
    net_kg = fields.Integer(required=True)
    weighed_at = fields.AwareDateTime(required=True)
    flags = fields.List(fields.String(), required=True)
    reason = fields.String(required=True)


@event("routes.weighing.cleared")
class WeighingCleared(Schema):
    weighing_id = fields.UUID(required=True)
    contract_id = fields.UUID(allow_none=True, required=True)
    net_kg = fields.Integer(required=True)
    weighed_at = fields.AwareDateTime()
    reason = fields.String()


class _ComplaintChange(Schema):
    """A complaint as it stands. Overdue days: the k-th starts at due_at + (k-1) x 24 h and counts when it starts
    before resolved_at (never, while unresolved) on a WIB day the contract is in force, in the WIB month in which
    it starts (shared.contract_terms.overdue_day_starts). overdue_days_by_month is that count as of `as_of`:
    routes publishes routes.complaint.overdue again each time an unresolved complaint starts another day, and
    routes.complaint.resolved with the final counts."""

    complaint_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    point_id = fields.UUID()
    reported_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime(required=True)
    resolved_at = fields.AwareDateTime(allow_none=True, load_default=None)  # as it counts (see resolution)
    overdue_days = fields.Integer(load_default=0)
    # second edition
    priority = fields.Boolean()
    resolution_received_at = fields.AwareDateTime(allow_none=True)
    resolved_at_claimed = fields.AwareDateTime(allow_none=True)  # the device time the contractor sent
    overdue_days_by_month = fields.Dict(keys=fields.String(), values=fields.Integer(), load_default=dict)
    as_of = fields.AwareDateTime()


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
    # second edition: a day not in force is evaluated as nothing owed (no shortfall); force majeure is no shortfall
    in_force = fields.Boolean(load_default=True)
    force_majeure = fields.Boolean(load_default=False)


@event("routes.sla.breached")
class SlaBreached(Schema):
    """Published when the monthly evaluation finds a breach, and again (same breach_id, higher revision) when
    changed evidence revises its value or evidence before the month's invoice is issued."""

    breach_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    month = fields.String(required=True)
    measure = fields.String(required=True)
    threshold = fields.Decimal(required=True, as_string=True)
    value = fields.Decimal(required=True, as_string=True)
    evidence = fields.List(fields.String(), required=True)
    revision = fields.Integer(load_default=1)


@event("routes.sla.breach_withdrawn")
class SlaBreachWithdrawn(Schema):
    """A breach that no longer holds after changed evidence re-evaluated its month (before the invoice)."""

    breach_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    month = fields.String(required=True)
    measure = fields.String(load_default=None)
    reason = fields.String(required=True)


@event("routes.force_majeure.declared")
class ForceMajeureDeclared(Schema):
    """A force-majeure day: the named kecamatan's pickups that day excused (each also as routes.pickup.excused),
    and the day is no shortfall day for the contract."""

    force_majeure_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    date = fields.Date(required=True)
    reason = fields.String(required=True)
    kecamatan = fields.List(fields.String(), required=True)
    whole_contract = fields.Boolean(required=True)
    pickups_excused = fields.Integer(load_default=0)


@event("routes.complaint.day_excused")
class ComplaintDayExcused(Schema):
    """One started overdue day of a complaint is not charged (an accepted objection)."""

    complaint_id = fields.UUID(required=True)
    contract_id = fields.UUID(required=True)
    day_no = fields.Integer(required=True)  # 1-based: the day starting at due_at + (day_no - 1) x 24 h
    date = fields.Date(allow_none=True, load_default=None)  # the WIB day it starts on
    reason = fields.String(required=True)
