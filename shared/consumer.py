"""The event consumer: batches deliveries into one transaction, inbox-deduplicated, with retry queues and parking."""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import pika
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from shared import clock, config, db, events, inbox, logs, metrics, topology
from shared.brokerloop import BrokerLoop, pump

log = logging.getLogger(__name__)

Handler = Callable[[Session, events.Envelope], None]


def batch_handler(handle_many: Callable[[Session, list[events.Envelope]], None]) -> Handler:
    """Mark a handler that takes a run of same-type envelopes at once (one set-based statement for many).

    The consumer hands it each run of consecutive same-type events of a batch; when a batch has to be
    isolated after a failure it gets one envelope at a time. Either way its effects share the inbox claims'
    transaction."""
    def handle_one(session: Session, envelope: events.Envelope) -> None:
        handle_many(session, [envelope])

    handle_one.many = handle_many
    handle_one.__name__ = getattr(handle_many, "__name__", "batch_handler")
    return handle_one


@dataclass(slots=True)  # one a message: the cheapest plain record
class Delivery:
    tag: int
    routing_key: str
    properties: pika.BasicProperties
    body: bytes

    @property
    def headers(self) -> dict:
        return self.properties.headers or {}

    @property
    def attempt(self) -> int:
        return int(self.headers.get(topology.ATTEMPT, 0))

    @property
    def original_routing_key(self) -> str:
        # After a retry the message comes back with the service queue's name as routing key.
        return self.headers.get(topology.ROUTING_KEY) or self.routing_key

    @property
    def type(self) -> str:
        return self.properties.type or self.original_routing_key


@dataclass(slots=True)
class Outcome:
    delivery: Delivery
    kind: str  # applied, duplicate, retry, park
    reason: str = ""


# Failures that are not the handler's fault: let them reach the reconnect loop.
_ROLLBACK_ONLY = (OperationalError,)


@contextmanager
def _correlated(envelope: events.Envelope):
    token = logs.correlation_id.set(envelope.correlation_id)
    try:
        yield
    finally:
        logs.correlation_id.reset(token)


