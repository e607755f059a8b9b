"""Billing's HTTP API, one module per resource; views stay thin (load, call one domain function in a transaction,
dump)."""

from services.billing.api import documents, invoices, ledger, objections

BLUEPRINTS = (invoices.blp, ledger.blp, objections.blp, documents.blp)
