"""The billing service's composition root: its settings, its domain gauges, its handler table (shared.bootstrap)."""

from __future__ import annotations

from services.billing import gauges, handlers
from shared.bootstrap import Service, Settings, build


def bootstrap(settings: Settings | None = None) -> Service:
    return build(
        settings or Settings.from_environment("billing"),
        gauges=gauges.register,
        handlers=handlers.HANDLERS,
        periodic=handlers.PERIODIC,
    )
