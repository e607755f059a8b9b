"""Every setting of every process, read from the environment in this one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import overload

SERVICES = ("contracts", "routes", "billing")  # the event-driven services (queues, outbox relays)
PORTAL = "portal"  # pages; its own database of accounts and sessions, no events
DATABASES = (*SERVICES, PORTAL)  # every database `kawal db upgrade` creates and migrates
DEFAULT_PORTS = {"contracts": 8001, "routes": 8002, "billing": 8003, "portal": 8000}


@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: None = None) -> str | None: ...
def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def database_url(service: str) -> str:
    """What the service's processes connect as: by default kawal_<service>_app, a role that owns nothing and may
    only append to the audit log (granted by `kawal db upgrade`), never a superuser."""
    return _env(
        f"KAWAL_{service.upper()}_DATABASE_URL",
        f"postgresql+psycopg://kawal_{service}_app@127.0.0.1:5432/kawal_{service}",
    )


def migration_database_url(service: str) -> str:
    """What `kawal db upgrade` connects as: the database's owner (creates tables, the application role, grants).
    KAWAL_<SERVICE>_MIGRATE_DATABASE_URL; else an explicit KAWAL_<SERVICE>_DATABASE_URL (a test's database);
    else the local superuser."""
    return (
        _env(f"KAWAL_{service.upper()}_MIGRATE_DATABASE_URL")
        or _env(f"KAWAL_{service.upper()}_DATABASE_URL")
        or f"postgresql+psycopg://postgres@127.0.0.1:5432/kawal_{service}"
    )


def amqp_url(service: str | None = None) -> str:
    """The broker URL a service's processes connect with: its own user (`KAWAL_<SERVICE>_AMQP_URL`), or the
    shared `KAWAL_AMQP_URL` when none is set (a development broker with one user)."""
    shared = _env("KAWAL_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    return _env(f"KAWAL_{service.upper()}_AMQP_URL", shared) if service else shared


def amqp_admin_url() -> str:
    """An administrator's broker URL, for `kawal events declare` only (users, policies); never for a process."""
    return _env("KAWAL_AMQP_ADMIN_URL", amqp_url())


def broker_user(producer: str) -> str:
    """The broker user whose messages may claim `producer`: `KAWAL_<PRODUCER>_BROKER_USER`, else the user of that
    service's AMQP URL. A consumer needs only the names, never the other services' passwords."""
    from urllib.parse import unquote, urlsplit

    named = _env(f"KAWAL_{producer.upper()}_BROKER_USER")
    return named or unquote(urlsplit(amqp_url(producer)).username or "guest")


def port(service: str) -> int:
    return _int(f"KAWAL_{service.upper()}_PORT", DEFAULT_PORTS[service])


# Every process serves /metrics on a port of its own, never on an API port a contractor reaches: metrics carry
# every contractor's figures (ARCHITECTURE.md, Security).
DEFAULT_METRICS_PORTS = {
    "contracts_events": 9101,
    "routes_events": 9102,
    "billing_events": 9103,
    "routes_worker": 9104,
    "portal": 9110,
    "contracts_api": 9111,
    "routes_api": 9112,
    "billing_api": 9113,
}


def metrics_port(process: str) -> int:
    """Port of a process's /metrics (`<service>_api`, `<service>_events`, `routes_worker`)."""
    # A process without a registered default (a test service) gets 0: any free port.
    return _int(f"KAWAL_{process.upper()}_METRICS_PORT", DEFAULT_METRICS_PORTS.get(process, 0))


def metrics_host() -> str:
    """Where the events processes and the worker bind /metrics: localhost unless a deployment says otherwise
    (containers set 0.0.0.0 and a NetworkPolicy lets only Prometheus in)."""
    return _env("KAWAL_METRICS_HOST", "127.0.0.1")


def metrics_token() -> str | None:
    """When set, /metrics answers only `Authorization: Bearer <token>` (a scrape token, beside the network)."""
    return _env("KAWAL_METRICS_TOKEN")


def service_url(service: str) -> str:
    """Base URL of a service's HTTP API, for the CLI, tests and the portal (which calls the APIs as its user)."""
    return _env(f"KAWAL_{service.upper()}_URL", f"http://127.0.0.1:{port(service)}")


@dataclass(frozen=True)
class ClockSettings:
    start: str | None = None  # ISO instant
    epoch: float | None = None  # unix seconds
    speed: float = 1.0
    epoch_file: str | None = None  # holds the epoch once written; until then the clock stands at START (the demo)


def clock() -> ClockSettings:
    """Read on every clock.now(): the settings are built once for each set of values the environment holds."""
    return _clock_settings(
        _env("KAWAL_CLOCK_START"), _env("KAWAL_CLOCK_EPOCH"), _env("KAWAL_CLOCK_SPEED"), _env("KAWAL_CLOCK_EPOCH_FILE")
    )


@lru_cache(maxsize=16)
def _clock_settings(start: str | None, epoch: str | None, speed: str | None, epoch_file: str | None) -> ClockSettings:
    return ClockSettings(
        start=start,
        epoch=float(epoch) if epoch else None,
        speed=float(speed) if speed is not None else 1.0,
        epoch_file=epoch_file,
    )


@dataclass(frozen=True)
class DemoSettings:
    """`kawal demo` (`make demo`): its own databases (kawal_<service>_<name>), vhost (kawal_<name>) and broker users."""

    name: str = "demo"
    home: str | None = None  # where its processes run and keep .run/ (default: the checkout)
    day_seconds: float = 10.0  # real seconds per simulated day
    days: int | None = None  # simulated days; None: the whole month
    seed: int = 7
    ready_timeout_seconds: float = 120.0
    issue_wait_seconds: float = 120.0  # how long the report waits for the month's invoices to become issuable


def demo() -> DemoSettings:
    days = _env("KAWAL_DEMO_DAYS")
    return DemoSettings(
        name=_env("KAWAL_DEMO_NAME", DemoSettings.name),
        home=_env("KAWAL_DEMO_HOME"),
        day_seconds=_float("KAWAL_DEMO_DAY_SECONDS", DemoSettings.day_seconds),
        days=int(days) if days else None,
        seed=_int("KAWAL_DEMO_SEED", DemoSettings.seed),
        ready_timeout_seconds=_float("KAWAL_DEMO_READY_TIMEOUT", DemoSettings.ready_timeout_seconds),
        issue_wait_seconds=_float("KAWAL_DEMO_ISSUE_WAIT_SECONDS", DemoSettings.issue_wait_seconds),
    )


MIN_SECRET_BYTES = 32


class ConfigError(RuntimeError):
    """A setting a process cannot run without is missing or unsafe; the message names the variable."""


@dataclass(frozen=True)
class AuthSettings:
    secret: str | None = None  # no built-in secret: a process without one refuses to start
    algorithm: str = "HS256"
    public_key: str | None = None  # PEM, for RS256
    jwks_url: str | None = None  # for RS256 with a city's identity provider
    audience: str | None = None
    issuer: str | None = None
    max_lifetime_seconds: int = 24 * 3600  # a token whose exp is further ahead than this is refused


def auth() -> AuthSettings:
    """The token settings; raises ConfigError when HS256 has no secret of at least MIN_SECRET_BYTES."""
    public_key = _env("KAWAL_JWT_PUBLIC_KEY")
    key_file = _env("KAWAL_JWT_PUBLIC_KEY_FILE")
    if key_file and not public_key:
        with open(key_file, encoding="utf-8") as handle:
            public_key = handle.read()
    jwks = _env("KAWAL_JWT_JWKS_URL")
    default_alg = "RS256" if (public_key or jwks) else "HS256"
    algorithm = _env("KAWAL_JWT_ALGORITHM", default_alg)
    secret = _env("KAWAL_JWT_SECRET")
    if algorithm.startswith("HS") and len((secret or "").encode()) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"KAWAL_JWT_SECRET must be set to a random secret of at least {MIN_SECRET_BYTES} bytes "
            "(or KAWAL_JWT_PUBLIC_KEY / KAWAL_JWT_JWKS_URL for RS256); "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if not algorithm.startswith("HS") and not (public_key or jwks):
        raise ConfigError(
            f"KAWAL_JWT_ALGORITHM={algorithm} needs KAWAL_JWT_PUBLIC_KEY, KAWAL_JWT_PUBLIC_KEY_FILE "
            "or KAWAL_JWT_JWKS_URL"
        )
    return AuthSettings(
        secret=secret,
        algorithm=algorithm,
        public_key=public_key,
        jwks_url=jwks,
        audience=_env("KAWAL_JWT_AUDIENCE"),
        issuer=_env("KAWAL_JWT_ISSUER"),
        max_lifetime_seconds=_int("KAWAL_JWT_MAX_LIFETIME_SECONDS", AuthSettings.max_lifetime_seconds),
    )


@dataclass(frozen=True)
class EventSettings:
    exchange: str = "kawal.events"
    prefetch: int = 1000
    batch_size: int = 500
    batch_wait_seconds: float = 0.05
    retry_delays_seconds: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0, 600.0)
    relay_batch_size: int = 500
    relay_inflight_batches: int = 4  # batches published and awaiting their confirms at once
    relay_idle_seconds: float = 0.2
    reconnect_seconds: float = 2.0


