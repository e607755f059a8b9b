"""Broker users and policies: one RabbitMQ user per service with the least permissions, set by `kawal events declare`.

Users, permissions and policies are not AMQP operations: they go through `rabbitmqctl` on the broker's host, or
the management HTTP API (KAWAL_RABBITMQ_MANAGEMENT_URL) where rabbitmqctl is not at hand. Deployments that boot
the broker from deploy/rabbitmq/definitions.json get the same users there."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, unquote, urlsplit

import pika

from shared import topology

SERVICE_URL_VARIABLE = "KAWAL_{}_AMQP_URL"


class Admin(Protocol):
    def apply(self, definitions: dict) -> None:
        """Import users, permissions and policies (RabbitMQ's definitions format): created or updated, never removed."""

    def delete_vhost(self, name: str) -> None:
        """Delete a vhost with everything in it (queues, messages, exchanges, permissions); absent is fine."""


class Rabbitmqctl:
    """The broker's own CLI (needs the node's Erlang cookie: run where RabbitMQ runs), one import for everything:
    each rabbitmqctl call starts an Erlang VM (seconds), so a call per user and permission would take half a minute.
    The definitions (with passwords) go on standard input, never into a file or onto a command line."""

    def apply(self, definitions: dict) -> None:
        done = subprocess.run(
            ["rabbitmqctl", "-q", "import_definitions", "--format", "json"],  # stdin
            input=json.dumps(definitions),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl import_definitions failed: {done.stderr.strip() or done.stdout.strip()}")

    def delete_vhost(self, name: str) -> None:
        done = subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], capture_output=True, text=True, timeout=120)
        if done.returncode != 0 and "does not exist" not in done.stdout + done.stderr:
            raise RuntimeError(f"rabbitmqctl delete_vhost failed: {done.stderr.strip() or done.stdout.strip()}")


class ManagementApi:
    """The management plugin's HTTP API with the administrator's credentials (POST /api/definitions)."""

    def __init__(self, base_url: str, user: str, password: str):
        import requests

        self.base_url, self.session = base_url.rstrip("/"), requests.Session()
        self.session.auth = (user, password)

    def apply(self, definitions: dict) -> None:
        response = self.session.post(f"{self.base_url}/api/definitions", json=definitions, timeout=60)
        if response.status_code not in (200, 201, 204):
            raise RuntimeError(f"POST /api/definitions: {response.status_code} {response.text[:200]}")

    def delete_vhost(self, name: str) -> None:
        response = self.session.delete(f"{self.base_url}/api/vhosts/{quote(name, safe='')}", timeout=60)
        if response.status_code not in (200, 204, 404):
            raise RuntimeError(f"DELETE /api/vhosts/{name}: {response.status_code} {response.text[:200]}")


def admin_for(admin_url: str) -> Admin:
    management = os.environ.get("KAWAL_RABBITMQ_MANAGEMENT_URL")
    if management or not shutil.which("rabbitmqctl"):
        params = pika.URLParameters(admin_url)
        return ManagementApi(
            management or f"http://{params.host}:15672", params.credentials.username, params.credentials.password
        )
    return Rabbitmqctl()


@dataclass(frozen=True)
class ServiceUser:
    service: str
    name: str
    password: str
    url: str


def service_url(admin_url: str, user: str, password: str) -> str:
    """The admin URL with a service user's credentials instead (same host, port, vhost and options)."""
    parts = urlsplit(admin_url)
    host = parts.hostname or "localhost"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def read_env_file(path: str) -> dict[str, str]:
    """`export NAME='value'` lines written by write_env_file (an absent file is empty)."""
    found = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                match = re.match(r"^export (\w+)='([^']*)'$", line.strip())
                if match:
                    found[match[1]] = match[2]
    return found


def write_env_file(path: str, values: dict[str, str]) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds passwords
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Per-service broker users written by `kawal events declare --users`; source before starting.\n")
        for name, value in values.items():
            handle.write(f"export {name}='{value}'\n")


def declare_users(
    admin_url: str,
    services: dict[str, str | dict | None],
    prefix: str = "kawal-",
    env_file: str | None = None,
    admin: Admin | None = None,
    policies_for: list[str] | tuple[str, ...] = (),
) -> list[ServiceUser]:
    """Create or update one user per service ({service: extra resource pattern}) with topology.permissions on
    the admin URL's vhost (and the delivery-limit policies of `policies_for`), in one import. Passwords already in
    env_file are kept (so a restart changes nothing); new ones are random. Returns the users with their URLs, and
    writes KAWAL_<SERVICE>_AMQP_URL lines to env_file."""
    vhost = pika.URLParameters(admin_url).virtual_host
    known = read_env_file(env_file) if env_file else {}
    users = []
    for service in services:
        name = f"{prefix}{service}"
        password = None
        previous = known.get(SERVICE_URL_VARIABLE.format(service.upper()))
        if previous and unquote(urlsplit(previous).username or "") == name:
            password = unquote(urlsplit(previous).password or "") or None
        password = password or secrets.token_urlsafe(24)
        users.append(ServiceUser(service, name, password, service_url(admin_url, name, password)))
    definitions = {
        "users": [{"name": u.name, "password": u.password, "tags": ""} for u in users],
        "permissions": [{"user": u.name, "vhost": vhost, **_rights(u.service, services[u.service])} for u in users],
        "policies": [{"vhost": vhost, **topology.delivery_limit_policy(s)} for s in policies_for],
    }
    (admin or admin_for(admin_url)).apply(definitions)
    for user in users:
        _wait_until_accepted(user.url)
    if env_file:
        write_env_file(env_file, {**known, **{SERVICE_URL_VARIABLE.format(u.service.upper()): u.url for u in users}})
    return users


# A process that only needs to reach the broker (the portal's readiness check): the vhost, and no resource at all.
NO_RIGHTS = {"configure": "^$", "write": "^$", "read": "^$"}


def _rights(service: str, wanted: str | dict | None) -> dict[str, str]:
    """{service: extra resource pattern, or None} gets topology.permissions; a dict is taken as the rights."""
    return dict(wanted) if isinstance(wanted, dict) else topology.permissions(service, wanted)


def _wait_until_accepted(url: str, timeout: float = 60.0) -> None:
    """The broker applies an import asynchronously: wait until the new user can log in."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pika.BlockingConnection(topology.parameters(url, "kawal.declare.check")).close()
            return
        except pika.exceptions.AMQPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def with_vhost(url: str, vhost: str) -> str:
    """The same broker URL on another vhost."""
    return urlsplit(url)._replace(path="/" + quote(vhost, safe="")).geturl()


def recreate_vhost(admin_url: str, vhost: str, admin: Admin | None = None) -> str:
    """Delete `vhost` with all it holds and create it empty, the administrator (admin_url's user) allowed everything
    in it; returns the administrator's URL on it. What a demo's reset needs: no queued event of the old city left."""
    admin = admin or admin_for(admin_url)
    admin.delete_vhost(vhost)
    user = unquote(urlsplit(admin_url).username or "guest")
    admin.apply(
        {
            "vhosts": [{"name": vhost}],
            "permissions": [{"user": user, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}],
        }
    )
    url = with_vhost(admin_url, vhost)
    _wait_until_accepted(url)
    return url


def declare_policies(admin_url: str, services: list[str], admin: Admin | None = None) -> None:
    """The delivery-limit policy of each service queue (queues declared before the limit keep their arguments)."""
    declare_users(admin_url, {}, admin=admin, policies_for=services)
