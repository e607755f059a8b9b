"""Domain gauges read from the database at scrape time: contracts by status, warning letters by contract."""

from __future__ import annotations

from functools import partial

from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from services.contracts.contracts import status_expression
from services.contracts.models import Contract, WarningLetter
from shared import clock, db
from shared.metrics import GaugeCollector


def contracts_by_status(url: str):
    status = status_expression(clock.today_wib())
    with db.unit_of_work(url) as session:
        rows = session.execute(select(status, func.count()).group_by(status)).all()
    return [((row[0],), row[1]) for row in rows]


def warning_letters_by_contract(url: str):
    with db.unit_of_work(url) as session:
        rows = session.execute(
            select(Contract.number, WarningLetter.level, func.count())
            .join(Contract, Contract.id == WarningLetter.contract_id)
            .group_by(Contract.number, WarningLetter.level)
        ).all()
    return [((number, level), count) for number, level, count in rows]


def register(registry: CollectorRegistry, database_url: str) -> None:
    """Contracts' domain gauges on registry, read from database_url at each scrape (called by the bootstrap)."""
    registry.register(
        GaugeCollector(
            "kawal_contracts_contracts",
            "Contracts by status (expired once past the end).",
            ["status"],
            partial(contracts_by_status, database_url),
        )
    )
    registry.register(
        GaugeCollector(
            "kawal_contracts_warning_letters",
            "Warning letters issued (SP1-SP3).",
            ["contract", "level"],
            partial(warning_letters_by_contract, database_url),
        )
    )
