"""RabbitMQ topology of the events: the exchange, each service's queue, its retry queues and its parked queue."""
from __future__ import annotations

from typing import Iterable

import pika
from pika.adapters.blocking_connection import BlockingChannel

from shared import config

# Headers the consumer and the parked tools agree on.
ATTEMPT = "x-kawal-attempt"
ERROR = "x-kawal-error"
ROUTING_KEY = "x-kawal-routing-key"
PARKED_AT = "x-kawal-parked-at"


def service_queue(service: str) -> str:
    return service


def retry_queue(service: str, delay_seconds: float) -> str:
    # Named by its delay: a changed KAWAL_RETRY_DELAYS_SECONDS declares new queues instead of clashing
    # with the old ones' x-message-ttl.
    return f"{service}.retry.{int(delay_seconds * 1000)}ms"


UNROUTED = "kawal.unrouted"


def parked_queue(service: str) -> str:
    return f"{service}.parked"


def parameters(url: str, name: str) -> pika.URLParameters:
    """Connection parameters with a name the management UI shows, and bounded blocking."""
    params = pika.URLParameters(url)
    params.client_properties = {"connection_name": name}
    params.blocked_connection_timeout = 60
    params.connection_attempts = 1
    params.socket_timeout = 5
    return params


def close_quietly(connection: pika.BlockingConnection | None) -> None:
    """Close a connection that may already be broken (the reconnect loops' clean-up)."""
    if connection is None:
        return
    try:
        if connection.is_open:
            connection.close()
    except Exception:  # noqa: BLE001 - already broken
        pass


def declare_exchange(channel: BlockingChannel, exchange: str | None = None) -> str:
    """The events exchange, with an alternate exchange for types no service subscribes to.

    Without it a mandatory publish of, say, billing.invoice.paid (which no service consumes) would come back
    unroutable and be retried forever. With it, such events rest in the bounded kawal.unrouted queue; the
    relay still retries what even the alternate exchange cannot route. Every service's queue is declared
    before any process starts (`kawal events declare`, run by `make db`), so no subscribed type lands there."""
    name = exchange or config.events().exchange
    unrouted = f"{name}.unrouted" if name != "kawal.events" else UNROUTED
    channel.exchange_declare(unrouted, "fanout", durable=True)
    channel.queue_declare(unrouted, durable=True, arguments={"x-max-length": 100_000, "x-overflow": "drop-head"})
    channel.queue_bind(unrouted, unrouted)
    channel.exchange_declare(name, "topic", durable=True, arguments={"alternate-exchange": unrouted})
    from shared import audit_heads  # it reads heads through this module

    audit_heads.declare(channel, name)  # the audit chain heads, kept where a database rewrite cannot reach
    return name


def declare_service(channel: BlockingChannel, service: str, types: Iterable[str],
                    settings: config.EventSettings | None = None) -> None:
    """Declare (idempotently) everything a service's consumer needs.

    The service queue is a durable quorum queue with one binding per handled type. Retry queue n holds a
    message for retry_delays_seconds[n] and then dead-letters it back to the service queue through the
    default exchange. The parked queue is classic so operators can browse it (get, then requeue) in order."""
    settings = settings or config.events()
    exchange = declare_exchange(channel, settings.exchange)
    queue = service_queue(service)
    channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
    for type_ in sorted(set(types)):
        channel.queue_bind(queue, exchange, routing_key=type_)
    for delay in settings.retry_delays_seconds:
        channel.queue_declare(retry_queue(service, delay), durable=True, arguments={
            "x-message-ttl": int(delay * 1000),
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": queue,
        })
    channel.queue_declare(parked_queue(service), durable=True)


def message_count(channel: BlockingChannel, queue: str) -> int:
    """Ready messages on a queue (passive declare: never creates it)."""
    return channel.queue_declare(queue, passive=True).method.message_count
