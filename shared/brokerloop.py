"""The loop the relay and the consumer share: a pika SelectConnection driven until stopped, reconnecting on failure."""

from __future__ import annotations

import functools
import logging
import threading
from abc import ABC, abstractmethod
from typing import Callable

import pika
from pika.adapters.select_connection import SelectConnection

from shared import config, topology

log = logging.getLogger(__name__)

# How often an idle loop looks at its stop flag (stop() also wakes it at once, thread-safely).
_TICK_SECONDS = 0.25


class BrokerLoop(ABC):
    """One SelectConnection and its IO loop, run in the calling thread (pika's public, asynchronous API).

    Subclasses declare what they need with a short blocking connection in _setup, then open their channels in
    _on_open and do their work in callbacks. A callback that raises (broker or database) closes the
    connection; run() then waits with growing backoff and starts over, so a crash costs at most a redelivery,
    never an event."""

    kind = "loop"

    def __init__(self, service: str, settings: config.EventSettings | None = None):
        self.service = service
        self.settings = settings or config.events()
        self.stopping = threading.Event()
        self.failures = 0  # connection or database failures so far (observability, tests)
        self._connection: SelectConnection | None = None
        self._error: BaseException | None = None
        self.amqp_url = ""  # set by the subclass; read at each reconnect

    def stop(self) -> None:
        self.stopping.set()
        connection = self._connection
        if connection is not None:
            try:
                connection.ioloop.add_callback_threadsafe(self._close)
            except Exception:  # noqa: BLE001 - the loop is already gone
                pass

    def run(self) -> None:
        backoff = self.settings.reconnect_seconds
        while not self.stopping.is_set():
            try:
                self._setup()
                self._serve()
                backoff = self.settings.reconnect_seconds
            except Exception as error:  # noqa: BLE001 - any failure: drop the connection, wait, start over
                if self.stopping.is_set():
                    break
                self.failures += 1
                log.warning(
                    "%s %s: %s; reconnecting in %.1fs",
                    self.kind,
                    self.service,
                    error,
                    backoff,
                    extra={"service": self.service, "process_kind": self.kind},
                )
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _serve(self) -> None:
        """Open the connection and run its IO loop until it closes; raise what made it close, if anything."""
        self._error = None
        self._connection = SelectConnection(
            topology.parameters(self.amqp_url, f"{self.service}.{self.kind}"),
            on_open_callback=self.guarded(self._on_open),
            on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_connection_closed,
        )
        self._tick()
        try:
            self._connection.ioloop.start()
        finally:
            self._on_close()
            self._release()
            self._connection = None
        if self._error is not None:
            raise self._error

    def _tick(self) -> None:
        # Stopping keeps ticking until the connection has closed: a stop while the connection is still opening
        # (SIGTERM during start-up) finds nothing to close yet, and the connection then opens and would run on.
        if self.stopping.is_set():
            self._close()
        if self._connection is not None and not self._connection.is_closed:
            self._connection.ioloop.call_later(_TICK_SECONDS, self._tick)

    def guarded(self, callback: Callable) -> Callable:
        """Wrap a pika callback: an exception in it closes the connection and is raised from run()."""

        @functools.wraps(callback)
        def call(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - handed to the reconnect loop
                self.fail(error)

        return call

    def fail(self, error: BaseException) -> None:
        if self._error is None:
            self._error = error
        self._close()

    def _close(self) -> None:
        connection = self._connection
        if connection is None:
            return
        if connection.is_open:
            connection.close()
        elif connection.is_closed:
            connection.ioloop.stop()
        # else: opening or closing already; _on_connection_closed stops the loop

    def _on_open_error(self, connection, error) -> None:
        self._error = self._error or (error if isinstance(error, BaseException) else ConnectionError(str(error)))
        connection.ioloop.stop()

    def _on_connection_closed(self, connection, reason) -> None:
        if self._error is None and not self.stopping.is_set():
            self._error = reason if isinstance(reason, BaseException) else ConnectionError(str(reason))
        connection.ioloop.stop()

    def on_channel_closed(self, _channel, reason) -> None:
        """A channel closed by the broker (a refused publish, a deleted queue): start over."""
        if self._connection is not None and self._connection.is_open:
            self.fail(reason if isinstance(reason, BaseException) else ConnectionError(str(reason)))

    def call_later(self, delay: float, callback: Callable) -> object:
        assert self._connection is not None, "call_later runs in the connection's callbacks"
        return self._connection.ioloop.call_later(delay, self.guarded(callback))

    def remove_timeout(self, handle) -> None:
        if handle is not None and self._connection is not None:
            self._connection.ioloop.remove_timeout(handle)

    def _setup(self) -> None:
        """Declare, with a short blocking connection, what the loop needs before it starts (default: nothing)."""

    @abstractmethod
    def _on_open(self, connection: SelectConnection) -> None:
        """Open the channels the loop needs and start its work."""

    def _on_close(self) -> None:
        """Clear readiness flags; called once the IO loop has ended."""

    def _release(self) -> None:
        """Give back what a half-done unit of work holds (a database transaction); called after _on_close."""


def declare_with(
    amqp_url: str, name: str, declare: Callable[[pika.adapters.blocking_connection.BlockingChannel], object]
) -> None:
    """Run declarations on a short-lived blocking connection (setup only: the hot path is asynchronous)."""
    connection = pika.BlockingConnection(topology.parameters(amqp_url, name))
    try:
        declare(connection.channel())
    finally:
        topology.close_quietly(connection)
