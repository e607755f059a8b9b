"""`python -m shared.eventsd <service>`: a service's events process, the outbox relay and the consumer side by side."""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import threading

import pika
from prometheus_client import CollectorRegistry

from shared import audit_heads, bootstrap, config, db, metrics, outbox, topology
from shared.bootstrap import Service
from shared.consumer import Consumer
from shared.relay import Relay
from shared.retention import Retention

log = logging.getLogger("shared.eventsd")


def load_handlers(spec: str) -> dict:
    """ "module:ATTR" -> the handler table."""
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr or "HANDLERS")


class Periodic:
    """Housekeeping a service runs beside its consumer: fn(session) every interval, in its own transaction."""

    def __init__(self, service: str, database_url: str, interval_seconds: float, fn):
        self.service, self.database_url, self.interval_seconds, self.fn = service, database_url, interval_seconds, fn
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval_seconds):
            try:
                with db.unit_of_work(self.database_url) as session:
                    self.fn(session)
            except Exception:  # noqa: BLE001 - logged; the next tick tries again
                log.exception(
                    "events %s: periodic %s failed",
                    self.service,
                    getattr(self.fn, "__name__", self.fn),
                    extra={"service": self.service},
                )

    def stop(self) -> None:
        self.stopping.set()


def register_gauges(registry: CollectorRegistry, service: str, database_url: str, amqp_url: str) -> None:
    """The events process's scrape-time gauges: the outbox backlog from the database, queue depths from the
    broker, each source read once a scrape for all four families."""
    prefix = f"kawal_{service}_"

    def read() -> dict:
        with db.unit_of_work(database_url) as session:
            backlog, oldest_age = outbox.backlog(session)
        depths = _queue_depths(service, amqp_url)
        return {
            prefix + "outbox_backlog": [((), backlog)],
            prefix + "outbox_oldest_age_seconds": [((), oldest_age)],
            prefix + "consumer_queue_messages": [((), depths["queue"])],
            prefix + "parked_messages": [((), depths["parked"])],
        }

    registry.register(
        metrics.GaugeGroup(
            [
                (prefix + "outbox_backlog", "Outbox rows not yet confirmed by the broker.", []),
                (prefix + "outbox_oldest_age_seconds", "Age of the oldest unsent outbox row.", []),
                (prefix + "consumer_queue_messages", "Messages ready on the service's queue (consumer lag).", []),
                (prefix + "parked_messages", "Messages parked after their last attempt.", []),
            ],
            read,
        )
    )


def _queue_depths(service: str, amqp_url: str) -> dict[str, int]:
    connection = pika.BlockingConnection(topology.parameters(amqp_url, f"{service}.metrics"))
    try:
        channel = connection.channel()
        counts = {}
        for name, queue in (("queue", topology.service_queue(service)), ("parked", topology.parked_queue(service))):
            try:
                counts[name] = topology.message_count(channel, queue)
            except pika.exceptions.ChannelClosedByBroker:  # not declared yet
                counts[name] = 0
                channel = connection.channel()
        return counts
    finally:
        connection.close()


def run(built: Service, relay: bool = True, consume: bool = True, serve_metrics: bool = True) -> None:
    """Run a bootstrapped service's relay, consumer (its handler table) and periodic jobs until SIGTERM or SIGINT,
    then stop the loops cleanly (unacked deliveries are requeued)."""
    service, database_url, amqp_url = built.name, built.settings.database_url, built.settings.amqp_url
    periodic = list(built.periodic)
    if service in config.SERVICES:  # every service publishes its audit chain's head (shared.audit_heads)
        periodic.append((config.audit_head_seconds(), audit_heads.publisher(service)))
    workers: list = []
    if relay:
        workers.append(Relay(service, database_url, amqp_url))
    if consume:
        workers.append(Consumer(service, built.handlers, database_url, amqp_url))
        workers.extend(Periodic(service, database_url, interval, fn) for interval, fn in periodic)
    if relay or consume:  # old sent outbox rows and inbox ids, deleted in batches (shared/retention.py)
        workers.append(Retention(service, database_url))
    if serve_metrics:  # this process's gauges; the service's domain gauges are its API's
        gauges = CollectorRegistry(auto_describe=False)
        register_gauges(gauges, service, database_url, amqp_url)
        metrics.serve(config.metrics_port(f"{service}_events"), gauges)
    stopped = threading.Event()

    def on_signal(signum, _frame):
        log.info("events %s: signal %s, stopping", service, signum, extra={"service": service})
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threads = [threading.Thread(target=w.run, name=f"{service}-{type(w).__name__.lower()}") for w in workers]
    for thread in threads:
        thread.start()
    log.info("events %s: running %s", service, ", ".join(t.name for t in threads), extra={"service": service})
    while not stopped.wait(0.5):
        if not all(t.is_alive() for t in threads):
            log.error("events %s: a loop died; stopping", service, extra={"service": service})
            break
    for worker in workers:
        worker.stop()
    for thread in threads:
        thread.join(timeout=30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.eventsd", description=__doc__)
    parser.add_argument("service")
    parser.add_argument(
        "--handlers",
        help='"module:ATTR" with an optional PERIODIC beside it, for a service '
        "without a bootstrap (a test's); default services.<service>.bootstrap",
    )
    parser.add_argument("--no-relay", action="store_true", help="consume only")
    parser.add_argument("--no-consumer", action="store_true", help="relay only")
    parser.add_argument("--no-metrics", action="store_true", help="do not serve /metrics")
    args = parser.parse_args(argv)
    if args.handlers:
        module = importlib.import_module(args.handlers.partition(":")[0])
        built = bootstrap.build(
            bootstrap.Settings.from_environment(args.service),
            handlers=load_handlers(args.handlers),
            periodic=getattr(module, "PERIODIC", ()),
        )
    else:
        built = importlib.import_module(f"services.{args.service}.bootstrap").bootstrap()
    run(built, relay=not args.no_relay, consume=not args.no_consumer, serve_metrics=not args.no_metrics)


if __name__ == "__main__":
    main()
