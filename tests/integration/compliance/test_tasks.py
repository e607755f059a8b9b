"""The Celery tasks run on their Celery app's database: one unit of work at the shared clock's now, counted."""
from __future__ import annotations

from datetime import date, time

import pytest
from prometheus_client import REGISTRY

from shared import clock
from services.routes import tasks
from tests.integration.compliance.seed import Network, rows

DAY = date(2026, 3, 9)


@pytest.fixture
def celery_app(routes):
    from services.routes.celery_app import create_celery_app

    return create_celery_app(routes)


def _sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_sweep_task_runs_at_the_shared_clock_now_and_counts_misses_per_contract(celery_app, routes, seed,
                                                                                    frozen_clock):
    with seed() as s:
        Network(s, number="KTR-TASK/2026").pickup(DAY)
    before = (_sample("kawal_routes_pickups_missed_total", contract="KTR-TASK/2026"),
              _sample("kawal_routes_tasks_total", task="sweep", outcome="ok"))
    frozen_clock(clock.wib_instant(DAY, time(8, 0)))
    assert celery_app.tasks["routes.sweep"].apply().get() == {"missed": 1, "complaints_overdue": 0}
    assert _sample("kawal_routes_pickups_missed_total", contract="KTR-TASK/2026") == before[0] + 1
    assert _sample("kawal_routes_tasks_total", task="sweep", outcome="ok") == before[1] + 1
    assert rows(routes, "SELECT missed_at FROM pickups")[0]["missed_at"] == clock.wib_instant(DAY, time(8, 0))


def test_the_evaluation_tasks_report_small_summaries_and_a_second_run_does_nothing(celery_app, seed, frozen_clock):
    with seed() as s:
        Network(s, start=date(2026, 2, 1))
    frozen_clock(clock.wib_instant(date(2026, 3, 2), time(6, 0)))  # February's end + its 24 h sync allowance
    assert celery_app.tasks["routes.evaluate_months"].apply().get() == {"months": 1, "breaches": 1, "withdrawn": 0}
    assert celery_app.tasks["routes.evaluate_days"].apply().get() == {"evaluated": 0, "revised": 0}
    # re-evaluated while its invoice is not issued, but unchanged evidence finds, revises and withdraws nothing
    assert celery_app.tasks["routes.evaluate_months"].apply().get() == {"months": 1, "breaches": 0, "withdrawn": 0}


def test_a_failing_task_rolls_back_its_writes_and_counts_an_error(celery_app, routes, seed, frozen_clock,
                                                                  monkeypatch):
    with seed() as s:
        Network(s).pickup(DAY)
    frozen_clock(clock.wib_instant(DAY, time(8, 0)))
    errors = _sample("kawal_routes_tasks_total", task="sweep", outcome="error")

    real_sweep = tasks.sweep

    def sweep_then_fail(session, now):
        assert real_sweep(session, now).missed == 1  # written, then the transaction must not commit
        raise RuntimeError("database went away")

    monkeypatch.setattr(tasks, "sweep", sweep_then_fail)
    result = celery_app.tasks["routes.sweep"].apply()
    assert isinstance(result.result, RuntimeError)
    assert _sample("kawal_routes_tasks_total", task="sweep", outcome="error") == errors + 1
    assert rows(routes, "SELECT status FROM pickups")[0]["status"] == "scheduled"
