"""Every setting of every process, read from the environment in this one place."""
from __future__ import annotations

import os
from dataclasses import dataclass

SERVICES = ("contracts", "routes", "billing")
DEFAULT_PORTS = {"contracts": 8001, "routes": 8002, "billing": 8003}


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def database_url(service: str) -> str:
    return _env(f"KAWAL_{service.upper()}_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:5432/kawal_{service}")


def amqp_url() -> str:
    return _env("KAWAL_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def port(service: str) -> int:
    return _int(f"KAWAL_{service.upper()}_PORT", DEFAULT_PORTS[service])


DEFAULT_METRICS_PORTS = {"contracts_events": 9101, "routes_events": 9102, "billing_events": 9103,
                         "routes_worker": 9104}


def metrics_port(process: str) -> int:
    """Port of /metrics for a process that serves no HTTP API (events, worker)."""
    # A process without a registered default (a test service) gets 0: any free port.
    return _int(f"KAWAL_{process.upper()}_METRICS_PORT", DEFAULT_METRICS_PORTS.get(process, 0))


def service_url(service: str) -> str:
    """Base URL of a service's HTTP API, for the CLI and tests (never for service-to-service calls)."""
    return _env(f"KAWAL_{service.upper()}_URL", f"http://127.0.0.1:{port(service)}")


@dataclass(frozen=True)
class ClockSettings:
    start: str | None = None  # ISO instant
    epoch: float | None = None  # unix seconds
    speed: float = 1.0


def clock() -> ClockSettings:
    epoch = _env("KAWAL_CLOCK_EPOCH")
    return ClockSettings(
        start=_env("KAWAL_CLOCK_START"),
        epoch=float(epoch) if epoch else None,
        speed=_float("KAWAL_CLOCK_SPEED", 1.0),
    )


@dataclass(frozen=True)
class AuthSettings:
    secret: str = "kawal-development-secret-change-me-in-production"
    algorithm: str = "HS256"
    public_key: str | None = None  # PEM, for RS256
    jwks_url: str | None = None  # for RS256 with a city's identity provider
    audience: str | None = None
    issuer: str | None = None


def auth() -> AuthSettings:
    public_key = _env("KAWAL_JWT_PUBLIC_KEY")
    key_file = _env("KAWAL_JWT_PUBLIC_KEY_FILE")
    if key_file and not public_key:
        with open(key_file, encoding="utf-8") as handle:
            public_key = handle.read()
    jwks = _env("KAWAL_JWT_JWKS_URL")
    default_alg = "RS256" if (public_key or jwks) else "HS256"
    return AuthSettings(
        secret=_env("KAWAL_JWT_SECRET", AuthSettings.secret),
        algorithm=_env("KAWAL_JWT_ALGORITHM", default_alg),
        public_key=public_key,
        jwks_url=jwks,
        audience=_env("KAWAL_JWT_AUDIENCE"),
        issuer=_env("KAWAL_JWT_ISSUER"),
    )


@dataclass(frozen=True)
class EventSettings:
    exchange: str = "kawal.events"
    prefetch: int = 1000
    batch_size: int = 500
    batch_wait_seconds: float = 0.05
    retry_delays_seconds: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0, 600.0)
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.2
    reconnect_seconds: float = 2.0


def events() -> EventSettings:
    delays = _env("KAWAL_RETRY_DELAYS_SECONDS")
    return EventSettings(
        exchange=_env("KAWAL_EVENTS_EXCHANGE", EventSettings.exchange),
        prefetch=_int("KAWAL_CONSUMER_PREFETCH", EventSettings.prefetch),
        batch_size=_int("KAWAL_CONSUMER_BATCH_SIZE", EventSettings.batch_size),
        batch_wait_seconds=_float("KAWAL_CONSUMER_BATCH_WAIT_SECONDS", EventSettings.batch_wait_seconds),
        retry_delays_seconds=tuple(float(d) for d in delays.split(",")) if delays else EventSettings.retry_delays_seconds,
        relay_batch_size=_int("KAWAL_RELAY_BATCH_SIZE", EventSettings.relay_batch_size),
        relay_idle_seconds=_float("KAWAL_RELAY_IDLE_SECONDS", EventSettings.relay_idle_seconds),
        reconnect_seconds=_float("KAWAL_RECONNECT_SECONDS", EventSettings.reconnect_seconds),
    )


@dataclass(frozen=True)
class RetentionSettings:
    days: float = 30.0  # sent outbox rows and inbox ids older than this go (longer than any redelivery)
    interval_seconds: float = 3600.0
    batch_size: int = 5000


def retention() -> RetentionSettings:
    return RetentionSettings(
        days=_float("KAWAL_RETENTION_DAYS", RetentionSettings.days),
        interval_seconds=_float("KAWAL_RETENTION_INTERVAL_SECONDS", RetentionSettings.interval_seconds),
        batch_size=_int("KAWAL_RETENTION_BATCH_SIZE", RetentionSettings.batch_size),
    )


def celery_broker_url() -> str:
    return _env("KAWAL_CELERY_BROKER_URL", amqp_url())


def beat_intervals_seconds() -> dict[str, float]:
    """Periodic task intervals; the demo's accelerated clock shortens them."""
    return {
        "sweep": _float("KAWAL_SWEEP_INTERVAL_SECONDS", 60.0),
        "schedule_ahead": _float("KAWAL_SCHEDULE_AHEAD_INTERVAL_SECONDS", 3600.0),
        "evaluate_days": _float("KAWAL_EVALUATE_DAYS_INTERVAL_SECONDS", 300.0),
        "evaluate_months": _float("KAWAL_EVALUATE_MONTHS_INTERVAL_SECONDS", 900.0),
    }


def schedule_ahead_days() -> int:
    """How many WIB days after today the routes worker keeps scheduled."""
    return _int("KAWAL_SCHEDULE_AHEAD_DAYS", 7)


def reevaluation_days() -> int:
    """How many recent ended WIB days the daily evaluation recomputes to catch later evidence."""
    return _int("KAWAL_REEVALUATION_DAYS", 62)


def log_level() -> str:
    return _env("KAWAL_LOG_LEVEL", "INFO")


def log_format() -> str:
    """`json` (one object a line) or `text`."""
    return _env("KAWAL_LOG_FORMAT", "json")


def prometheus_multiproc_dir() -> str | None:
    return _env("PROMETHEUS_MULTIPROC_DIR")
