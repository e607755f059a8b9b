"""gunicorn settings for every service's api process: prometheus multiprocess mode set up and cleaned."""

import multiprocessing
import os

from shared import metrics

workers = int(os.environ.get("KAWAL_API_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 10
accesslog = None
keepalive = 5


def on_starting(server):
    metrics.reset_multiproc_dir()


def child_exit(server, worker):
    metrics.mark_process_dead(worker.pid)
