"""Event processes for tests: a relay and a consumer in background threads, or `shared.eventsd` as a killable subprocess."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import replace
from typing import Iterator

from shared import config
from shared.consumer import Consumer, Handler
from shared.relay import Relay
from tests.support.broker import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@contextmanager
def events_running(service: str, handlers: dict[str, Handler], database_url: str, amqp_url: str,
                   relay: bool = True, consume: bool = True, settings: config.EventSettings | None = None,
                   ) -> Iterator[tuple[Relay | None, Consumer | None]]:
    """Run the service's outbox relay and its consumer in threads while the block runs.

    Yields once the consumer's queue, bindings and retry queues exist, so what the relay publishes
    is routed. Returned (unroutable) rows are retried by the relay within about a second."""
    settings = settings or replace(config.events(), relay_idle_seconds=0.05, reconnect_seconds=0.2)
    running_relay = Relay(service, database_url, amqp_url, settings=settings, max_defer_seconds=1.0) if relay else None
    running_consumer = Consumer(service, handlers, database_url, amqp_url, settings=settings) if consume else None
    threads = [threading.Thread(target=p.run, name=f"{service}-{type(p).__name__.lower()}", daemon=True)
               for p in (running_relay, running_consumer) if p is not None]
    for thread in threads:
        thread.start()
    try:
        if running_consumer is not None:
            wait_until(running_consumer.ready.is_set, timeout=20, message=f"{service} consumer ready")
        if running_relay is not None:
            wait_until(running_relay.connected.is_set, timeout=20, message=f"{service} relay connected")
        yield running_relay, running_consumer
    finally:
        for process in (running_relay, running_consumer):
            if process is not None:
                process.stop()
        for thread in threads:
            thread.join(timeout=15)


def start_eventsd(service: str, env: dict[str, str], handlers: str | None = None,
                  extra_args: tuple[str, ...] = ()) -> subprocess.Popen:
    """`python -m shared.eventsd <service>` as a subprocess (SIGKILL it with kill()); env adds to os.environ.

    `handlers` ("module:ATTR") replaces services.<service>.handlers:HANDLERS, for test services."""
    args = [sys.executable, "-m", "shared.eventsd", service, *extra_args]
    if handlers:
        args += ["--handlers", handlers]
    return subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL: no clean shutdown, no acks, no commits."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def terminate(process: subprocess.Popen, timeout: float = 15) -> int:
    """SIGTERM and wait for the clean shutdown; returns the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.wait(timeout=timeout)


def start_hanging_relay(service: str, database_url: str, amqp_url: str) -> subprocess.Popen:
    """A relay subprocess that publishes one batch, gets its confirms, then hangs before marking the rows sent."""
    return subprocess.Popen([sys.executable, "-m", "tests.support.processes", "hanging-relay", service, database_url,
                             amqp_url], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _hanging_relay(service: str, database_url: str, amqp_url: str) -> None:
    # After its first batch is confirmed the relay waits until SIGKILL: the rows stay locked and unmarked.
    relay = Relay(service, database_url, amqp_url, after_confirm=lambda _confirmed: threading.Event().wait())
    relay.run()


if __name__ == "__main__":
    if sys.argv[1:2] == ["hanging-relay"]:
        _hanging_relay(*sys.argv[2:5])
