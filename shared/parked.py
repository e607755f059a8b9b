"""Parked messages: browse a service's parked queue without losing anything, and replay messages to the service queue."""

from __future__ import annotations

from dataclasses import dataclass

import pika

from shared import topology


@dataclass(frozen=True)
class ParkedMessage:
    id: str | None
    type: str | None
    attempts: int
    error: str
    parked_at: str | None
    routing_key: str | None
    body: bytes


def _parked(properties: pika.BasicProperties, body: bytes) -> ParkedMessage:
    headers = properties.headers or {}

    def text(key):
        value = headers.get(key)
        return value.decode() if isinstance(value, bytes) else value

    attempts = headers.get(topology.ATTEMPT, 0)
    return ParkedMessage(
        id=properties.message_id,
        type=properties.type,
        attempts=attempts if type(attempts) is int else 0,
        error=text(topology.ERROR) or _dead_lettered(headers),
        parked_at=text(topology.PARKED_AT),
        routing_key=text(topology.ROUTING_KEY),
        body=body,
    )


def _dead_lettered(headers: dict) -> str:
    """Why the broker itself moved a message here (the queue's delivery limit: it kept killing its consumer)."""
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict):
        reason = deaths[0].get("reason")
        reason = reason.decode() if isinstance(reason, bytes) else reason
        return (
            f"dead-lettered by the broker: {reason} (delivered {topology.DELIVERY_LIMIT} times without settling)"
            if reason == "delivery_limit"
            else f"dead-lettered by the broker: {reason}"
        )
    return ""


def _connect(
    amqp_url: str, service: str
) -> tuple[pika.BlockingConnection, pika.adapters.blocking_connection.BlockingChannel]:
    connection = pika.BlockingConnection(topology.parameters(amqp_url, f"{service}.parked-cli"))
    channel = connection.channel()
    channel.queue_declare(topology.parked_queue(service), durable=True)  # idempotent: same arguments as the consumer
    return connection, channel


def browse(amqp_url: str, service: str) -> list[ParkedMessage]:
    """Every parked message, in order. Each is fetched unacknowledged (so it is not fetched twice) and all are
    requeued at the end in their original positions: a crash midway also requeues them (the channel closes)."""
    connection, channel = _connect(amqp_url, service)
    found: list[ParkedMessage] = []
    last_tag = None
    try:
        while True:
            method, properties, body = channel.basic_get(topology.parked_queue(service), auto_ack=False)
            if method is None:
                break
            last_tag = method.delivery_tag
            found.append(_parked(properties, body))
        if last_tag is not None:
            channel.basic_nack(last_tag, multiple=True, requeue=True)
    finally:
        connection.close()
    return found


def replay(amqp_url: str, service: str, event_id: str | None = None) -> list[ParkedMessage]:
    """Republish parked messages (one by id, or all) to the service queue with a fresh attempt count, each
    confirmed before its parked copy is acked; the others are requeued untouched. Returns what was replayed."""
    connection, channel = _connect(amqp_url, service)
    # Through the service's settle exchange, which its own broker user may write to (not the default exchange).
    settle, queue = topology.settle_exchange(service), topology.service_queue(service)
    channel.exchange_declare(settle, "direct", durable=True)
    channel.queue_bind(queue, settle, routing_key=queue)
    publisher = connection.channel()
    publisher.confirm_delivery()
    replayed: list[ParkedMessage] = []
    # Only what is parked now: a message the running consumer parks again while we replay is not replayed twice
    # (a message that keeps failing would otherwise go round for ever).
    waiting = topology.message_count(channel, topology.parked_queue(service))
    try:
        for _ in range(waiting):
            method, properties, body = channel.basic_get(topology.parked_queue(service), auto_ack=False)
            if method is None:
                break
            if event_id is not None and properties.message_id != event_id:
                continue  # left unacked: requeued when the channel closes
            message = _parked(properties, body)
            headers = {
                k: v
                for k, v in (properties.headers or {}).items()
                if k not in (topology.ATTEMPT, topology.ERROR, topology.PARKED_AT, "x-death")
            }
            headers["x-kawal-replayed-error"] = message.error[:1000]
            if not isinstance(headers.get(topology.PUBLISHER), str) and properties.user_id:
                headers[topology.PUBLISHER] = properties.user_id  # parked by the delivery limit: never republished
            props = pika.BasicProperties(
                content_type=properties.content_type,
                delivery_mode=2,
                message_id=properties.message_id,
                type=properties.type,
                timestamp=properties.timestamp,
                headers=headers,
            )
            publisher.basic_publish(settle, queue, body, props, mandatory=True)
            channel.basic_ack(method.delivery_tag)
            replayed.append(message)
    finally:
        connection.close()
    return replayed
