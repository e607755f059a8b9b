"""Prometheus metrics: names kawal_<service>_<noun>_<unit>, multiprocess-aware exposition, scrape-time collectors."""

from __future__ import annotations

import hmac
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shared import config

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # any other is "other"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class HttpMetrics:
    requests: Counter
    latency: Histogram


@dataclass(frozen=True)
class EventMetrics:
    published: TypeBounded
    consumed: TypeBounded
    failed: TypeBounded
    parked: TypeBounded
    forged: TypeBounded
    handle_seconds: Histogram


@lru_cache(maxsize=None)
def http(service: str) -> HttpMetrics:
    return HttpMetrics(
        requests=Counter(
            f"kawal_{service}_http_requests_total",
            "HTTP requests by endpoint and status.",
            ["endpoint", "method", "status"],
        ),
        latency=Histogram(
            f"kawal_{service}_http_request_duration_seconds",
            "HTTP request latency.",
            ["endpoint", "method"],
            buckets=LATENCY_BUCKETS,
        ),
    )


def event_type_label(type_) -> str:
    """An event type as a label value: a catalogued type, else "unknown" (a message's AMQP `type` is whatever
    its publisher wrote; a label per invented type would grow the series without bound)."""
    from shared.events import known_types  # the catalogue imports nothing from here; imported late all the same

    return type_ if isinstance(type_, str) and type_ in known_types() else "unknown"


class TypeBounded:
    """A counter labelled by event type whose `type` label only takes catalogued types (event_type_label)."""

    def __init__(self, counter: Counter):
        self._counter = counter

    def labels(self, *values: str, **labels: str) -> Counter:
        if "type" in labels:
            labels["type"] = event_type_label(labels["type"])
        elif values:
            values = (event_type_label(values[0]), *values[1:])
        return self._counter.labels(*values, **labels)

    def __getattr__(self, name):
        return getattr(self._counter, name)


@lru_cache(maxsize=None)
def events(service: str) -> EventMetrics:
    return EventMetrics(
        published=TypeBounded(
            Counter(f"kawal_{service}_events_published_total", "Events confirmed by the broker.", ["type"])
        ),
        consumed=TypeBounded(
            Counter(
                f"kawal_{service}_events_consumed_total",
                "Events handled, by outcome (applied, duplicate).",
                ["type", "outcome"],
            )
        ),
        failed=TypeBounded(
            Counter(f"kawal_{service}_events_failed_total", "Handler failures sent to retry.", ["type"])
        ),
        parked=TypeBounded(
            Counter(f"kawal_{service}_events_parked_total", "Events parked after their last attempt.", ["type"])
        ),
        forged=TypeBounded(
            Counter(
                f"kawal_{service}_events_forged_total",
                "Events parked because their producer is not the broker user that published them.",
                ["type"],
            )
        ),
        handle_seconds=Histogram(
            f"kawal_{service}_event_batch_duration_seconds",
            "Time to handle and commit a batch.",
            buckets=LATENCY_BUCKETS,
        ),
    )


@dataclass(frozen=True)
class RetentionMetrics:
    deleted: Counter
    run_seconds: Histogram


@lru_cache(maxsize=None)
def retention(service: str) -> RetentionMetrics:
    return RetentionMetrics(
        deleted=Counter(f"kawal_{service}_retention_deleted_total", "Rows deleted by retention, by table.", ["table"]),
        run_seconds=Histogram(
            f"kawal_{service}_retention_run_seconds",
            "Time of one retention pass.",
            buckets=LATENCY_BUCKETS + (30.0, 60.0, 300.0),
        ),
    )


Rows = Iterable[tuple[tuple, float]]  # (label values, value)


class GaugeGroup(Collector):
    """Gauge families computed at scrape time by one read (one query, one connection) returning
    {family name: [(labels, value)]}: families that share their source are read once per scrape."""

    def __init__(self, families: list[tuple[str, str, list[str]]], read: Callable[[], dict[str, Rows]]):
        self.families, self.read = families, read  # (name, documentation, label names)

    def _empty(self) -> list[GaugeMetricFamily]:
        return [GaugeMetricFamily(name, doc, labels=labels) for name, doc, labels in self.families]

    def describe(self):
        return self._empty()

    def collect(self):
        families = self._empty()
        try:
            rows = self.read()
        except Exception:  # a scrape must not fail because the database or the broker blinked
            return families
        for family in families:
            for labels, value in rows.get(family.name, ()):
                family.add_metric([str(label) for label in labels], float(value))
        return families


class GaugeCollector(GaugeGroup):
    """One gauge family computed at scrape time by a function returning [(labels, value)]."""

    def __init__(self, name: str, documentation: str, labels: list[str], read: Callable[[], Rows]):
        super().__init__([(name, documentation, labels)], lambda: {name: read()})


def registry(*extra: Collector) -> CollectorRegistry:
    """What one /metrics exposes: the process's own samples (every process's, in multiprocess mode), then the
    given registries' scrape-time gauges (an app's domain gauges, an events process's backlog), read at each scrape.
    Each app or process holds its own gauges (shared.bootstrap), so two apps in one process never share them."""
    exposed = CollectorRegistry(auto_describe=False)
    if config.prometheus_multiproc_dir():
        multiprocess.MultiProcessCollector(exposed)
    else:
        from prometheus_client import REGISTRY

        exposed.register(REGISTRY)
    for collector in extra:
        exposed.register(collector)
    return exposed


def exposition(*extra: Collector) -> bytes:
    return generate_latest(registry(*extra))


def reset_multiproc_dir() -> None:
    """Empty the multiprocess directory at start-up so dead processes' samples do not linger."""
    path = config.prometheus_multiproc_dir()
    if not path:
        return
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


def mark_process_dead(pid: int) -> None:
    if config.prometheus_multiproc_dir():
        multiprocess.mark_process_dead(pid)


def serve(port: int, *extra: Collector, addr: str | None = None) -> None:
    """Expose /metrics from a non-HTTP process (events relay and consumer, Celery), on localhost by default."""
    start_http_server(port, addr=addr or config.metrics_host(), registry=registry(*extra))


def authorized(header: str | None) -> bool:
    """Whether a scrape may read /metrics: always without a configured token, else only with it."""
    token = config.metrics_token()
    if not token:
        return True
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
