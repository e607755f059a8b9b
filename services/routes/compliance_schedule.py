"""Scheduling ahead: the coming WIB days' pickups of every active route, created once whatever the run count."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from shared import clock
from services.routes.scheduling import schedule_pickups

SCHEDULE_AHEAD_DAYS = 7


def schedule_ahead(session: Session, now: datetime, days: int = SCHEDULE_AHEAD_DAYS) -> int:
    """Pickups for today and the next `days` WIB days; existing ones are kept, so a repeated or late run adds only
    what is missing. Past days are not back-filled: a pickup scheduled after its window would be born missed."""
    today = clock.wib_date(now)
    return schedule_pickups(session, None, today, today + timedelta(days=days))
