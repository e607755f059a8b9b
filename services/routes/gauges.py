"""Domain gauges computed from the database at scrape time: pickups, on-time ratio, tonnage, complaints, flags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Sequence

from prometheus_client import CollectorRegistry
from sqlalchemy import text

from shared import clock, db, metrics

# current WIB month: outcome of each pickup (an unverified off-site confirmation is its own outcome)
_PICKUPS = text("""
SELECT c.number, pt.kecamatan,
       CASE WHEN p.status <> 'confirmed' THEN p.status
            WHEN p.off_site AND p.verified_at IS NULL THEN 'off_site'
            WHEN p.on_time THEN 'on_time' ELSE 'late' END AS outcome,
       count(*)
FROM pickups p JOIN contracts c ON c.id = p.contract_id JOIN points pt ON pt.id = p.point_id
WHERE p.date >= :first AND p.date < :following
GROUP BY 1, 2, 3
""")
_NET = text("""
SELECT c.number, coalesce(sum(w.net_kg) FILTER (WHERE w.cleared AND w.weighed_at >= :start
                                                 AND w.weighed_at < :end), 0)
FROM contracts c LEFT JOIN weighings w ON w.contract_id = c.id GROUP BY c.number
""")
_TARGET = text("""
SELECT number, daily_target_kg * greatest(0, least(:today, end_date) - greatest(:first, start_date) + 1)
FROM contracts
""")
_COMPLAINTS = text("""
SELECT c.number, k.status, count(*) FROM complaints k JOIN contracts c ON c.id = k.contract_id GROUP BY 1, 2
""")
_MIN_ON_TIME = text("SELECT number, min_on_time_ratio FROM contracts WHERE status IN ('active', 'suspended')")
_FLAGGED = text("""
SELECT coalesce(c.number, 'none'), flag, count(*)
FROM weighings w LEFT JOIN contracts c ON c.id = w.contract_id CROSS JOIN unnest(w.flags) AS flag
WHERE NOT w.cleared GROUP BY 1, 2
""")


def _month() -> dict:
    today = clock.today_wib()
    first, following = clock.month_bounds(clock.month_of(today))
    return {
        "today": today,
        "first": first,
        "following": following,
        "start": clock.wib_day_bounds(first)[0],
        "end": clock.wib_day_bounds(following - timedelta(days=1))[1],
    }


def _rows(url: str, statement, params: dict | None = None) -> Sequence[Any]:
    with db.unit_of_work(url) as session:
        return session.execute(statement, params or {}).all()


def pickups(url: str):
    return [
        ((number, kecamatan, outcome), count) for number, kecamatan, outcome, count in _rows(url, _PICKUPS, _month())
    ]


def on_time_ratio(pickup_rows) -> list:
    """On time over the month's decided pickups (confirmed or missed; excused and still-open ones left out)."""
    totals: dict[tuple, list[int]] = {}
    for (number, kecamatan, outcome), count in pickup_rows:
        if outcome in ("scheduled", "excused"):
            continue
        pair = totals.setdefault((number, kecamatan), [0, 0])
        pair[1] += count
        if outcome == "on_time":
            pair[0] += count
    return [(labels, on_time / decided) for labels, (on_time, decided) in totals.items() if decided]


def _pickups_and_ratio(url: str) -> dict:
    rows = pickups(url)  # one query for both families
    return {"kawal_routes_pickups": rows, "kawal_routes_on_time_ratio": on_time_ratio(rows)}


def register(registry: CollectorRegistry, url: str) -> None:
    """Routes' domain gauges on registry, read from url at each scrape (called by the bootstrap)."""
    registry.register(
        metrics.GaugeGroup(
            [
                (
                    "kawal_routes_pickups",
                    "Pickups of the current WIB month by outcome.",
                    ["contract", "kecamatan", "outcome"],
                ),
                (
                    "kawal_routes_on_time_ratio",
                    "On-time ratio of the current WIB month's decided pickups.",
                    ["contract", "kecamatan"],
                ),
            ],
            lambda: _pickups_and_ratio(url),
        )
    )
    for name, doc, labels, read in (
        (
            "kawal_routes_min_on_time_ratio",
            "The contract's minimum monthly on-time ratio (SLA term).",
            ["contract"],
            lambda: [((n,), v) for n, v in _rows(url, _MIN_ON_TIME)],
        ),
        (
            "kawal_routes_net_tonnage_kg",
            "Net kg of cleared weighings, current WIB month to date.",
            ["contract"],
            lambda: [((n,), v) for n, v in _rows(url, _NET, _month())],
        ),
        (
            "kawal_routes_target_tonnage_kg",
            "Daily target x contract days of the current WIB month to date.",
            ["contract"],
            lambda: [((n,), v) for n, v in _rows(url, _TARGET, _month())],
        ),
        (
            "kawal_routes_complaints",
            "Complaints by status.",
            ["contract", "status"],
            lambda: [((n, s), v) for n, s, v in _rows(url, _COMPLAINTS)],
        ),
        (
            "kawal_routes_weighings_flagged",
            "Flagged weighings not yet cleared, by flag.",
            ["contract", "flag"],
            lambda: [((n, f), v) for n, f, v in _rows(url, _FLAGGED)],
        ),
    ):
        registry.register(metrics.GaugeCollector(name, doc, labels, read))
