#!/usr/bin/env bash
# Make sure PostgreSQL and RabbitMQ answer on localhost; start any that does not,
# with this machine kind's documented commands. Idempotent; used by `make test` and `make demo`.
set -euo pipefail

wait_for() { # name, check command
  local name=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then echo "$name: up"; return 0; fi
    sleep 1
  done
  echo "$name: did not come up" >&2; return 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "PostgreSQL: starting"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
fi
wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432

amqp_up() { python3 - <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
try:
    s.connect(("127.0.0.1", 5672)); s.sendall(b"AMQP\x00\x00\x09\x01"); sys.exit(0 if s.recv(8) else 1)
except OSError:
    sys.exit(1)
PY
}
if ! amqp_up; then
  echo "RabbitMQ: starting"
  rabbitmq-server -detached || true
fi
wait_for RabbitMQ amqp_up
