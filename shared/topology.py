"""RabbitMQ topology of the events: the exchange, each service's queue, its retry queues and its parked queue."""

from __future__ import annotations

import re
from typing import Iterable

import pika
from pika.adapters.blocking_connection import BlockingChannel

from shared import config

# Headers the consumer and the parked tools agree on.
ATTEMPT = "x-kawal-attempt"
ERROR = "x-kawal-error"
ROUTING_KEY = "x-kawal-routing-key"
PARKED_AT = "x-kawal-parked-at"
PUBLISHER = "x-kawal-publisher"  # the broker user that published the event, carried through retries

# The last resort against a message that kills its consumer before it can be parked (each crash is a
# redelivery): after this many deliveries the quorum queue dead-letters it to the parked queue.
DELIVERY_LIMIT = 20
DELIVERY_LIMIT_POLICY = "kawal-delivery-limit"


def service_queue(service: str) -> str:
    return service


def retry_queue(service: str, delay_seconds: float) -> str:
    # Named by its delay: a changed KAWAL_RETRY_DELAYS_SECONDS declares new queues instead of clashing
    # with the old ones' x-message-ttl.
    return f"{service}.retry.{int(delay_seconds * 1000)}ms"


UNROUTED = "kawal.unrouted"


def settle_exchange(service: str) -> str:
    """The service's own direct exchange to its retry, parked and service queues (routing key: the queue).

    Retries, parkings and replays go through it rather than the default exchange, because writing to the
    default exchange would allow writing to every queue of the vhost: only the service's user may write here."""
    return f"{service}.settle"


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
    try:
        channel.exchange_declare(unrouted, "fanout", durable=True)
        channel.queue_declare(unrouted, durable=True, arguments={"x-max-length": 100_000, "x-overflow": "drop-head"})
        channel.queue_bind(unrouted, unrouted)
        channel.exchange_declare(name, "topic", durable=True, arguments={"alternate-exchange": unrouted})
        from shared import audit_heads  # it reads heads through this module

        audit_heads.declare(channel, name)  # the audit chain heads, kept where a database rewrite cannot reach
    except pika.exceptions.ChannelClosedByBroker as error:
        if error.reply_code != 403:
            raise
        # A service's user may not configure the shared exchange and queues (`kawal events declare` does, as an
        # administrator): it only checks that the exchange is there.
        channel = channel.connection.channel()
        channel.exchange_declare(name, passive=True)
    return name


def declare_service(
    channel: BlockingChannel, service: str, types: Iterable[str], settings: config.EventSettings | None = None
) -> None:
    """Declare (idempotently) everything a service's consumer needs.

    The service queue is a durable quorum queue with one binding per handled type. Retry queue n holds a
    message for retry_delays_seconds[n] and then dead-letters it back to the service queue through the
    default exchange. The parked queue is classic so operators can browse it (get, then requeue) in order."""
    settings = settings or config.events()
    exchange = declare_exchange(channel, settings.exchange)
    channel = channel.connection.channel()  # the exchange check may have closed the first one
    queue, parked, settle = service_queue(service), parked_queue(service), settle_exchange(service)
    channel.queue_declare(parked, durable=True)
    try:
        channel.queue_declare(queue, durable=True, arguments=service_queue_arguments(service))
    except pika.exceptions.ChannelClosedByBroker as error:
        if error.reply_code != 406:
            raise
        # Declared by an older Kawal without a delivery limit: queue arguments cannot change, so the limit
        # comes from the policy `kawal events declare` sets (DELIVERY_LIMIT_POLICY). Use the queue as it is.
        channel = channel.connection.channel()
        channel.queue_declare(queue, passive=True)
    for type_ in sorted(set(types)):
        channel.queue_bind(queue, exchange, routing_key=type_)
    channel.exchange_declare(settle, "direct", durable=True)
    channel.queue_bind(queue, settle, routing_key=queue)
    channel.queue_bind(parked, settle, routing_key=parked)
    for delay in settings.retry_delays_seconds:
        retry = retry_queue(service, delay)
        channel.queue_declare(
            retry,
            durable=True,
            arguments={
                "x-message-ttl": int(delay * 1000),
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": queue,
            },
        )
        channel.queue_bind(retry, settle, routing_key=retry)


def service_queue_arguments(service: str) -> dict:
    """A quorum queue that dead-letters a message delivered DELIVERY_LIMIT times to the parked queue."""
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": DELIVERY_LIMIT,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": parked_queue(service),
    }


def delivery_limit_policy(service: str) -> dict:
    """The same limit as a policy (one per service: each parks to its own queue), for service queues declared
    before it existed, whose arguments cannot change. RabbitMQ 3.10 reads delivery-limit from policies."""
    return {
        "name": f"{DELIVERY_LIMIT_POLICY}-{service}",
        "pattern": f"^{service_queue(service)}$",
        "apply-to": "queues",
        "priority": 0,
        "definition": {
            "delivery-limit": DELIVERY_LIMIT,
            "dead-letter-exchange": "",
            "dead-letter-routing-key": parked_queue(service),
        },
    }


def message_count(channel: BlockingChannel, queue: str) -> int:
    """Ready messages on a queue (passive declare: never creates it)."""
    return channel.queue_declare(queue, passive=True).method.message_count


def user_of(url: str) -> str:
    """The broker user an AMQP URL connects as: what RabbitMQ accepts as a message's user_id on it."""
    return pika.URLParameters(url).credentials.username


def permissions(service: str, extra: str | None = None, exchange: str = "kawal.events") -> dict[str, str]:
    """The least a service's broker user needs on its vhost (RabbitMQ regular expressions on resource names):
    configure only its own queues and settle exchange, write only to the events exchange and its own queues,
    read (consume, bind from) only those. `extra` adds a service's other resources (routes' Celery queue)."""
    own = rf"{re.escape(service)}(\..+)?"
    if extra:
        own = f"{own}|{extra}"
    shared = re.escape(exchange)
    return {"configure": f"^({own})$", "write": f"^({shared}|{own})$", "read": f"^({shared}|{own})$"}
