"""The routes service's Celery app, built from config alone: quorum queue on a topic exchange, beat, task metrics.

Run as `celery -A services.routes.celery_app worker` and `celery -A services.routes.celery_app beat` (exactly one
beat). No Flask app here: the tasks need only the database URL (`kawal_database_url` in the Celery config)."""

from __future__ import annotations

import logging
import os

from celery import Celery, signals
from kombu import Exchange, Queue

from shared import config, db, logs, metrics

log = logging.getLogger(__name__)

TASKS_EXCHANGE = "kawal.routes.tasks"
COMPLIANCE_QUEUE = "routes.compliance"
# What Celery declares and uses on the broker besides the queue above (remote control, events, replies): added to
# the routes broker user's permissions by `kawal events declare --users` (RabbitMQ regular expressions).
BROKER_RESOURCES = r"kawal\.routes\.tasks|celery.*|.+\.pidbox|reply\.celery\.pidbox"
# The sweep over a million pickups takes seconds; a run stuck for minutes is killed and, being idempotent,
# simply runs again on the next tick.
SOFT_TIME_LIMIT_SECONDS = 240
TIME_LIMIT_SECONDS = 300
PERIODIC_TASKS = {  # beat interval key (shared.config.beat_intervals_seconds) -> task name
    "sweep": "routes.sweep",
    "schedule_ahead": "routes.schedule_ahead",
    "evaluate_days": "routes.evaluate_days",
    "evaluate_months": "routes.evaluate_months",
}


def beat_schedule() -> dict:
    """Every periodic task at its configured interval. A tick not consumed within its own interval expires:
    the tasks catch up by themselves, so a backlog of stale ticks after downtime would only repeat work."""
    intervals = config.beat_intervals_seconds()
    return {
        key: {"task": task, "schedule": intervals[key], "options": {"expires": intervals[key]}}
        for key, task in PERIODIC_TASKS.items()
    }


def celery_config(database_url: str | None = None) -> dict:
    exchange = Exchange(TASKS_EXCHANGE, type="topic", durable=True)  # topic: Celery's native delayed delivery needs it
    queue = Queue(
        COMPLIANCE_QUEUE, exchange, routing_key="routes.#", durable=True, queue_arguments={"x-queue-type": "quorum"}
    )
    return {
        "broker_url": config.celery_broker_url(),
        "broker_transport_options": {"confirm_publish": True},
        "broker_connection_retry_on_startup": True,
        "task_queues": (queue,),
        "task_default_queue": COMPLIANCE_QUEUE,
        "task_default_exchange": TASKS_EXCHANGE,
        "task_default_exchange_type": "topic",
        "task_default_routing_key": "routes.compliance",
        "task_create_missing_queues": False,
        # a task is acknowledged after it ran, so a worker lost mid-task leaves it to another (tasks are idempotent)
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_max_memory_per_child": config.worker_max_memory_per_child_kib(),  # slow growth over months bounded
        "task_soft_time_limit": SOFT_TIME_LIMIT_SECONDS,
        "task_time_limit": TIME_LIMIT_SECONDS,
        "task_ignore_result": True,  # tasks log and count their small summaries; nobody waits on a result
        "result_backend": None,
        "task_serializer": "json",
        "accept_content": ["json"],
        "timezone": "UTC",
        "enable_utc": True,
        "worker_hijack_root_logger": False,
        "imports": ("services.routes.tasks",),
        "beat_schedule": beat_schedule(),
        "kawal_database_url": database_url or config.database_url("routes"),  # read by the tasks
    }


def create_celery_app(database_url: str | None = None) -> Celery:
    """A Celery app for the routes tasks on database_url (by default the routes service's, from config)."""
    celery_app = Celery("routes")
    celery_app.config_from_object(celery_config(database_url))
    return celery_app


app = create_celery_app()  # what `celery -A services.routes.celery_app` looks up


# Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by the Procfile): prefork children write their
# samples to files; the main worker process serves their sum.


@signals.celeryd_init.connect
@signals.beat_init.connect
def _configure_logs(**_):
    logs.configure("routes")  # JSON lines with the service and correlation id, as the API's factory does


@signals.celeryd_init.connect
def _clean_metrics_on_start(**_):
    metrics.reset_multiproc_dir()


@signals.worker_ready.connect
def _serve_metrics(**_):
    port = config.metrics_port("routes_worker")
    try:
        metrics.serve(port)
    except OSError as error:  # a second worker on one host: its tasks still count, the first one serves /metrics
        log.warning("routes worker metrics not served on port %s: %s", port, error)


# Catch-up starts when a worker starts after downtime, not one beat interval later: a restarted beat only fires
# an interval after it starts (up to 15 minutes for the monthly evaluation). The tasks are idempotent catch-up,
# so several workers starting at once, or a beat tick right after, only repeat work that finds nothing to do.
CATCH_UP_ON_START = ("routes.sweep", "routes.schedule_ahead", "routes.evaluate_days", "routes.evaluate_months")


@signals.worker_ready.connect
def catch_up_on_start(sender=None, **_):
    celery_app = getattr(sender, "app", None) or app
    for name in CATCH_UP_ON_START:
        celery_app.send_task(name)
    log.info("routes worker started: catch-up queued (%s)", ", ".join(CATCH_UP_ON_START))


@signals.worker_process_init.connect
def _fresh_connections_after_fork(**_):
    db.dispose_all()  # never share the parent's pooled PostgreSQL connections with a forked child


@signals.worker_process_shutdown.connect
def _forget_dead_child(pid=None, **_):
    metrics.mark_process_dead(pid or os.getpid())