def events() -> EventSettings:
    delays = _env("KAWAL_RETRY_DELAYS_SECONDS")
    return EventSettings(
        exchange=_env("KAWAL_EVENTS_EXCHANGE", EventSettings.exchange),
        prefetch=_int("KAWAL_CONSUMER_PREFETCH", EventSettings.prefetch),
        batch_size=_int("KAWAL_CONSUMER_BATCH_SIZE", EventSettings.batch_size),
        batch_wait_seconds=_float("KAWAL_CONSUMER_BATCH_WAIT_SECONDS", EventSettings.batch_wait_seconds),
        retry_delays_seconds=tuple(float(d) for d in delays.split(","))
        if delays
        else EventSettings.retry_delays_seconds,
        relay_batch_size=_int("KAWAL_RELAY_BATCH_SIZE", EventSettings.relay_batch_size),
        relay_inflight_batches=_int("KAWAL_RELAY_INFLIGHT_BATCHES", EventSettings.relay_inflight_batches),
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
    # The Celery worker and beat are routes' processes: routes' broker user (its permissions cover Celery's queues).
    return _env("KAWAL_CELERY_BROKER_URL", amqp_url("routes"))


def worker_max_memory_per_child_kib() -> int:
    """A Celery prefork child whose resident memory passed this after a task is replaced (Celery's own
    worker_max_memory_per_child, in KiB): a bound on slow growth over months, not a limit any task reaches (a child
    runs at about 80 MiB; the hour-long `make soak` saw the whole worker grow ~10 MiB)."""
    return _int("KAWAL_WORKER_MAX_MEMORY_MIB", 256) * 1024


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


def audit_head_seconds() -> float:
    """How often each events process publishes its service's audit chain head (when it changed)."""
    return _float("KAWAL_AUDIT_HEAD_SECONDS", 300.0)


def log_level() -> str:
    return _env("KAWAL_LOG_LEVEL", "INFO")


def log_format() -> str:
    """`json` (one object a line) or `text`."""
    return _env("KAWAL_LOG_FORMAT", "json")


def prometheus_multiproc_dir() -> str | None:
    return _env("PROMETHEUS_MULTIPROC_DIR")


@dataclass(frozen=True)
class PortalSettings:
    secret_key: str  # signs CSRF tokens; sessions themselves are random ids kept server-side
    secure_cookies: bool  # the Secure flag: on behind HTTPS (production), off on http://127.0.0.1
    session_hours: float
    token_seconds: int  # life of the JWT the portal mints for each API call
    max_failures: int  # failed sign-ins before an account is locked
    lockout_minutes: float


def portal() -> PortalSettings:
    import hashlib

    jwt_secret = auth().secret
    # by default derived from the JWT secret, so one secret configures a small city's install
    derived = hashlib.sha256(f"kawal-portal:{jwt_secret}".encode()).hexdigest()
    return PortalSettings(
        secret_key=_env("KAWAL_PORTAL_SECRET_KEY", derived),
        secure_cookies=_env("KAWAL_PORTAL_SECURE_COOKIES", "false").lower() in ("1", "true", "yes"),
        session_hours=_float("KAWAL_PORTAL_SESSION_HOURS", 24.0),
        token_seconds=_int("KAWAL_PORTAL_TOKEN_SECONDS", 300),
        max_failures=_int("KAWAL_PORTAL_MAX_FAILURES", 5),
        lockout_minutes=_float("KAWAL_PORTAL_LOCKOUT_MINUTES", 15.0),
    )


@dataclass(frozen=True)
class PhotoSettings:
    directory: str
    max_bytes: int
    display_px: int  # longest side of the display copy
    s3_bucket: str | None = None  # set: photos go to S3-compatible storage instead of the directory
    s3_endpoint: str | None = None  # MinIO's address; None for AWS itself
    s3_region: str | None = None


def photos() -> PhotoSettings:
    return PhotoSettings(
        directory=_env("KAWAL_PHOTO_DIR", os.path.join(".run", "photos")),
        max_bytes=_int("KAWAL_PHOTO_MAX_BYTES", 8 * 1024 * 1024),
        display_px=_int("KAWAL_PHOTO_DISPLAY_PX", 1280),
        s3_bucket=_env("KAWAL_PHOTO_S3_BUCKET"),
        s3_endpoint=_env("KAWAL_PHOTO_S3_ENDPOINT"),
        s3_region=_env("KAWAL_PHOTO_S3_REGION"),
    )


@dataclass(frozen=True)
class BackOfficeSettings:
    grafana_url: str  # the auditors' link to the provisioned dashboards
    map_tiles: str  # Leaflet tile URL template; the map's markers render without tiles
    oidc_issuer: str | None  # a city's OpenID Connect provider; unset: built-in accounts only
    oidc_client_id: str | None
    oidc_client_secret: str | None
    oidc_role_claim: str  # the claim naming the Kawal role (dinas, auditor, contractor)
    oidc_contractor_claim: str  # the claim naming a contractor account's contractor id


def backoffice() -> BackOfficeSettings:
    return BackOfficeSettings(
        grafana_url=_env("KAWAL_GRAFANA_URL", "http://127.0.0.1:3000/d/kawal-compliance"),
        map_tiles=_env("KAWAL_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        oidc_issuer=_env("KAWAL_OIDC_ISSUER"),
        oidc_client_id=_env("KAWAL_OIDC_CLIENT_ID"),
        oidc_client_secret=_env("KAWAL_OIDC_CLIENT_SECRET"),
        oidc_role_claim=_env("KAWAL_OIDC_ROLE_CLAIM", "kawal_role"),
        oidc_contractor_claim=_env("KAWAL_OIDC_CONTRACTOR_CLAIM", "kawal_contractor_id"),
    )
