"""Reads of what the compliance workers found: daily evaluations and monthly SLA breaches."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.routes.models import Breach, Contract, DailyEvaluation
from shared.auth import scope
from shared.pagination import paginate


def daily(session: Session, filters: dict, page: int, per_page: int) -> dict:
    query = scope(
        select(DailyEvaluation).join(Contract, Contract.id == DailyEvaluation.contract_id), Contract.contractor_id
    )
    if filters.get("contract_id"):
        query = query.where(DailyEvaluation.contract_id == str(filters["contract_id"]))
    if filters.get("from_"):
        query = query.where(DailyEvaluation.date >= filters["from_"])
    if filters.get("to"):
        query = query.where(DailyEvaluation.date <= filters["to"])
    return paginate(session, query.order_by(DailyEvaluation.contract_id, DailyEvaluation.date), page, per_page)


def breaches(session: Session, filters: dict, page: int, per_page: int) -> dict:
    query = scope(select(Breach), Breach.contractor_id)
    if filters.get("contract_id"):
        query = query.where(Breach.contract_id == str(filters["contract_id"]))
    if filters.get("month"):
        query = query.where(Breach.month == filters["month"])
    return paginate(session, query.order_by(Breach.month, Breach.contract_id, Breach.measure), page, per_page)
