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


def retry_queue(service: str, n: int) -> str:
    return f"{service}.retry.{n}"


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


def declare_exchange(channel: BlockingChannel, exchange: str | None = None) -> str:
    name = exchange or config.events().exchange
    channel.exchange_declare(name, "topic", durable=True)
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
    for n, delay in enumerate(settings.retry_delays_seconds):
        channel.queue_declare(retry_queue(service, n), durable=True, arguments={
            "x-message-ttl": int(delay * 1000),
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": queue,
        })
    channel.queue_declare(parked_queue(service), durable=True)


def message_count(channel: BlockingChannel, queue: str) -> int:
    """Ready messages on a queue (passive declare: never creates it)."""
    return channel.queue_declare(queue, passive=True).method.message_count
