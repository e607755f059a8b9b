"""The loop the relay and the consumer share: work on a broker connection until stopped, reconnecting on failure."""
from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from typing import Callable

import pika

from shared import config, topology

log = logging.getLogger(__name__)


class BrokerLoop(ABC):
    """Subclasses open their connection in _connect and do one unit of work in _step; any failure of either
    (broker or database) closes the connection, waits with growing backoff and starts over, so a crash
    costs at most a redelivery, never an event."""

    kind = "loop"

    def __init__(self, service: str, settings: config.EventSettings | None = None):
        self.service = service
        self.settings = settings or config.events()
        self.stopping = threading.Event()
        self.failures = 0  # connection or database failures so far (observability, tests)
        self._connection: pika.BlockingConnection | None = None

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        backoff = self.settings.reconnect_seconds
        while not self.stopping.is_set():
            try:
                self._connect()
                backoff = self.settings.reconnect_seconds
                while not self.stopping.is_set():
                    self._step()
            except Exception as error:  # noqa: BLE001 - any failure: drop the connection, wait, start over
                if self.stopping.is_set():
                    break
                self.failures += 1
                log.warning("%s %s: %s; reconnecting in %.1fs", self.kind, self.service, error, backoff,
                            extra={"service": self.service, "process_kind": self.kind})
                self._close()
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)
        self._close()

    @abstractmethod
    def _connect(self) -> None:
        """Open self._connection and the channels the loop needs."""

    @abstractmethod
    def _step(self) -> None:
        """One unit of work (a batch); raising drops the connection and starts over."""

    def _on_close(self) -> None:
        """Clear readiness flags; called before the connection is closed."""

    def _close(self) -> None:
        self._on_close()
        topology.close_quietly(self._connection)
        self._connection = None


def pump(connection: pika.BlockingConnection, done: Callable[[], bool], timeout: float) -> None:
    """Process I/O until done() or the timeout, returning as soon as done() holds.

    BlockingConnection.process_data_events(time_limit) would always wait the whole limit for callbacks
    registered on the underlying channel, so we drive its loop with our own condition."""
    expired: list[bool] = []
    ioloop = connection._impl.ioloop
    timer = ioloop.call_later(timeout, lambda: expired.append(True))
    try:
        connection._flush_output(lambda: bool(expired), done)
    finally:
        ioloop.remove_timeout(timer)
