"""The outbox relay: publishes unsent outbox rows with pipelined publisher confirms, marking them sent after the confirm."""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import pika
from pika import frame, spec
from sqlalchemy import text
from sqlalchemy.orm import Session

from shared import clock, config, db, metrics, topology
from shared.brokerloop import BrokerLoop
from shared.brokerloop import pump as _pump  # the bench and older callers import it from here

log = logging.getLogger(__name__)

# The rows are picked and locked by seq alone, then joined for their bodies: when the planner's statistics
# think few rows are unsent (the steady state), it sorts every unsent row instead of walking the index, and a
# backlog of wide rows then spills that sort to disk (100 ms and more a batch). Narrow rows sort in memory.
_SELECT = text(
    "WITH next AS (SELECT seq FROM outbox WHERE sent_at IS NULL AND seq <> ALL(CAST(:deferred AS bigint[])) "
    "ORDER BY seq FOR UPDATE SKIP LOCKED LIMIT :batch) "
    "SELECT o.seq, o.id::text AS id, o.type, o.envelope::text AS body FROM outbox o JOIN next USING (seq) "
    "ORDER BY o.seq"
)
_MARK_SENT = text("UPDATE outbox SET sent_at = :now WHERE seq = ANY(:seqs)")
_MARK_FAILED = text("UPDATE outbox SET attempts = attempts + 1, last_error = :error WHERE seq = :seq")


@dataclass
class _Flight:
    """The confirms a published batch is waiting for."""

    by_tag: dict[int, str] = field(default_factory=dict)  # delivery tag -> event id
    confirmed: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # event id -> why
    next_tag: int = 1

    def settled(self) -> bool:
        return not self.by_tag

    def on_confirm(self, confirm: frame.Method) -> None:
        method = confirm.method
        if method.multiple:
            # by_tag holds tags in ascending order (they are inserted so): stop at the first one above.
            tags = []
            for tag in self.by_tag:
                if tag > method.delivery_tag:
                    break
                tags.append(tag)
        else:
            tags = [method.delivery_tag]
        for tag in tags:
            event_id = self.by_tag.pop(tag, None)
            if event_id is None:
                continue
            if isinstance(method, spec.Basic.Ack) and event_id not in self.failed:
                self.confirmed.add(event_id)
            elif isinstance(method, spec.Basic.Nack):
                self.failed[event_id] = "nacked by the broker"

    def on_return(self, _channel, method, properties, _body) -> None:
        # A return always precedes the ack of the same message, so the ack must not count as a success.
        self.failed[properties.message_id] = f"unroutable: {method.reply_code} {method.reply_text}"


