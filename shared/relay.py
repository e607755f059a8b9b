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
from shared.brokerloop import BrokerLoop, declare_with

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
    """Moves a service's outbox to the exchange. Safe to run several at once (row locks, SKIP LOCKED).

    A pass, all in the IO loop's thread: lock a batch of rows in a transaction, publish them all (mandatory,
    persistent, with the AMQP user_id the broker checks), and when the last confirm has arrived mark the
    confirmed ones sent and commit. The transaction stays open while the confirms are on their way, so a
    second relay skips the batch and a crash before the commit leaves the rows unsent (published again)."""

    kind = "relay"

    def __init__(self, service: str, database_url: str, amqp_url: str, settings: config.EventSettings | None = None,
                 max_defer_seconds: float = 60.0, after_confirm: Callable[[list[str]], None] | None = None,
                 confirm_timeout_seconds: float = 30.0):
        super().__init__(service, settings)
        self.database_url, self.amqp_url = database_url, amqp_url
        self.max_defer_seconds = max_defer_seconds
        self.confirm_timeout_seconds = confirm_timeout_seconds
        # Test hook: runs after the broker confirmed a batch, before the rows are marked (crash tests).
        self.after_confirm = after_confirm
        self.metrics = metrics.events(service)
        self.connected = threading.Event()
        self.published = 0  # rows this relay published and marked
        self._deferred: dict[int, tuple[float, float]] = {}  # outbox seq -> (retry at, current delay)
        self._channel = None
        self._batch: _Batch | None = None
        self._flight = _Flight()

    # --- connection -------------------------------------------------------------------------------------
    def _setup(self) -> None:
        declare_with(self.amqp_url, f"{self.service}.relay.setup",
                     lambda channel: topology.declare_exchange(channel, self.settings.exchange))

    def _on_open(self, connection) -> None:
        self._user_id = topology.user_of(self.amqp_url)
        connection.channel(on_open_callback=self.guarded(self._on_channel))

    def _on_channel(self, channel) -> None:
        self._channel = channel
        self._flight = _Flight()
        channel.add_on_close_callback(self.on_channel_closed)
        channel.add_on_return_callback(self.guarded(lambda *args: self._flight.on_return(*args)))
        channel.confirm_delivery(ack_nack_callback=self.guarded(self._on_confirm),
                                 callback=self.guarded(self._on_confirm_mode))

    def _on_confirm_mode(self, _frame) -> None:
        self.connected.set()
        self.call_later(0, self._pass)

    def _on_close(self) -> None:
        self.connected.clear()
        self._channel = None

    def _release(self) -> None:
        batch, self._batch = self._batch, None
        if batch is not None:
            batch.abandon()

    # --- a pass -----------------------------------------------------------------------------------------
    def _pass(self) -> None:
        """Lock and publish the next batch; when there is none, look again after the idle interval."""
        if self._batch is not None or self._channel is None or self.stopping.is_set():
            return
        batch = _Batch(self.database_url)
        try:
            rows = batch.session.execute(_SELECT, {"deferred": self._deferred_seqs(),
                                                   "batch": self.settings.relay_batch_size}).all()
        except BaseException:
            batch.abandon()
            raise
        if not rows:
            batch.finish()
            self.call_later(self.settings.relay_idle_seconds, self._pass)
            return
        batch.rows = rows
        self._batch = batch
        self._publish(rows)
        batch.timeout = self.call_later(self.confirm_timeout_seconds, self._confirms_overdue)

    def _publish(self, rows) -> None:
        flight = self._flight
        flight.by_tag.clear()
        flight.confirmed.clear()
        flight.failed.clear()
        now = int(time.time())
        exchange, user_id, publish = self.settings.exchange, self._user_id, self._channel.basic_publish
        for row in rows:
            props = pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=row.id,
                                         type=row.type, timestamp=now, user_id=user_id)
            flight.by_tag[flight.next_tag] = row.id
            flight.next_tag += 1
            publish(exchange, row.type, row.body.encode(), props, mandatory=True)

    def _on_confirm(self, confirm: frame.Method) -> None:
        self._flight.on_confirm(confirm)
        if self._batch is not None and self._flight.settled():
            self._complete()

    def _confirms_overdue(self) -> None:
        if self._batch is not None:
            raise TimeoutError(f"{len(self._flight.by_tag)} confirms still outstanding after "
                               f"{self.confirm_timeout_seconds:.0f}s")

    def _complete(self) -> None:
        batch, flight = self._batch, self._flight
        self.remove_timeout(batch.timeout)
        try:
            if self.after_confirm is not None:
                self.after_confirm(sorted(flight.confirmed))
            self._mark(batch.session, batch.rows, flight)
            batch.finish()
        except BaseException:
            batch.abandon()
            raise
        finally:
            self._batch = None
        confirmed = len(flight.confirmed)
        self.published += confirmed
        for type_, count in Counter(row.type for row in batch.rows if row.id in flight.confirmed).items():
            self.metrics.published.labels(type=type_).inc(count)
        # A full batch means more may be waiting: go on at once. Otherwise the outbox is drained for now.
        self.call_later(0 if len(batch.rows) >= self.settings.relay_batch_size or flight.failed
                        else self.settings.relay_idle_seconds, self._pass)

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


class _Batch:
    """The transaction that holds a published batch's rows locked until their confirms are in."""

    def __init__(self, database_url: str):
        self.session: Session = db.session_factory(database_url)()
        self.rows: list = []
        self.timeout = None

    def finish(self) -> None:
        try:
            self.session.commit()
        finally:
            self.session.close()

    def abandon(self) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
