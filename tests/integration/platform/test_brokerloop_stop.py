"""A broker loop stopped while its connection is still opening (SIGTERM during an events process's start-up) still
stops: it closes the connection once it has opened, instead of running on with nobody to close it."""
from __future__ import annotations

import threading

from shared.brokerloop import BrokerLoop


class Idle(BrokerLoop):
    kind = "idle"

    def __init__(self, service: str, amqp_url: str, settings):
        super().__init__(service, settings)
        self.amqp_url = amqp_url
        self.opened = threading.Event()

    def _setup(self) -> None:
        self.stop()  # the signal arrives after the declarations, before the IO loop's connection has opened

    def _on_open(self, connection) -> None:
        self.opened.set()


def test_a_loop_stopped_before_its_connection_opened_still_stops(amqp_url, service, settings):
    loop = Idle(service, amqp_url, settings)
    runner = threading.Thread(target=loop.run, daemon=True)
    runner.start()
    runner.join(timeout=10)
    assert not runner.is_alive(), "the loop ran on after stop()"
    assert loop.failures == 0
