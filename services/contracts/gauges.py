"""Domain gauges read from the database at scrape time: contracts by status, warning letters by contract."""
from __future__ import annotations

from sqlalchemy import func, select

from services.contracts.contracts import status_expression
from services.contracts.models import Contract, WarningLetter
from shared import clock, db
from shared.metrics import GaugeCollector, add_collector

_database: dict[str, str | None] = {"url": None}  # the latest app's database; the collectors are registered once per process


def contracts_by_status():
    status = status_expression(clock.today_wib())
    with db.unit_of_work(_database["url"]) as session:
        rows = session.execute(select(status, func.count()).group_by(status)).all()
    return [((row[0],), row[1]) for row in rows]


def warning_letters_by_contract():
    with db.unit_of_work(_database["url"]) as session:
        rows = session.execute(select(Contract.number, WarningLetter.level, func.count())
                               .join(Contract, Contract.id == WarningLetter.contract_id)
                               .group_by(Contract.number, WarningLetter.level)).all()
    return [((number, level), count) for number, level, count in rows]


def install(database_url: str) -> None:
    first = _database["url"] is None
    _database["url"] = database_url
    if first:
        add_collector(GaugeCollector("kawal_contracts_contracts", "Contracts by status (expired once past the end).",
                                     ["status"], contracts_by_status))
        add_collector(GaugeCollector("kawal_contracts_warning_letters", "Warning letters issued (SP1-SP3).",
                                     ["contract", "level"], warning_letters_by_contract))
