#!/usr/bin/env bash
# The demo: every process on one accelerated clock, the reference city seeded, a month simulated and reported.
#   start  clock env, RabbitMQ management plugin, `kawal supervise` in the background, wait for /readyz, seed, simulate, report
#   stop   stop the supervisor this script started (it stops every process it runs)
#   reset  stop, then drop the demo's databases (the next `make demo` starts from an empty city)
# Tunables (env): KAWAL_DEMO_DAY_SECONDS [10] real seconds per simulated day; KAWAL_DEMO_LEAD_SECONDS [50]
# real seconds between start and the first simulated day (start-up and seeding happen before it);
# KAWAL_DEMO_DAYS [the days of the previous month]; KAWAL_DEMO_SEED [7].
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_DIR=.run
PID_FILE=$RUN_DIR/demo.pid
LOG_FILE=$RUN_DIR/demo.log
ENV_FILE=$RUN_DIR/demo.env
BIN=.venv/bin
export PATH="$PWD/$BIN:$PATH"  # the Procfile's commands (gunicorn, celery, python) are the venv's
SERVICES=(contracts routes billing)
WEB=(contracts routes billing portal)  # every process with a /readyz

is_running() { [[ -f $PID_FILE ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

port_of() { # service -> its API port (KAWAL_<SERVICE>_PORT or the default)
  case $1 in contracts) echo "${KAWAL_CONTRACTS_PORT:-8001}";; routes) echo "${KAWAL_ROUTES_PORT:-8002}";;
    billing) echo "${KAWAL_BILLING_PORT:-8003}";; portal) echo "${KAWAL_PORTAL_PORT:-8000}";; esac
}

clock_plan() { # day seconds, lead seconds -> the exports of the demo's clock (kawal/demo/clockplan.py)
  "$BIN/python" -m kawal.demo.clockplan "$@"
}

wait_ready() {
  local deadline=$((SECONDS + ${KAWAL_DEMO_READY_TIMEOUT:-120}))
  for service in "${WEB[@]}"; do
    until curl -fsS "http://127.0.0.1:$(port_of "$service")/readyz" >/dev/null 2>&1; do
      if ! is_running; then echo "the supervisor stopped; see $LOG_FILE" >&2; tail -30 "$LOG_FILE" >&2; exit 1; fi
      if ((SECONDS > deadline)); then echo "$service not ready; see $LOG_FILE" >&2; tail -30 "$LOG_FILE" >&2; exit 1; fi
      sleep 0.5
    done
    echo "$service: ready"
  done
}

