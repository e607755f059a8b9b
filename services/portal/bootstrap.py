"""The portal's composition root: its settings (shared.bootstrap); pages only, so no gauges and no events."""

from __future__ import annotations

from shared.bootstrap import Service, Settings, build


def bootstrap(settings: Settings | None = None) -> Service:
    return build(settings or Settings.from_environment("portal"))
