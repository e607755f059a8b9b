"""The composition root every service shares (cosmicpython's bootstrap): what one API app, events process or test
builds for a service from its settings, instead of module globals set by whichever app came first.

Each service has a `bootstrap.py` calling `build` with its own parts (its gauges, its handler table); `create_app`
and `python -m shared.eventsd <service>` start from it, and a test builds it with its own Settings.

What stays per process on purpose, because it is per process by nature: the pooled engines (`shared.db`, one per
database URL, so two apps on two databases never share one), the logging set-up (the root logger), the counters and
histograms of `shared.metrics` (Prometheus' process registry or multiprocess files) and the clock (`shared.clock`:
one time for every process of a run; tests freeze it with `set_for_tests`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from prometheus_client import CollectorRegistry
from sqlalchemy.orm import Session

from shared import config, logs
from shared.events import Envelope

Handler = Callable[[Session, Envelope], None]
Periodic = tuple[float, Callable[[Session], object]]  # (interval in seconds, fn(session)), beside the consumer
RegisterGauges = Callable[[CollectorRegistry, str], None]  # a service's gauges.register(registry, database_url)


@dataclass(frozen=True)
class Settings:
    """What a service instance is built from; from the environment unless a test says otherwise."""

    service: str
    database_url: str
    amqp_url: str

    @classmethod
    def from_environment(cls, service: str, overrides: Mapping | None = None) -> Settings:
        """The environment's settings, with a Flask config's KAWAL_DATABASE_URL / KAWAL_AMQP_URL taking precedence
        (what `create_app({...})` in a test passes)."""
        overrides = overrides or {}
        return cls(
            service,
            overrides.get("KAWAL_DATABASE_URL") or config.database_url(service),
            overrides.get("KAWAL_AMQP_URL") or config.amqp_url(service),
        )


@dataclass(frozen=True)
class Service:
    """One built instance of a service: its settings, its own domain gauges, what its events process runs."""

    settings: Settings
    gauges: CollectorRegistry  # scrape-time gauges on this instance's database, exposed on its API's /metrics
    handlers: Mapping[str, Handler] = field(default_factory=dict)  # event type -> handler(session, envelope)
    periodic: Sequence[Periodic] = ()

    @property
    def name(self) -> str:
        return self.settings.service


def build(
    settings: Settings,
    *,
    gauges: RegisterGauges | None = None,
    handlers: Mapping[str, Handler] | None = None,
    periodic: Sequence[Periodic] = (),
) -> Service:
    logs.configure(settings.service)
    registry = CollectorRegistry(auto_describe=False)
    if gauges is not None:
        gauges(registry, settings.database_url)
    return Service(settings, registry, dict(handlers or {}), tuple(periodic))
