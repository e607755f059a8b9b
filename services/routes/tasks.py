"""Celery tasks of the routes service: each runs one compliance function in a unit of work at shared.clock.now()."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime
from functools import lru_cache
from typing import Callable, TypeVar

from celery import shared_task
from prometheus_client import Counter, Histogram
from sqlalchemy.orm import Session

from services.routes.compliance.daily import evaluate_days
from services.routes.compliance.monthly import evaluate_months
from services.routes.compliance.sweep import SweepResult, sweep
from services.routes.scheduling import schedule_ahead
from shared import clock, db, logs

log = logging.getLogger(__name__)
Result = TypeVar("Result")
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


@lru_cache(maxsize=None)
def task_metrics() -> tuple[Counter, Histogram, Counter]:
    return (
        Counter("kawal_routes_tasks_total", "Compliance task runs by outcome (ok, error).", ["task", "outcome"]),
        Histogram("kawal_routes_task_duration_seconds", "Compliance task run time.", ["task"], buckets=TASK_BUCKETS),
        Counter("kawal_routes_pickups_missed_total", "Pickups the sweep marked missed.", ["contract"]),
    )


def run_in_unit_of_work(task, name: str, body: Callable[[Session, datetime], Result]) -> Result:
    """Run body(session, now) in one transaction on the task's Celery app's database, at the shared clock's now,
    counted and timed."""
    runs, duration, _ = task_metrics()
    token = logs.correlation_id.set(str(uuid.uuid4()))  # every event of one run shares a correlation id
    started = time.perf_counter()
    try:
        with db.unit_of_work(task.app.conf.kawal_database_url) as session:
            result = body(session, clock.now())
    except Exception:
        runs.labels(name, "error").inc()
        log.exception("routes task %s failed", name)
        raise
    finally:
        duration.labels(name).observe(time.perf_counter() - started)
        logs.correlation_id.reset(token)
    runs.labels(name, "ok").inc()
    log.info("routes task %s: %s", name, result)
    return result


@shared_task(name="routes.sweep", bind=True)
def sweep_task(self) -> dict:
    """Mark missed pickups and overdue complaints."""
    result: SweepResult = run_in_unit_of_work(self, "sweep", sweep)
    missed_total = task_metrics()[2]
    for number, count in result.missed_by_contract.items():  # counted once committed
        missed_total.labels(number).inc(count)
    return {"missed": result.missed, "complaints_overdue": result.complaints_overdue}


@shared_task(name="routes.schedule_ahead", bind=True)
def schedule_ahead_task(self) -> dict:
    """Schedule the coming days' pickups of every active route."""
    return {"scheduled": run_in_unit_of_work(self, "schedule_ahead", schedule_ahead)}


@shared_task(name="routes.evaluate_days", bind=True)
def evaluate_days_task(self) -> dict:
    """Evaluate ended WIB days and revise those whose evidence changed."""
    result = run_in_unit_of_work(self, "evaluate_days", evaluate_days)
    return {"evaluated": result.evaluated, "revised": result.revised}


@shared_task(name="routes.evaluate_months", bind=True)
def evaluate_months_task(self) -> dict:
    """Evaluate WIB months past their sync allowance, and revise those not invoiced: SLA breaches."""
    result = run_in_unit_of_work(self, "evaluate_months", evaluate_months)
    return {"months": result.months, "breaches": result.breaches, "withdrawn": result.withdrawn}
