"""A month of evidence for one contract (March 2025), with its invoice computed by hand."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from tests.integration.billing.conftest import World

UTC = timezone.utc


def ids(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


class March:
    """Every kind of fact billing prices, including ones that must not count in March."""

    def __init__(self, world: World):
        self.world = world
        self.w = ids(4)
        self.p = ids(7)
        self.c = ids(2)

    def events(self) -> list:
        w, p, c, world = self.w, self.p, self.c, self.world
        d = lambda n: date(2025, 3, n)  # noqa: E731
        return [
            world.activated(),
            world.weighed(w[0], 600_000, datetime(2025, 3, 5, 3, 0, tzinfo=UTC)),
            world.weighed(w[1], 400_000, datetime(2025, 3, 6, 3, 0, tzinfo=UTC), cleared=False, flags=["overload"]),
            world.cleared(w[1], 400_000, datetime(2025, 3, 6, 3, 0, tzinfo=UTC)),
            world.weighed(w[2], 50_000, datetime(2025, 3, 7, 3, 0, tzinfo=UTC), cleared=False, flags=["tare"]),
            # 01:00 WIB on 1 April: April's tonnage, not March's
            world.weighed(w[3], 70_000, datetime(2025, 3, 31, 18, 0, tzinfo=UTC)),
            world.missed(p[0], d(10)), world.missed(p[1], d(11)),
            world.missed(p[2], d(12)), world.confirmed(p[2], d(12), supersedes_missed=True),
            world.confirmed(p[3], d(13), off_site=True),
            world.confirmed(p[4], d(14), off_site=True), world.decided("verified", p[4], d(14)),
            world.missed(p[5], d(15)), world.decided("excused", p[5], d(15)),
            world.confirmed(p[6], d(16)),
            world.complaint("opened", c[0], datetime(2025, 3, 20, 2, 0, tzinfo=UTC)),
            world.complaint("overdue", c[0], datetime(2025, 3, 20, 2, 0, tzinfo=UTC), overdue_days=1),
            world.complaint("resolved", c[0], datetime(2025, 3, 20, 2, 0, tzinfo=UTC),
                            datetime(2025, 3, 21, 2, 1, tzinfo=UTC), overdue_days=2),
            world.complaint("opened", c[1], datetime(2025, 3, 30, 2, 0, tzinfo=UTC)),
            world.complaint("resolved", c[1], datetime(2025, 3, 30, 2, 0, tzinfo=UTC),
                            datetime(2025, 4, 1, 10, 0, tzinfo=UTC), overdue_days=3),
            *[world.evaluated(d(n), shortfall=True) for n in range(1, 6)],
            world.evaluated(d(5), shortfall=False, revision=2),
            world.evaluated(d(6), shortfall=False), world.evaluated(d(6), shortfall=True, revision=2),
        ]

    def expected_lines(self) -> list[tuple]:
        p, c = self.p, self.c
        return [("tonnage", 1_000_000, 235_000, 235_000_000, tuple(sorted(self.w[:2]))),
                ("missed_pickup", 3, 500_000, 1_500_000, tuple(sorted([p[0], p[1], p[3]]))),
                # every started day overdue in the month it starts: c0 two days, c1 the 30th and 31st (its third
                # day, 1 April, is April's); counted by the month of resolution it would have been 2 days (Rp500,000)
                ("complaint_day", 4, 250_000, 1_000_000, tuple(sorted([f"{c[0]}/1", f"{c[0]}/2", f"{c[1]}/1", f"{c[1]}/2"]))),
                ("shortfall_day", 2, 1_000_000, 2_000_000, ("2025-03-04", "2025-03-06"))]

    EXPECTED = {"tonnage_kg": 1_000_000, "tonnage_rp": 235_000_000, "deductions_rp": 4_500_000, "capped_rp": 0,
                "dpp_rp": 230_500_000, "ppn_rp": 25_355_000, "total_rp": 255_855_000}
