"""A contract over time as billing sees it: the terms in force on each WIB date and the days in force.

The rules themselves live once in shared.contract_terms (routes applies the same ones); this module only turns
billing's stored copy of the activation, the amendments and the lifecycle changes into them, and the shared terms
into the figures billing prices with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from services.billing.terms import BOND_RATIO, Terms
from shared import contract_terms as shared

DATE_FIELDS = ("start_date", "end_date", "activated_on", "effective_from")


def stored(data: Any) -> Any:
    """An event's loaded data as JSON (dates ISO, decimals as their exact string), to keep in a JSONB column."""
    if isinstance(data, dict):
        return {str(key): stored(value) for key, value in data.items() if value is not None}
    if isinstance(data, (list, tuple)):
        return [stored(value) for value in data]
    if isinstance(data, (date, datetime)):
        return data.isoformat()
    if isinstance(data, (Decimal, UUID)):
        return str(data)
    return data


def loaded(data: dict) -> dict:
    """stored() undone for what the shared rules read: dates back to dates (ratios stay strings: exact() reads them)."""
    return {
        key: date.fromisoformat(value) if key in DATE_FIELDS and isinstance(value, str) else value
        for key, value in data.items()
    }


def pricing(terms: shared.Terms) -> Terms:
    """The figures billing prices with, from the terms in force on a day."""
    bond = terms.performance_bond_rp
    if bond is None:  # an activation from before the bond was recorded: Perpres 16/2018's 5%
        bond = int((Decimal(terms.value_rp) * BOND_RATIO).to_integral_value(rounding=ROUND_HALF_UP))
    return Terms(
        value_rp=int(terms.value_rp),
        unit_price_rp_per_ton=int(terms.unit_price_rp_per_ton),
        ppn_rate=shared.exact(terms.ppn_rate),
        missed_pickup_rp=int(terms.penalties["missed_pickup_rp"]),
        complaint_day_rp=int(terms.penalties["complaint_day_rp"]),
        shortfall_day_rp=int(terms.penalties["shortfall_day_rp"]),
        cap_rp=int(terms.penalties["cap_rp"]),
        shortfall_days_allowed=int(terms.sla["shortfall_days_allowed"]),
        sync_allowance_hours=int(terms.sla.get("sync_allowance_hours", 24)),
        performance_bond_rp=int(bond),
    )


@dataclass(frozen=True)
class Timeline:
    """Activation terms, amendments and lifecycle changes: everything a day's price and being in force depend on."""

    base: shared.Terms
    amendments: tuple[shared.Amendment, ...] = ()
    activated_on: date | None = None
    changes: tuple[shared.StatusChange, ...] = ()
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls,
        base: dict,
        amendments: list[tuple[int, date, dict]],
        activated_on: date | None,
        changes: list[tuple[datetime, str]],
    ) -> "Timeline":
        """From billing's stored rows: the activation's data, (number, effective_from, data) and (at, status)."""
        return cls(
            base=shared.Terms.from_event(loaded(base)),
            amendments=tuple(
                shared.Amendment.from_event(
                    {**loaded(data), "amendment_no": number}, default_effective_from=effective_from
                )
                for number, effective_from, data in amendments
            ),
            activated_on=activated_on,
            changes=tuple(shared.StatusChange(status, at) for at, status in changes),
        )

    def latest(self) -> shared.Terms:
        """Every amendment applied by number, whatever its date: the contract as it now reads."""
        if "latest" not in self._cache:
            self._cache["latest"] = shared.latest_terms(self.base, self.amendments)
        return self._cache["latest"]

    def on(self, day: date) -> Terms:
        """The terms in force on WIB `day`, as billing prices with them (asked for every day a draft prices)."""
        terms = self._cache.get(day)
        if terms is None:
            effective = tuple(sorted(a.amendment_no for a in self.amendments if a.effective_from <= day))
            if effective not in self._cache:
                self._cache[effective] = pricing(shared.terms_on(self.base, self.amendments, day))
            terms = self._cache[day] = self._cache[effective]
        return terms

    @property
    def life(self) -> shared.Life:
        if "life" not in self._cache:
            latest = self.latest()
            self._cache["life"] = shared.Life(latest.start_date, latest.end_date, self.activated_on, self.changes)
        return self._cache["life"]

    def in_force(self, day: date) -> bool:
        return self.life.in_force(day)

    def first_day(self) -> date:
        return self.latest().start_date

    def last_day(self) -> date:
        """The contract's last day: the end of its period as now agreed, or its termination day if earlier."""
        ended = self.life.terminated_on()
        end = self.latest().end_date
        return min(end, ended) if ended is not None else end

    def days(self, first: date, following: date) -> list[tuple[date, Terms]]:
        """Each day in force in [first, following) with its terms."""
        return [(day, self.on(day)) for day in self.life.days_in_force(first, following - timedelta(days=1))]


def month_last_day(month: str) -> date:
    first = datetime.strptime(month, "%Y-%m").date()
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)
