"""`python -m shared.eventsd`: relays and consumes, serves its gauges on /metrics, and stops cleanly on SIGTERM."""
import socket
import urllib.request

from shared import outbox
from tests.integration.platform import things
from tests.integration.platform.conftest import count, declare, record
from tests.support.broker import wait_until
from tests.support.processes import start_eventsd, terminate


def test_eventsd_applies_events_serves_its_gauges_and_stops_cleanly_on_sigterm(database_url, amqp_url, service, settings):
    # as in production (`kawal events declare` before any process starts): otherwise the relay can publish before
    # the consumer has bound its queue, and the events go to kawal.unrouted
    declare(amqp_url, service, settings)
    port = _free_port()
    process = start_eventsd(service, {
        f"KAWAL_{service.upper()}_DATABASE_URL": database_url, "KAWAL_AMQP_URL": amqp_url,
        f"KAWAL_{service.upper()}_EVENTS_METRICS_PORT": str(port), "KAWAL_LOG_FORMAT": "text",
        "KAWAL_RETRY_DELAYS_SECONDS": ",".join(str(d) for d in settings.retry_delays_seconds),
    }, handlers="tests.integration.platform.things:HANDLERS")
    try:
        ids = record(database_url, "one", "two")
        wait_until(lambda: count(database_url, things.effects) == 2, timeout=20, message="both effects")
        wait_until(lambda: count(database_url, outbox.outbox, outbox.outbox.c.sent_at.is_(None)) == 0,
                   message="both rows marked sent")
        page = wait_until(lambda: _scrape(port), message="/metrics answering")
        assert f"kawal_{service}_outbox_backlog 0.0" in page
        assert f"kawal_{service}_parked_messages 0.0" in page
        assert f"kawal_{service}_consumer_queue_messages 0.0" in page
        assert f'kawal_{service}_events_published_total{{type="{things.HAPPENED}"}} 2.0' in page
        assert f'kawal_{service}_events_consumed_total{{outcome="applied",type="{things.HAPPENED}"}} 2.0' in page
    finally:
        code = terminate(process)
    assert code == 0, process.stderr.read().decode()[-2000:]
    assert len(ids) == 2


def _scrape(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            return response.read().decode()
    except OSError:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
