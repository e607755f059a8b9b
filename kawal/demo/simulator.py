"""Drives the contractors, the weighbridge and the public against the shared (accelerated) clock, through the APIs."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from kawal.demo import behaviour
from kawal.demo.behaviour import Action, Rates
from kawal.demo.client import Kawal
from kawal.demo.report import issuable_from
from kawal.demo.seeder import until_accepted
from shared import clock, config

PLAN_AHEAD = timedelta(hours=2)  # a day's pickups are fetched and drawn at 22:00 WIB the evening before
# after the last day: late syncs still arrive, and the month is evaluated once its sync allowance (24 h) has passed
TAIL = timedelta(hours=26)
FORCE_MAJEURE_REASON = "banjir (flood): Sungai Siak meluap"
STALE_AFTER = timedelta(hours=23)  # a confirmation this far behind its collection would be refused as stale


@dataclass
class Network:
    """What the simulation reads once: contracts (with their discipline index), routes, points, vehicles."""

    contracts: dict[str, dict]
    contract_index: dict[str, int]
    routes: dict[str, dict]
    points: dict[str, dict]
    vehicles: dict[str, dict]

    @classmethod
    def load(cls, kawal: Kawal) -> "Network":
        contracts = {c["id"]: c for c in kawal.list_all("contracts", "/contracts", status="active")}
        ordered = sorted(contracts.values(), key=lambda c: c["number"])
        return cls(
            contracts,
            {c["id"]: i for i, c in enumerate(ordered)},
            {r["id"]: r for r in kawal.list_all("routes", "/routes")},
            {p["id"]: p for p in kawal.list_all("routes", "/points")},
            {v["id"]: v for v in kawal.list_all("routes", "/vehicles")},
        )

    def routed_vehicles(self) -> list[dict]:
        """Vehicles on a route of an active contract, each once, in plate order (weighings count for them)."""
        ids = {r["vehicle_id"] for r in self.routes.values() if r["contract_id"] in self.contracts}
        return sorted((self.vehicles[i] for i in ids if i in self.vehicles), key=lambda v: v["plate"])


@dataclass
class Tally:
    """Outcomes of the run: (kind, intended label, answer) -> count, and how late sends went out."""

    outcomes: Counter = field(default_factory=Counter)
    lag_seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, action: Action, outcome: str, lag: float) -> None:
        with self.lock:
            self.outcomes[(action.kind, action.label, outcome)] += 1
            self.lag_seconds.append(lag)

    def count(self, kind: str, label: str, outcome: str) -> None:
        with self.lock:
            self.outcomes[(kind, label, outcome)] += 1

    def refusals(self) -> dict[str, int]:
        """Calls the services refused (by status) or that failed; planned misses and skips are not refusals."""
        refused = Counter()
        for (_, _, outcome), n in self.outcomes.items():
            head = outcome.split()[0]
            if head.isdigit() or head == "error":
                refused[head] += n
        return dict(refused)


def first_day(now: datetime, contract_starts: list[date]) -> date:
    """The first whole WIB day still ahead: today if its morning window has not begun, else tomorrow."""
    wib = clock.to_wib(now)
    today = wib.date() if wib.hour < 3 else wib.date() + timedelta(days=1)
    earliest = min(contract_starts) if contract_starts else today
    return max(today, earliest)


class Simulation:
    def __init__(
        self,
        kawal: Kawal,
        rates: Rates,
        days: int,
        seed: int,
        threads: int = 8,
        start: date | None = None,
        on_day=lambda day: None,
    ):
        self.kawal, self.rates, self.days, self.seed = kawal, rates, days, seed
        self.threads, self.start, self.on_day = threads, start, on_day
        self.tally = Tally()
        self._heap: list = []
        self._order = itertools.count()
        self._heap_lock = threading.Lock()
        self.network: Network | None = None

    def push(self, at: datetime, item) -> None:
        with self._heap_lock:
            heapq.heappush(self._heap, (at, next(self._order), item))

    def run(self) -> Tally:
        self.network = Network.load(self.kawal)
        starts = [date.fromisoformat(c["start_date"]) for c in self.network.contracts.values()]
        self.first = self.start or first_day(clock.now(), starts)
        self.last = self.first + timedelta(days=self.days - 1)
        for offset in range(self.days):
            day = self.first + timedelta(days=offset)
            self.push(clock.wib_instant(day, datetime.min.time()) - PLAN_AHEAD, ("plan", day))
        self.end = clock.wib_day_bounds(self.last)[1] + TAIL
        # one force-majeure day in the month: a flood in the first contract's first kecamatan, mid-month
        self.force_majeure_day = self.first + timedelta(days=self.days // 2)
        with ThreadPoolExecutor(self.threads) as pool:
            self._dispatch(pool)
        return self.tally

    def _dispatch(self, pool: ThreadPoolExecutor) -> None:
        speed = max(config.clock().speed, 1.0)
        while True:
            with self._heap_lock:
                head = self._heap[0] if self._heap else None
            if head is None or head[0] > self.end:
                # let the last day end on the shared clock, so the sweep and the daily evaluation see all of it
                remaining = (self.end - clock.now()).total_seconds() / speed
                if remaining > 0:
                    time.sleep(remaining)
                return
            wait = (head[0] - clock.now()).total_seconds() / speed
            if wait > 0:
                time.sleep(min(wait, 0.2))  # re-peek: a worker may have pushed an earlier resolution
                continue
            with self._heap_lock:
                at, _, item = heapq.heappop(self._heap)
            if isinstance(item, tuple) and item[0] == "plan":
                self._plan_day(item[1])
            else:
                pool.submit(self._send, item)
        # actions drawn for after the end (late resolutions, syncs) are not sent; the summary says how many

    def unsent(self) -> int:
        return sum(1 for _, _, item in self._heap if isinstance(item, Action))

    def _declare_force_majeure(self, day: date) -> None:
        """The agency declares the flood the evening before: the day's pickups there are excused, not planned."""
        contract = min(self.network.contracts.values(), key=lambda c: c["number"], default=None)
        if contract is None:
            return
        body = {
            "contract_id": contract["id"],
            "date": day.isoformat(),
            "reason": FORCE_MAJEURE_REASON,
            "kecamatan": contract["kecamatan"][:1],
        }
        try:
            answer = self.kawal.post("routes", "/force-majeure", body)
            self.tally.count("force_majeure", str(day), answer.outcome)
        except Exception as error:
            self.tally.count("force_majeure", str(day), f"error {type(error).__name__}")

    def _plan_day(self, day: date) -> None:
        self.on_day(day)
        if day == self.force_majeure_day:
            self._declare_force_majeure(day)
        net = self.network
        try:
            pickups = self.kawal.list_all("routes", "/pickups", date=day.isoformat(), status="scheduled")
        except Exception as error:  # one unreadable day is counted; the run goes on with the next
            self.tally.count("plan", str(day), f"error {type(error).__name__}")
            return
        for pickup in sorted(pickups, key=lambda p: (p["route_id"], p["stop_seq"])):
            route, point = net.routes.get(pickup["route_id"]), net.points.get(pickup["point_id"])
            if route is None or point is None or pickup["contract_id"] not in net.contracts:
                continue
            rates = self.rates.for_contract(net.contract_index[pickup["contract_id"]])
            rng = behaviour.rng_for(self.seed, "confirm", day, route["code"], pickup["stop_seq"])
            window = behaviour.window_of(day, route["window_start"], route["window_end"])
            action = behaviour.plan_confirmation(
                rng, rates, pickup["id"], pickup["contractor_id"], window, (point["lat"], point["lon"])
            )
            if action is None:
                self.tally.count("confirm", "missed", "not sent")
            else:
                self.push(action.at, action)
        for vehicle in net.routed_vehicles():
            for action in behaviour.plan_weighings(
                self.seed,
                self.rates,
                day,
                vehicle["plate"],
                vehicle["type"],
                float(vehicle["capacity_m3"]),
                int(vehicle["tare_kg"]),
            ):
                self.push(action.at, action)
        served = sorted(
            (p["id"], p["code"])
            for p in net.points.values()
            if any(p["kecamatan"] in c["kecamatan"] for c in net.contracts.values())
        )
        for action in behaviour.plan_complaints(self.seed, self.rates, day, served):
            self.push(action.at, action)

    def _send(self, action: Action) -> None:
        now = clock.now()
        lag = (now - action.at).total_seconds()
        if action.kind == "confirm" and now - clock.parse_instant(action.body["collected_at"]) > STALE_AFTER:
            # the services are slower than the clock: skip what would only be refused, and say so in the summary
            self.tally.add(action, "skipped (simulator behind)", lag)
            return
        try:
            answer = self.kawal.post(
                "routes",
                action.path,
                action.body,
                role=action.role,
                contractor_id=action.contractor_id,
                idempotency_key=action.idempotency_key,
            )
        except Exception as error:  # a dropped connection is an outcome to count, not a reason to stop the run
            self.tally.add(action, f"error {type(error).__name__}", lag)
            return
        self.tally.add(action, answer.outcome, lag)
        if action.kind == "complain" and answer.ok:
            self._follow_up(action, answer.body)

    def _follow_up(self, action: Action, complaint: dict) -> None:
        """The contractor the complaint was assigned to resolves it, in time or late."""
        resolution = behaviour.plan_resolution(
            self.seed,
            self.rates,
            complaint["id"],
            complaint["contractor_id"],
            clock.parse_instant(complaint["reported_at"]),
            clock.parse_instant(complaint["due_at"]),
            action.idempotency_key,
        )
        self.push(resolution.at, resolution)