start() {
  if is_running; then
    echo "The demo is already running (pid $(cat "$PID_FILE")); \`make down\` stops it." >&2
    exit 1
  fi
  mkdir -p "$RUN_DIR"
  local day_seconds=${KAWAL_DEMO_DAY_SECONDS:-10} lead_seconds=${KAWAL_DEMO_LEAD_SECONDS:-50}
  clock_plan "$day_seconds" "$lead_seconds" > "$ENV_FILE.tmp"
  # short beat intervals: at this speed a real second is hours of simulated time
  cat >> "$ENV_FILE.tmp" <<EOF
export KAWAL_SWEEP_INTERVAL_SECONDS=${KAWAL_SWEEP_INTERVAL_SECONDS:-1}
export KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS=${KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS:-2}
export KAWAL_EVALUATE_MONTHS_INTERVAL_SECONDS=${KAWAL_EVALUATE_MONTHS_INTERVAL_SECONDS:-3}
export KAWAL_SCHEDULE_AHEAD_INTERVAL_SECONDS=${KAWAL_SCHEDULE_AHEAD_INTERVAL_SECONDS:-30}
export KAWAL_JWT_SECRET=${KAWAL_JWT_SECRET:-$(bash scripts/jwt-secret.sh)}
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  # shellcheck disable=SC1090
  source "$ENV_FILE"
  # Each service's processes connect to the broker as its own user (written by `make db`: kawal events declare --users)
  if [[ -f $RUN_DIR/broker.env ]]; then
    # shellcheck disable=SC1091
    source "$RUN_DIR/broker.env"
  fi
  echo "clock: START=$KAWAL_CLOCK_START EPOCH=$KAWAL_CLOCK_EPOCH SPEED=x$KAWAL_CLOCK_SPEED (a day in ${day_seconds}s)"
  echo "(\`source $ENV_FILE\` to run kawal commands on the demo's clock)"

  if command -v rabbitmq-plugins >/dev/null; then
    rabbitmq-plugins enable rabbitmq_management rabbitmq_prometheus >/dev/null 2>&1 \
      || echo "note: could not enable the RabbitMQ management plugin" >&2
  fi

  # setsid: the supervisor leads its own process group, so `stop` ends exactly what this script started; it restarts
  # any process that dies (each runs in its own group and gets SIGTERM when the supervisor goes)
  setsid "$BIN/kawal" supervise -f Procfile >"$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  echo "processes: supervisor pid $(cat "$PID_FILE"), log $LOG_FILE, state $RUN_DIR/supervisor.json"
  wait_ready

  "$BIN/kawal" seed --start "$DEMO_FIRST_DAY"
  "$BIN/kawal" simulate --days "${KAWAL_DEMO_DAYS:-$DEMO_MONTH_DAYS}" --speed "$KAWAL_CLOCK_SPEED" \
    --start "$DEMO_FIRST_DAY" --seed "${KAWAL_DEMO_SEED:-7}"
  # the month's invoices are issued once the month and its sync allowance have passed on the demo's clock
  COLUMNS=${COLUMNS:-220} "$BIN/kawal" report --month "$DEMO_MONTH" --issue "${KAWAL_DEMO_ISSUE_WAIT_SECONDS:-120}"
  # keberatan: the contractors dispute a few deductions of their issued invoices and the agency decides them
  COLUMNS=${COLUMNS:-220} "$BIN/kawal" dispute --month "$DEMO_MONTH" --seed "${KAWAL_DEMO_SEED:-7}"
  # one berita acara per issued invoice, with the objections and their decisions on it
  "$BIN/kawal" invoice berita-acara --month "$DEMO_MONTH" --dir "$RUN_DIR"

  cat <<EOF

Kawal is running (the clock keeps running at x$KAWAL_CLOCK_SPEED; \`make down\` stops everything).
  contracts API docs  http://127.0.0.1:$(port_of contracts)/docs
  routes API docs     http://127.0.0.1:$(port_of routes)/docs
  billing API docs    http://127.0.0.1:$(port_of billing)/docs
  RabbitMQ management http://127.0.0.1:15672  (guest / guest)
  a token:            source $ENV_FILE; $BIN/kawal token --role auditor
  berita acara:       $RUN_DIR/berita-acara-*.pdf (check one: $BIN/kawal invoice verify FILE.pdf)
  logs:               $LOG_FILE

Portal accounts (demo passwords; \`$BIN/kawal user add\` adds real people):
EOF
  KAWAL_PORTAL_URL="http://127.0.0.1:$(port_of portal)" "$BIN/python" -m kawal.demo.accounts
}

stop() {
  if ! [[ -f $PID_FILE ]]; then echo "The demo is not running."; return 0; fi
  local pid
  pid=$(cat "$PID_FILE")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
  fi
  rm -f "$PID_FILE"
  echo "The demo is stopped."
}

reset() {
  stop
  for service in "${WEB[@]}"; do
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS kawal_$service WITH (FORCE)" postgres
  done
  # the old city's events still queued or parked would only fail against the new databases
  "$BIN/python" - <<'PY'
import pika
from shared import config, topology
connection = pika.BlockingConnection(topology.parameters(config.amqp_url(), "kawal.demo-reset"))
channel = connection.channel()
for service in config.SERVICES:
    queues = [topology.service_queue(service), topology.parked_queue(service)]
    queues += [topology.retry_queue(service, delay) for delay in config.events().retry_delays_seconds]
    for queue in queues:
        channel.queue_delete(queue)
channel.queue_delete(topology.UNROUTED)
connection.close()
PY
  rm -f "$ENV_FILE" "$RUN_DIR/celerybeat-schedule"
  echo "Demo databases and event queues dropped; \`make demo\` creates and seeds them again."
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  reset) reset ;;
  *) echo "usage: $0 start|stop|reset" >&2; exit 2 ;;
esac
