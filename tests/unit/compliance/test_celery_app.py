"""The routes Celery app's configuration: quorum queue on a topic exchange, late acks, confirms, beat from config."""
from __future__ import annotations

from services.routes import celery_app


def test_tasks_go_to_a_quorum_queue_on_a_topic_exchange():
    conf = celery_app.celery_config()
    [queue] = conf["task_queues"]
    assert queue.name == "routes.compliance" and queue.queue_arguments == {"x-queue-type": "quorum"}
    assert queue.exchange.type == "topic" and conf["task_default_exchange_type"] == "topic"


def test_tasks_are_acknowledged_late_one_at_a_time_with_publisher_confirms_and_time_limits():
    conf = celery_app.celery_config()
    assert conf["task_acks_late"] is True and conf["worker_prefetch_multiplier"] == 1
    assert conf["broker_transport_options"] == {"confirm_publish": True}
    assert 0 < conf["task_soft_time_limit"] < conf["task_time_limit"]


def test_a_prefork_child_grown_past_the_configured_memory_is_replaced_after_its_task(monkeypatch):
    assert celery_app.celery_config()["worker_max_memory_per_child"] == 256 * 1024  # KiB, Celery's unit
    monkeypatch.setenv("KAWAL_WORKER_MAX_MEMORY_MIB", "300")
    assert celery_app.celery_config()["worker_max_memory_per_child"] == 300 * 1024


def test_the_broker_url_comes_from_shared_config(monkeypatch):
    monkeypatch.setenv("KAWAL_CELERY_BROKER_URL", "amqp://guest:guest@broker.example:5672/kawal")
    assert celery_app.celery_config()["broker_url"] == "amqp://guest:guest@broker.example:5672/kawal"


def test_beat_intervals_come_from_config_so_the_accelerated_demo_can_tick_every_second(monkeypatch):
    monkeypatch.setenv("KAWAL_SWEEP_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS", "2.5")
    schedule = celery_app.beat_schedule()
    assert schedule["sweep"] == {"task": "routes.sweep", "schedule": 1.0, "options": {"expires": 1.0}}
    assert schedule["evaluate_days"]["schedule"] == 2.5
    assert {entry["task"] for entry in schedule.values()} == {
        "routes.sweep", "routes.schedule_ahead", "routes.evaluate_days", "routes.evaluate_months"}


def test_the_celery_app_is_built_from_config_alone_with_the_routes_database_by_default(monkeypatch):
    monkeypatch.setenv("KAWAL_ROUTES_DATABASE_URL", "postgresql+psycopg://kawal_routes_app@db.example/kawal_routes")
    app = celery_app.create_celery_app()
    assert app.conf.kawal_database_url == "postgresql+psycopg://kawal_routes_app@db.example/kawal_routes"
    assert app.conf.task_acks_late is True and "services.routes.tasks" in app.conf.imports


def test_a_celery_app_for_another_database_sends_its_tasks_there():
    assert celery_app.create_celery_app("postgresql+psycopg://x@h/test").conf.kawal_database_url == \
        "postgresql+psycopg://x@h/test"


def test_the_routes_api_no_longer_imports_the_worker():
    import subprocess
    import sys

    code = "import sys, services.routes.app; print('services.routes.celery_app' in sys.modules, 'celery' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.split() == ["False", "False"]