class Consumer(BrokerLoop):
    """Consumes a service's queue; one transaction per batch; failures go to retry queues, then to parked."""

    kind = "consumer"

    def __init__(self, service: str, handlers: dict[str, Handler], database_url: str, amqp_url: str,
                 settings: config.EventSettings | None = None):
        super().__init__(service, settings)
        self.handlers = dict(handlers)
        self.database_url, self.amqp_url = database_url, amqp_url
        self.metrics = metrics.events(service)
        self.ready = threading.Event()
        self._buffer: list[Delivery] = []

    def _step(self) -> None:
        batch = self._collect()
        if batch:
            self._handle(batch)

    def _connect(self) -> None:
        self._buffer = []
        self._connection = pika.BlockingConnection(topology.parameters(self.amqp_url, f"{self.service}.consumer"))
        channel = self._connection.channel()
        topology.declare_service(channel, self.service, self.handlers, self.settings)
        channel.basic_qos(prefetch_count=self.settings.prefetch)
        self._publisher = self._connection.channel()
        self._publisher.confirm_delivery()
        # Deliveries go straight from the async channel underneath into our buffer: the blocking channel would
        # wrap each in an event object and dispatch it again, a cost per message the consumer cannot afford.
        channel._impl.basic_consume(topology.service_queue(self.service), self._on_message)
        self._channel = channel
        self.ready.set()

    def _on_close(self) -> None:
        self.ready.clear()

    def _on_message(self, _channel, method, properties, body) -> None:
        self._buffer.append(Delivery(method.delivery_tag, method.routing_key, properties, body))

    def _collect(self) -> list[Delivery]:
        """Up to batch_size deliveries, or fewer once batch_wait_seconds have passed since the first one.

        The wait counts from the first delivery, not from the last: a steady trickle would otherwise hold a batch
        open until it is full, so the latency of a quiet stream would grow with the batch size."""
        size = self.settings.batch_size
        if not self._buffer:  # idle: wake for the first delivery (or to notice a stop)
            pump(self._connection, lambda: bool(self._buffer), timeout=0.25)
        deadline = time.monotonic() + self.settings.batch_wait_seconds
        while self._buffer and len(self._buffer) < size and not self.stopping.is_set():
            wait = deadline - time.monotonic()
            if wait <= 0:
                break
            pump(self._connection, lambda: len(self._buffer) >= size, timeout=wait)
        batch, self._buffer = self._buffer[:self.settings.batch_size], self._buffer[self.settings.batch_size:]
        return batch

    def _handle(self, batch: list[Delivery]) -> None:
        started = time.perf_counter()
        parsed = [self._parse(delivery) for delivery in batch]
        bad = [item for item in parsed if isinstance(item, Outcome)]
        good = [item for item in parsed if not isinstance(item, Outcome)]
        try:
            outcomes = self._apply_together(good)
            if outcomes is None:
                outcomes = self._apply_one_by_one(good)
        except OperationalError:
            raise  # the database is away: reconnect, the deliveries come back
        except SQLAlchemyError as error:
            # The commit itself failed: find the culprit by handling one message a transaction.
            if len(batch) > 1:
                for delivery in batch:
                    self._handle([delivery])
                return
            outcomes = [Outcome(batch[0], "retry", f"commit failed: {error}")] if good else []
        consumed = Counter()
        for outcome in bad + outcomes:
            if outcome.kind in ("applied", "duplicate"):
                consumed[outcome.delivery.type, outcome.kind] += 1
            else:
                self._settle(outcome)
        for (type_, kind), count in consumed.items():  # one counter update per type, not per message
            self.metrics.consumed.labels(type=type_, outcome=kind).inc(count)
        self._channel.basic_ack(batch[-1].tag, multiple=True)
        self.metrics.handle_seconds.observe(time.perf_counter() - started)

    def _parse(self, delivery: Delivery) -> Outcome | tuple[Delivery, events.Envelope, Handler]:
        try:
            envelope = events.parse(delivery.body)
        except (ValueError, events.UnknownEventType) as error:  # malformed, unknown type, invalid data
            return Outcome(delivery, "park", f"{type(error).__name__}: {error}")
        handler = self.handlers.get(envelope.type)
        if handler is None:
            return Outcome(delivery, "park", f"no handler for {envelope.type} in {self.service}")
        return delivery, envelope, handler

    def _apply_together(self, items) -> list[Outcome] | None:
        """The fast path: one set-based inbox claim and every handler in one transaction, no savepoints.
        None when a handler raised (nothing of the batch is kept); the caller then isolates it."""
        outcomes = []
        try:
            with db.unit_of_work(self.database_url) as session:
                fresh = inbox.claim_many(session, list({e.id: e.type for _, e, _ in items}.items()))
                run: list[events.Envelope] = []  # consecutive fresh events for one batch handler
                for delivery, envelope, handler in items:
                    if envelope.id not in fresh:  # applied before, or a second copy in this batch
                        outcomes.append(Outcome(delivery, "duplicate"))
                        continue
                    fresh.discard(envelope.id)
                    many = getattr(handler, "many", None)
                    if run and (many is None or run[0].type != envelope.type):
                        self.handlers[run[0].type].many(session, run)
                        run = []
                    if many is not None:
                        run.append(envelope)
                    else:
                        with _correlated(envelope):
                            handler(session, envelope)
                    outcomes.append(Outcome(delivery, "applied"))
                if run:
                    self.handlers[run[0].type].many(session, run)
        except _ROLLBACK_ONLY:
            raise
        except Exception:  # noqa: BLE001 - a handler failed: redo the batch with one savepoint per message
            return None
        return outcomes

    def _apply_one_by_one(self, items) -> list[Outcome]:
        with db.unit_of_work(self.database_url) as session:
            return [self._apply(session, *item) for item in items]

    def _apply(self, session: Session, delivery: Delivery, envelope: events.Envelope, handler: Handler) -> Outcome:
        try:
            # The savepoint holds the inbox claim and the effects: a failing handler leaves neither behind.
            with _correlated(envelope), session.begin_nested():
                if not inbox.claim(session, envelope.id, envelope.type):
                    return Outcome(delivery, "duplicate")
                handler(session, envelope)
            return Outcome(delivery, "applied")
        except OperationalError:
            raise
        except Exception as error:  # noqa: BLE001 - any handler failure, NotYetKnown included, is retried
            log.warning("handler for %s failed: %s", envelope.type, error,
                        extra={"service": self.service, "event_type": envelope.type, "event_id": envelope.id})
            return Outcome(delivery, "retry", f"{type(error).__name__}: {error}")

    def _settle(self, outcome: Outcome) -> None:
        delivery, type_ = outcome.delivery, outcome.delivery.type
        failures = delivery.attempt + 1
        delays = self.settings.retry_delays_seconds
        if outcome.kind == "retry":
            self.metrics.failed.labels(type=type_).inc()
            if failures <= len(delays):
                self._republish(delivery, topology.retry_queue(self.service, delays[failures - 1]),
                                {topology.ATTEMPT: failures, topology.ERROR: outcome.reason[:1000]})
                return
        self._republish(delivery, topology.parked_queue(self.service), {
            topology.ATTEMPT: failures if outcome.kind == "retry" else delivery.attempt,
            topology.ERROR: outcome.reason[:1000],
            topology.PARKED_AT: clock.now().isoformat(),
        })
        self.metrics.parked.labels(type=type_).inc()
        log.error("parked %s %s: %s", type_, delivery.properties.message_id, outcome.reason,
                  extra={"service": self.service, "event_type": type_})

    def _republish(self, delivery: Delivery, queue: str, headers: dict) -> None:
        """Publish a copy to one of our queues and wait for its confirm, before the original is acked."""
        kept = {k: v for k, v in delivery.headers.items() if k != "x-death"}
        props = pika.BasicProperties(
            content_type=delivery.properties.content_type or "application/json", delivery_mode=2,
            message_id=delivery.properties.message_id, type=delivery.properties.type,
            timestamp=delivery.properties.timestamp,
            headers={**kept, topology.ROUTING_KEY: delivery.original_routing_key, **headers},
        )
        self._publisher.basic_publish("", queue, delivery.body, props, mandatory=True)