def wait_until_judged(kawal: Kawal, months: list[str], wait_seconds: float) -> bool:
    """Until routes has judged the months: the shared clock past each active contract's month end and sync allowance
    (DOMAIN.md), then up to three monthly evaluations (real seconds) for the breaches to show. False when the clock
    did not get there within `wait_seconds`. Warnings sent before it rest on nothing: a bad month's SP1 went out or
    not by a race."""
    contracts = kawal.list_all("contracts", "/contracts", status="active")
    if not contracts:
        return True
    due = max(issuable_from(contract, month) for contract in contracts for month in months)
    deadline = time.monotonic() + wait_seconds
    while clock.now() < due:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)  # real seconds on an accelerated clock
    settle = time.monotonic() + 3 * config.beat_intervals_seconds()["evaluate_months"]
    while time.monotonic() < settle:
        if any(
            kawal.list_all("routes", "/compliance/breaches", contract_id=contract["id"], month=month)
            for contract in contracts
            for month in months
        ):
            break
        time.sleep(0.5)
    return True


def warn_on_breaches(kawal: Kawal, months: list[str]) -> Counter:
    """The agency's side of a bad month: an SP1 naming the breaches, for a contract with breaches and no letter yet."""
    outcomes: Counter = Counter()
    for contract in kawal.list_all("contracts", "/contracts", status="active"):
        breaches = [
            b
            for month in months
            for b in kawal.list_all("routes", "/compliance/breaches", contract_id=contract["id"], month=month)
            if not b.get("withdrawn_at")
        ]  # a letter cannot rest on a withdrawn breach
        if not breaches or contract.get("warnings"):
            continue
        measures = ", ".join(sorted({b["measure"] for b in breaches}))
        body = {
            "level": "SP1",
            "reason": f"Pelanggaran SLA / SLA breaches: {measures}",
            "breach_ids": [b["id"] for b in breaches],
        }
        # the contracts service learns the breaches from events: wait for them rather than refuse the letter
        answer = until_accepted(
            lambda c=contract, b=body: kawal.post("contracts", f"/contracts/{c['id']}/warnings", b), wait_seconds=30
        )
        outcomes[("warning SP1", answer.outcome)] += 1
    return outcomes