class Relay(BrokerLoop):
    """Moves a service's outbox to the exchange. Safe to run several at once (row locks, SKIP LOCKED)."""

    kind = "relay"

    def __init__(self, service: str, database_url: str, amqp_url: str, settings: config.EventSettings | None = None,
                 max_defer_seconds: float = 60.0, after_confirm: Callable[[list[str]], None] | None = None):
        super().__init__(service, settings)
        self.database_url, self.amqp_url = database_url, amqp_url
        self.max_defer_seconds = max_defer_seconds
        # Test hook: runs after the broker confirmed a batch, before the rows are marked (crash tests).
        self.after_confirm = after_confirm
        self.metrics = metrics.events(service)
        self.connected = threading.Event()
        self.published = 0  # rows this relay published and marked
        self._deferred: dict[int, tuple[float, float]] = {}  # outbox seq -> (retry at, current delay)

    def _step(self) -> None:
        if self.pass_once() == 0:
            self._connection.process_data_events(time_limit=self.settings.relay_idle_seconds)

    def _connect(self) -> None:
        self._connection = pika.BlockingConnection(topology.parameters(self.amqp_url, f"{self.service}.relay"))
        channel = self._connection.channel()
        topology.declare_exchange(channel, self.settings.exchange)
        self._channel = channel._impl  # the async channel underneath: pipelined publishes and confirms
        self._flight = _Flight()
        self._channel.confirm_delivery(lambda confirm: self._flight.on_confirm(confirm))
        self._channel.add_on_return_callback(lambda *args: self._flight.on_return(*args))
        self._connection.process_data_events(time_limit=0)
        self.connected.set()

    def _on_close(self) -> None:
        self.connected.clear()

    def pass_once(self) -> int:
        """Publish one batch in the transaction that locks it; returns how many rows were confirmed."""
        with db.unit_of_work(self.database_url) as session:
            rows = session.execute(_SELECT, {"deferred": self._deferred_seqs(), "batch": self.settings.relay_batch_size}).all()
            if not rows:
                return 0
            flight = self._publish(rows)
            if self.after_confirm is not None:
                self.after_confirm(sorted(flight.confirmed))
            self._mark(session, rows, flight)
        self.published += len(flight.confirmed)
        for type_, count in Counter(row.type for row in rows if row.id in flight.confirmed).items():
            self.metrics.published.labels(type=type_).inc(count)
        return len(flight.confirmed)

    def _publish(self, rows) -> _Flight:
        flight = self._flight
        flight.by_tag.clear()
        flight.confirmed.clear()
        flight.failed.clear()
        now = int(time.time())
        messages = []
        for row in rows:
            props = pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=row.id,
                                         type=row.type, timestamp=now)
            messages.append((row.type, props, row.body.encode()))
            flight.by_tag[flight.next_tag] = row.id
            flight.next_tag += 1
        _write_batch(self._channel, self.settings.exchange, messages)
        _pump(self._connection, flight.settled, timeout=30.0)
        if not flight.settled():
            raise TimeoutError(f"{len(flight.by_tag)} confirms still outstanding after 30s")
        return flight

    def _mark(self, session: Session, rows, flight: _Flight) -> None:
        sent = [row.seq for row in rows if row.id in flight.confirmed]
        if sent:
            session.execute(_MARK_SENT, {"now": clock.now(), "seqs": sent})
            for seq in sent:
                self._deferred.pop(seq, None)
        failed = [(row.seq, row.id, flight.failed[row.id]) for row in rows if row.id in flight.failed]
        if failed:
            session.execute(_MARK_FAILED, [{"seq": seq, "error": why} for seq, _, why in failed])
            for seq, event_id, why in failed:
                self._defer(seq)
                log.warning("relay %s: event %s not published (%s); will retry", self.service, event_id, why,
                            extra={"service": self.service, "event_id": event_id})

    def _defer(self, seq: int) -> None:
        # A row the broker refused is retried with growing delay so it neither spins nor blocks the rows behind it.
        _, delay = self._deferred.get(seq, (0.0, self.settings.relay_idle_seconds))
        delay = min(delay * 2, self.max_defer_seconds)
        self._deferred[seq] = (time.monotonic() + delay, delay)

    def _deferred_seqs(self) -> list[int]:
        now = time.monotonic()
        return [seq for seq, (at, _) in self._deferred.items() if at > now]


def _write_batch(channel, exchange: str, messages: list[tuple[str, pika.BasicProperties, bytes]]) -> None:
    """Publish (routing key, properties, body) messages, mandatory, as one buffer written once.

    channel.basic_publish hands the transport three buffers a message (method, header, body frames) and the
    transport sends each with its own send() call: 1,500 system calls for a batch of 500, the relay's largest
    single cost. The frames are the same pika would write; the publish method frame is marshalled once a key."""
    if not channel.is_open:
        raise pika.exceptions.ChannelWrongStateError("channel is closed")
    connection = channel.connection
    number, limit = channel.channel_number, connection._body_max_length
    publish_frames: dict[str, bytes] = {}
    parts: list[bytes] = []
    for routing_key, props, body in messages:
        method = publish_frames.get(routing_key)
        if method is None:
            publish = spec.Basic.Publish(exchange=exchange, routing_key=routing_key, mandatory=True)
            method = publish_frames[routing_key] = frame.Method(number, publish).marshal()
        parts.append(method)
        parts.append(frame.Header(number, len(body), props).marshal())
        parts.extend(frame.Body(number, body[start:start + limit]).marshal() for start in range(0, len(body), limit))
    data = b"".join(parts)
    connection.bytes_sent += len(data)  # pika's heartbeat checker reads these
    connection.frames_sent += len(parts)
    connection._adapter_emit_data(data)
