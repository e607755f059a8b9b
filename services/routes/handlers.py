"""What the routes service consumes: event type -> handler(session, envelope). The read model of contracts is in
readmodel.py; an objection's decision acts on pickups and days (objections.py)."""

from services.routes import objections, readmodel

HANDLERS = {
    "contracts.contractor.registered": readmodel.contractor_registered,
    "contracts.contract.activated": readmodel.contract_activated,
    "contracts.contract.amended": readmodel.contract_amended,
    "contracts.contract.suspended": readmodel.contract_suspended,
    "contracts.contract.resumed": readmodel.contract_resumed,
    "contracts.contract.terminated": readmodel.contract_terminated,
    "contracts.contract.expired": readmodel.contract_expired,
    "billing.objection.decided": objections.objection_decided,
    "billing.invoice.issued": readmodel.invoice_issued,
}
