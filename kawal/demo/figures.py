"""The report's figures as plain functions over what the APIs answered: pickups by outcome, tonnage, formatting."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta


@dataclass
class PickupStats:
    """Pickups of one contract (and kecamatan) in a month, by outcome as DOMAIN.md counts them."""

    scheduled: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    off_site_unverified: int = 0
    excused: int = 0
    pending: int = 0  # still scheduled: their window has not passed yet

    @property
    def on_time_ratio(self) -> float | None:
        """on time / (scheduled - excused), over pickups already due; None when nothing was due."""
        due = self.scheduled - self.excused - self.pending
        return self.on_time / due if due > 0 else None

    @property
    def misses_billed(self) -> int:
        """What billing deducts for: missed, plus off-site confirmations the agency has not verified."""
        return self.missed + self.off_site_unverified

    def add(self, pickup: dict) -> None:
        self.scheduled += 1
        status = pickup.get("status")
        if status == "confirmed":
            if pickup.get("on_time"):
                self.on_time += 1
            else:
                self.late += 1
            if pickup.get("off_site") and not pickup.get("verified_at"):
                self.off_site_unverified += 1
        elif status == "missed":
            self.missed += 1
        elif status == "excused":
            self.excused += 1
        else:
            self.pending += 1


def pickups_by_kecamatan(pickups: list[dict], kecamatan_of_point: dict[str, str]) -> dict[str, PickupStats]:
    stats: dict[str, PickupStats] = {}
    for pickup in pickups:
        kecamatan = kecamatan_of_point.get(pickup["point_id"], "?")
        stats.setdefault(kecamatan, PickupStats()).add(pickup)
    return dict(sorted(stats.items()))


def total(stats: dict[str, PickupStats]) -> PickupStats:
    whole = PickupStats()
    for part in stats.values():
        for name in (f.name for f in fields(PickupStats)):
            setattr(whole, name, getattr(whole, name) + getattr(part, name))
    return whole


@dataclass
class Tonnage:
    cleared_kg: int = 0
    flagged_kg: int = 0
    weighings: int = 0
    held: int = 0  # flagged and not cleared: left out of billing
    flagged: dict[str, int] = field(default_factory=dict)  # flag -> weighings

    @classmethod
    def of(cls, weighings: list[dict]) -> "Tonnage":
        result = cls()
        for weighing in weighings:
            result.weighings += 1
            if weighing.get("cleared"):
                result.cleared_kg += int(weighing["net_kg"])
            else:
                result.held += 1
                result.flagged_kg += int(weighing["net_kg"])
            for flag in weighing.get("flags") or []:
                result.flagged[flag] = result.flagged.get(flag, 0) + 1
        return result


def target_kg(daily_target_kg: int, month_first: date, month_next: date, start: date, end: date, through: date) -> int:
    """The month's target for the days inside the contract period and not after `through`."""
    first = max(month_first, start)
    last = min(month_next - timedelta(days=1), end, through)
    return daily_target_kg * max(0, (last - first).days + 1)


def rupiah(amount: int | None) -> str:
    """Rp1.234.567 (Indonesian thousands separator)."""
    if amount is None:
        return "-"
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(int(amount)):,}".replace(",", ".")


def tons(kg: int) -> str:
    """Kilograms shown as tons with one decimal, Indonesian style: 1.234,5 t."""
    whole, tenth = divmod(round(kg / 100), 10)
    return f"{whole:,}".replace(",", ".") + f",{tenth} t"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"
