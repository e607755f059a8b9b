"""Scheduling ahead: the coming WIB days' pickups of every active route, created once whatever the run count."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from shared import clock, config
from services.routes.scheduling import schedule_pickups


def schedule_ahead(session: Session, now: datetime, days: int | None = None) -> int:
    """Pickups for today and the next `days` WIB days (KAWAL_SCHEDULE_AHEAD_DAYS, default 7); existing ones are
    kept, so a repeated or late run adds only what is missing. Past days are not back-filled, and today's windows
    whose grace has ended are left out: a pickup scheduled after its window would be born missed."""
    today = clock.wib_date(now)
    days = config.schedule_ahead_days() if days is None else days
    return schedule_pickups(session, None, today, today + timedelta(days=days), now=now)
