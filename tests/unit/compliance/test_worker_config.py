"""The routes Celery app's configuration: quorum queue on a topic exchange, late acks, confirms, beat from config."""
from __future__ import annotations

from services.routes import worker


def test_tasks_go_to_a_quorum_queue_on_a_topic_exchange():
    conf = worker.celery_config()
    [queue] = conf["task_queues"]
    assert queue.name == "routes.compliance" and queue.queue_arguments == {"x-queue-type": "quorum"}
    assert queue.exchange.type == "topic" and conf["task_default_exchange_type"] == "topic"


def test_tasks_are_acknowledged_late_one_at_a_time_with_publisher_confirms_and_time_limits():
    conf = worker.celery_config()
    assert conf["task_acks_late"] is True and conf["worker_prefetch_multiplier"] == 1
    assert conf["broker_transport_options"] == {"confirm_publish": True}
    assert 0 < conf["task_soft_time_limit"] < conf["task_time_limit"]


def test_the_broker_url_comes_from_shared_config(monkeypatch):
    monkeypatch.setenv("KAWAL_CELERY_BROKER_URL", "amqp://guest:guest@broker.example:5672/kawal")
    assert worker.celery_config()["broker_url"] == "amqp://guest:guest@broker.example:5672/kawal"


def test_beat_intervals_come_from_config_so_the_accelerated_demo_can_tick_every_second(monkeypatch):
    monkeypatch.setenv("KAWAL_SWEEP_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS", "2.5")
    schedule = worker.beat_schedule()
    assert schedule["sweep"] == {"task": "routes.sweep", "schedule": 1.0, "options": {"expires": 1.0}}
    assert schedule["evaluate_days"]["schedule"] == 2.5
    assert {entry["task"] for entry in schedule.values()} == {
        "routes.sweep", "routes.schedule_ahead", "routes.evaluate_days", "routes.evaluate_months"}


def test_the_service_app_factory_attaches_the_celery_app_whose_tasks_run_in_its_context():
    from services.routes.app import create_app

    flask_app = create_app({"TESTING": True})
    celery_app = flask_app.extensions["celery"]
    assert celery_app.conf.task_acks_late is True
    assert "services.routes.tasks" in celery_app.conf.imports
