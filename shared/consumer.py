"""The event consumer: batches deliveries into one transaction, inbox-deduplicated, with retry queues and parking."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Mapping

import pika
from pika import spec
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from shared import clock, config, db, events, inbox, logs, metrics, topology
from shared.brokerloop import BrokerLoop, declare_with

log = logging.getLogger(__name__)

Handler = Callable[[Session, events.Envelope], None]


def batch_handler(handle_many: Callable[[Session, list[events.Envelope]], None]) -> Handler:
    """Mark a handler that takes a run of same-type envelopes at once (one set-based statement for many).

    The consumer hands it each run of consecutive same-type events of a batch; when a batch has to be
    isolated after a failure it gets one envelope at a time. Either way its effects share the inbox claims'
    transaction."""

    def handle_one(session: Session, envelope: events.Envelope) -> None:
        handle_many(session, [envelope])

    # the mark the consumer looks for (getattr(handler, "many", None)); a function takes attributes, mypy knows
    # of none on one
    handle_one.many = handle_many  # type: ignore[attr-defined]
    handle_one.__name__ = getattr(handle_many, "__name__", "batch_handler")
    return handle_one


@dataclass(slots=True)  # one a message: the cheapest plain record
class Delivery:
    tag: int
    exchange: str
    routing_key: str
    properties: pika.BasicProperties
    body: bytes

    @property
    def headers(self) -> dict:
        headers = self.properties.headers
        return headers if isinstance(headers, dict) else {}

    @property
    def attempt(self) -> int:
        """Failures so far (our own header); a value we did not write reads as 0 (the message is parked anyway)."""
        value = self.headers.get(topology.ATTEMPT, 0)
        return value if type(value) is int and 0 <= value <= 1000 else 0

    def header_problem(self) -> str | None:
        """What is wrong with the headers we rely on, if anything (a message must never fail in settlement)."""
        headers = self.properties.headers
        if headers is not None and not isinstance(headers, dict):
            return "headers are not a table"
        value = self.headers.get(topology.ATTEMPT, 0)
        if type(value) is not int or not 0 <= value <= 1000:
            return f"{topology.ATTEMPT} is {value!r}, not an attempt count"
        key = self.headers.get(topology.ROUTING_KEY)
        if key is not None and not isinstance(key, str):
            return f"{topology.ROUTING_KEY} is not a string"
        return None

    @property
    def original_routing_key(self) -> str:
        # After a retry the message comes back with the service queue's name as routing key.
        key = self.headers.get(topology.ROUTING_KEY)
        return key if isinstance(key, str) and key else self.routing_key

    @property
    def type(self) -> str:
        type_ = self.properties.type
        return type_ if isinstance(type_, str) and type_ else self.original_routing_key

    def publisher(self, exchange: str) -> str | None:
        """The broker user that published the event. Through the events exchange it is the user_id property,
        which RabbitMQ checks against the publishing connection's user. Anything else reached the queue through
        this service's own settle exchange or its retry queues (no other user may write there), which carry
        the user the consumer saw first in a header."""
        if self.exchange == exchange:
            return self.properties.user_id
        recorded = self.headers.get(topology.PUBLISHER)
        return recorded if isinstance(recorded, str) else self.properties.user_id


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
    """Consumes a service's queue; one transaction per batch; failures go to retry queues, then to parked.

    Deliveries collect in a buffer in the IO loop's thread; a batch is handled when it is full or
    batch_wait_seconds after its first delivery. Its retries and parkings are published (confirmed) before the
    batch is acknowledged with one multiple ack; no later batch is acknowledged before them."""

    kind = "consumer"

    def __init__(
        self,
        service: str,
        handlers: Mapping[str, Handler],
        database_url: str,
        amqp_url: str,
        settings: config.EventSettings | None = None,
        producer_user: Callable[[str], str] | None = None,
    ):
        super().__init__(service, settings)
        self.handlers = dict(handlers)
        self.database_url, self.amqp_url = database_url, amqp_url
        # producer (envelope) -> the broker user allowed to publish its events
        self.producer_user = producer_user or config.broker_user
        self._allowed: dict[str, str] = {}  # producer -> its broker user, read once
        self.metrics = metrics.events(service)
        self.ready = threading.Event()
        # Metric labels only ever take a known type: the AMQP type property is whatever a publisher wrote.
        self._type_labels = frozenset(self.handlers) | frozenset(events.known_types())
        self._buffer: list[Delivery] = []
        self._timer: object | None = None  # the IO loop timeout of the next _flush
        self._channel: pika.channel.Channel | None = None  # consumes and acknowledges
        self._publisher: pika.channel.Channel | None = None  # publishes retry and parked copies, with confirms
        self._settling: set[int] = set()  # publisher tags of retry/park copies not yet confirmed
        self._ack_after_settling: int | None = None
        self._next_settle_tag = 1

    # --- connection -------------------------------------------------------------------------------------
    def _setup(self) -> None:
        declare_with(
            self.amqp_url,
            f"{self.service}.consumer.setup",
            lambda channel: topology.declare_service(channel, self.service, self.handlers, self.settings),
        )

    def _on_open(self, connection) -> None:
        self._buffer, self._timer = [], None
        self._settling, self._ack_after_settling, self._next_settle_tag = set(), None, 1
        connection.channel(on_open_callback=self.guarded(self._on_publisher))

    def _on_publisher(self, channel) -> None:
        self._publisher = channel
        channel.add_on_close_callback(self.on_channel_closed)
        channel.add_on_return_callback(self.guarded(self._on_settle_return))
        channel.confirm_delivery(
            ack_nack_callback=self.guarded(self._on_settle_confirm),
            callback=self.guarded(self._open_channel),
        )

    def _open_channel(self, _frame) -> None:
        assert self._connection is not None, "runs in the connection's callbacks"
        self._connection.channel(on_open_callback=self.guarded(self._on_channel))

    def _on_channel(self, channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(self.on_channel_closed)
        channel.basic_qos(prefetch_count=self.settings.prefetch, callback=self.guarded(self._on_qos))

    def _on_qos(self, _frame) -> None:
        assert self._channel is not None, "_on_channel set it before asking for the qos"
        self._channel.basic_consume(
            topology.service_queue(self.service),
            self.guarded(self._on_message),
            callback=self.guarded(lambda _frame: self.ready.set()),
        )

    def _on_close(self) -> None:
        self.ready.clear()
        self._channel = self._publisher = None
        self._buffer = []  # unacknowledged: the broker redelivers them

    # --- batching ---------------------------------------------------------------------------------------
    def _on_message(self, _channel, method, properties, body) -> None:
        self._buffer.append(Delivery(method.delivery_tag, method.exchange, method.routing_key, properties, body))
        if len(self._buffer) >= self.settings.batch_size:
            self._flush()
        elif self._timer is None:
            # The wait counts from the first delivery, not from the last: a steady trickle would otherwise hold a
            # batch open until it is full, so the latency of a quiet stream would grow with the batch size.
            self._timer = self.call_later(self.settings.batch_wait_seconds, self._flush)

    def _flush(self) -> None:
        self.remove_timeout(self._timer)
        self._timer = None
        if self._settling or not self._buffer or self._channel is None or self._error is not None:
            return  # the end of settling calls again
        size = self.settings.batch_size
        batch, self._buffer = self._buffer[:size], self._buffer[size:]
        to_settle = self._handle(batch)
        for outcome in to_settle:
            self._settle(outcome)
        if self._settling:
            self._ack_after_settling = batch[-1].tag
        else:
            self._acknowledge(batch[-1].tag)

    def _acknowledge(self, tag: int) -> None:
        assert self._channel is not None, "a batch is acknowledged on the channel it came from, still open"
        self._channel.basic_ack(tag, multiple=True)
        if len(self._buffer) >= self.settings.batch_size:
            self._timer = self.call_later(0, self._flush)
        elif self._buffer:
            self._timer = self.call_later(self.settings.batch_wait_seconds, self._flush)

    def _on_settle_confirm(self, confirm) -> None:
        method = confirm.method
        if not isinstance(method, spec.Basic.Ack):
            raise ConnectionError("the broker refused a retry or parked copy; the batch will be redelivered")
        if method.multiple:
            self._settling = {tag for tag in self._settling if tag > method.delivery_tag}
        else:
            self._settling.discard(method.delivery_tag)
        if not self._settling and self._ack_after_settling is not None and self._error is None:
            tag, self._ack_after_settling = self._ack_after_settling, None
            self._acknowledge(tag)

    def _on_settle_return(self, _channel, method, properties, _body) -> None:
        # A queue of ours is missing (deleted by hand): start over, which declares it again; nothing is acked.
        raise ConnectionError(f"retry or parked copy of {properties.message_id} unroutable: {method.reply_text}")

    # --- handling ---------------------------------------------------------------------------------------
    def _handle(self, batch: list[Delivery]) -> list[Outcome]:
        """Apply a batch in one transaction; returns the outcomes to retry or park."""
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
                return [outcome for delivery in batch for outcome in self._handle([delivery])]
            outcomes = [Outcome(batch[0], "retry", f"commit failed: {error}")] if good else []
        consumed: Counter[tuple[str, str]] = Counter()
        settle: list[Outcome] = []
        for outcome in bad + outcomes:
            if outcome.kind in ("applied", "duplicate"):
                consumed[self._label(outcome.delivery.type), outcome.kind] += 1
            else:
                settle.append(outcome)
        for (type_, kind), count in consumed.items():  # one counter update per type, not per message
            self.metrics.consumed.labels(type=type_, outcome=kind).inc(count)
        self.metrics.handle_seconds.observe(time.perf_counter() - started)
        return settle

    def _allowed_user(self, producer: str) -> str:
        allowed = self._allowed.get(producer)
        if allowed is None:
            allowed = self.producer_user(producer)
            if len(self._allowed) < 64:  # a few producers exist; a hostile body must not grow the cache
                self._allowed[producer] = allowed
        return allowed

    def _label(self, type_: str) -> str:
        return type_ if type_ in self._type_labels else "unknown"

    def _parse(self, delivery: Delivery) -> Outcome | tuple[Delivery, events.Envelope, Handler]:
        problem = delivery.header_problem()
        if problem is not None:
            return Outcome(delivery, "park", f"BadHeaders: {problem}")
        try:
            envelope = events.parse(delivery.body)
        except (ValueError, events.UnknownEventType) as error:  # malformed, unknown type, invalid data
            return Outcome(delivery, "park", f"{type(error).__name__}: {error}")
        except Exception as error:  # noqa: BLE001 - whatever else a hostile body causes (RecursionError...)
            return Outcome(delivery, "park", f"ValueError: malformed envelope: {type(error).__name__}")
        handler = self.handlers.get(envelope.type)
        if handler is None:
            return Outcome(delivery, "park", f"no handler for {envelope.type} in {self.service}")
        publisher, allowed = delivery.publisher(self.settings.exchange), self._allowed_user(envelope.producer)
        if publisher != allowed:
            self.metrics.forged.labels(type=self._label(envelope.type)).inc()
            log.error(
                "event %s claims producer %s but was published by broker user %r (%s expected)",
                envelope.id,
                envelope.producer,
                publisher,
                allowed,
                extra={"service": self.service, "event_type": envelope.type, "event_id": envelope.id},
            )
            return Outcome(
                delivery,
                "park",
                f"ForgedProducer: producer {envelope.producer} but published by "
                f"broker user {publisher!r}, not {allowed!r}",
            )
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
                        self.handlers[run[0].type].many(session, run)  # type: ignore[attr-defined]  # see batch_handler
                        run = []
                    if many is not None:
                        run.append(envelope)
                    else:
                        with _correlated(envelope):
                            handler(session, envelope)
                    outcomes.append(Outcome(delivery, "applied"))
                if run:
                    self.handlers[run[0].type].many(session, run)  # type: ignore[attr-defined]  # see batch_handler
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
            log.warning(
                "handler for %s failed: %s",
                envelope.type,
                error,
                extra={"service": self.service, "event_type": envelope.type, "event_id": envelope.id},
            )
            return Outcome(delivery, "retry", f"{type(error).__name__}: {error}")

    def _settle(self, outcome: Outcome) -> None:
        delivery, type_ = outcome.delivery, self._label(outcome.delivery.type)
        failures = delivery.attempt + 1
        delays = self.settings.retry_delays_seconds
        if outcome.kind == "retry":
            self.metrics.failed.labels(type=type_).inc()
            if failures <= len(delays):
                self._republish(
                    delivery,
                    topology.retry_queue(self.service, delays[failures - 1]),
                    {topology.ATTEMPT: failures, topology.ERROR: outcome.reason[:1000]},
                )
                return
        self._republish(
            delivery,
            topology.parked_queue(self.service),
            {
                topology.ATTEMPT: failures if outcome.kind == "retry" else delivery.attempt,
                topology.ERROR: outcome.reason[:1000],
                topology.PARKED_AT: clock.now().isoformat(),
            },
        )
        self.metrics.parked.labels(type=type_).inc()
        log.error(
            "parked %s %s: %s",
            type_,
            delivery.properties.message_id,
            outcome.reason[:1000],
            extra={"service": self.service, "event_type": type_},
        )

    def _republish(self, delivery: Delivery, queue: str, headers: dict) -> None:
        """Publish a copy to one of our queues (through our settle exchange); the batch's ack waits for its confirm.

        The copy is published by this service's user, so it cannot carry the producer's user_id: the user the
        consumer saw goes into a header instead, which only our own queues can carry back to us."""
        kept = {k: v for k, v in delivery.headers.items() if k != "x-death"}
        props = delivery.properties
        publisher = delivery.publisher(self.settings.exchange)
        copy = pika.BasicProperties(
            content_type=props.content_type if isinstance(props.content_type, str) else "application/json",
            delivery_mode=2,
            message_id=props.message_id,
            type=props.type,
            timestamp=props.timestamp,
            headers={
                **kept,
                topology.ROUTING_KEY: delivery.original_routing_key,
                topology.PUBLISHER: publisher,
                **headers,
            },
        )
        assert self._publisher is not None, "settling happens in _flush, on an open connection"
        self._publisher.basic_publish(
            topology.settle_exchange(self.service), queue, delivery.body, copy, mandatory=True
        )
        self._settling.add(self._next_settle_tag)
        self._next_settle_tag += 1
