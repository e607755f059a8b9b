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
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, unquote, urlsplit

import pika

from shared import topology

SERVICE_URL_VARIABLE = "KAWAL_{}_AMQP_URL"


class Admin(Protocol):
    def ensure_user(self, name: str, password: str) -> None: ...
    def set_permissions(self, vhost: str, user: str, permissions: dict[str, str]) -> None: ...
    def set_policy(self, vhost: str, policy: dict) -> None: ...


class Rabbitmqctl:
    """The broker's own CLI (needs the node's Erlang cookie: run where RabbitMQ runs). Passwords go on stdin,
    never on a command line another user could read."""

    def _run(self, *args: str, stdin: str | None = None, ok_codes: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
        done = subprocess.run(["rabbitmqctl", "-q", *args], input=stdin, capture_output=True, text=True, timeout=60)
        if done.returncode not in ok_codes:
            raise RuntimeError(f"rabbitmqctl {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done

    def ensure_user(self, name: str, password: str) -> None:
        added = self._run("add_user", name, stdin=password + "\n", ok_codes=(0, 70))
        if added.returncode == 70:  # exists: make its password the one we hand out
            self._run("change_password", name, stdin=password + "\n")
        self._run("set_user_tags", name)  # no tags: never administrator, not even management

    def set_permissions(self, vhost: str, user: str, permissions: dict[str, str]) -> None:
        self._run("set_permissions", "-p", vhost, user, permissions["configure"], permissions["write"],
                  permissions["read"])

    def set_policy(self, vhost: str, policy: dict) -> None:
        self._run("set_policy", "-p", vhost, "--apply-to", policy["apply-to"], "--priority", str(policy["priority"]),
                  policy["name"], policy["pattern"], json.dumps(policy["definition"]))


class ManagementApi:
    """The management plugin's HTTP API with the administrator's credentials."""

    def __init__(self, base_url: str, user: str, password: str):
        import requests
        self.base_url, self.session = base_url.rstrip("/"), requests.Session()
        self.session.auth = (user, password)

    def _put(self, path: str, body: dict) -> None:
        response = self.session.put(f"{self.base_url}/api/{path}", json=body, timeout=30)
        if response.status_code not in (200, 201, 204):
            raise RuntimeError(f"PUT /api/{path}: {response.status_code} {response.text[:200]}")

    def ensure_user(self, name: str, password: str) -> None:
        self._put(f"users/{quote(name, safe='')}", {"password": password, "tags": ""})

    def set_permissions(self, vhost: str, user: str, permissions: dict[str, str]) -> None:
        self._put(f"permissions/{quote(vhost, safe='')}/{quote(user, safe='')}", permissions)

    def set_policy(self, vhost: str, policy: dict) -> None:
        self._put(f"policies/{quote(vhost, safe='')}/{quote(policy['name'], safe='')}",
                  {k: policy[k] for k in ("pattern", "apply-to", "priority", "definition")})


def admin_for(admin_url: str) -> Admin:
    management = os.environ.get("KAWAL_RABBITMQ_MANAGEMENT_URL")
    if management or not shutil.which("rabbitmqctl"):
        params = pika.URLParameters(admin_url)
        return ManagementApi(management or f"http://{params.host}:15672", params.credentials.username,
                             params.credentials.password)
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


def declare_users(admin_url: str, services: dict[str, str | None], prefix: str = "kawal-",
                  env_file: str | None = None, admin: Admin | None = None) -> list[ServiceUser]:
    """Create or update one user per service ({service: extra resource pattern}) with topology.permissions on
    the admin URL's vhost. Passwords already in env_file are kept (so a restart changes nothing); new ones are
    random. Returns the users with their URLs, and writes KAWAL_<SERVICE>_AMQP_URL lines to env_file."""
    admin = admin or admin_for(admin_url)
    vhost = pika.URLParameters(admin_url).virtual_host
    known = read_env_file(env_file) if env_file else {}
    users = []
    for service, extra in services.items():
        name = f"{prefix}{service}"
        password = None
        previous = known.get(SERVICE_URL_VARIABLE.format(service.upper()))
        if previous and unquote(urlsplit(previous).username or "") == name:
            password = unquote(urlsplit(previous).password or "") or None
        password = password or secrets.token_urlsafe(24)
        admin.ensure_user(name, password)
        admin.set_permissions(vhost, name, topology.permissions(service, extra))
        users.append(ServiceUser(service, name, password, service_url(admin_url, name, password)))
    if env_file:
        write_env_file(env_file, {**known, **{SERVICE_URL_VARIABLE.format(u.service.upper()): u.url for u in users}})
    return users


def declare_policies(admin_url: str, services: list[str], admin: Admin | None = None) -> None:
    """The delivery-limit policy of each service queue (queues declared before the limit keep their arguments)."""
    admin = admin or admin_for(admin_url)
    vhost = pika.URLParameters(admin_url).virtual_host
    for service in services:
        admin.set_policy(vhost, topology.delivery_limit_policy(service))
