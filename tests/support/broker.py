"""Test broker: a RabbitMQ vhost of its own for a test session, and helpers to read what reached it."""
from __future__ import annotations

import json
import subprocess
import time
import uuid

import pika

from shared import topology


def create_vhost(prefix: str = "kawal_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
                   check=True, capture_output=True)
    return name


def delete_vhost(name: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], capture_output=True)


def delete_users(names) -> None:
    for name in names:
        subprocess.run(["rabbitmqctl", "-q", "delete_user", name], capture_output=True)


def amqp_url(vhost: str) -> str:
    return f"amqp://guest:guest@127.0.0.1:5672/{vhost}"


class Tap:
    """A server-named, exclusive queue bound to the events exchange: what a test sees was really published."""

    def __init__(self, url: str, exchange: str = "kawal.events", binding: str = "#"):
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        topology.declare_exchange(self.channel, exchange)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, exchange, routing_key=binding)

    def drain(self, expect: int = 0, timeout: float = 10.0) -> list[dict]:
        """Messages so far; waits (by condition, not a fixed sleep) until at least `expect` arrived."""
        got: list[dict] = []
        deadline = time.monotonic() + timeout
        while True:
            method, props, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is not None:
                got.append(json.loads(body))
                continue
            if len(got) >= expect or time.monotonic() > deadline:
                return got
            self.connection.process_data_events(time_limit=0.05)

    def collect_until(self, condition, timeout: float = 10.0) -> list[dict]:
        """Messages so far, waiting until condition(messages) holds (other producers' messages included)."""
        got: list[dict] = []
        deadline = time.monotonic() + timeout
        while not condition(got):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s; the tap saw {[m.get('type') for m in got]}")
            got.extend(self.drain(timeout=0))
            self.connection.process_data_events(time_limit=0.05)
        return got

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:
            pass


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05, message: str = "condition"):
    """Poll a condition until it holds; fail with a clear message when it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
