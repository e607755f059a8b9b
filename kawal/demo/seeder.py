"""Seeds the reference city through the real HTTP APIs; looks everything up first, so a second run changes nothing."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Callable

from kawal.demo.city import City
from kawal.demo.client import ApiFailure, Kawal
from shared import clock

REPLICATION_WAIT_SECONDS = 60.0  # routes learns contractors and contracts from events, not at once


@dataclass
class SeedResult:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)
    pickups_scheduled: int = 0
    ids: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> natural key -> id

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.existing
        bucket[kind] = bucket.get(kind, 0) + 1


def digits(npwp: str) -> str:
    """NPWP as the contracts service stores it: its digits only."""
    return re.sub(r"\D", "", npwp)


def normalise_plate(plate: str) -> str:
    return " ".join(plate.upper().split())


def until_accepted(post: Callable[[], "object"], wait_seconds: float = REPLICATION_WAIT_SECONDS):
    """Retry a write refused because its contractor or contract has not reached this service yet."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.1
    while True:
        answer = post()
        if answer.ok or answer.status in (401, 403) or time.monotonic() > deadline:
            return answer
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)


class Seeder:
    def __init__(
        self,
        kawal: Kawal,
        city: City,
        schedule_to: date | None = None,
        threads: int = 4,
        advance: Callable[[int], None] = lambda n: None,
    ):
        self.kawal, self.city, self.threads, self.advance = kawal, city, threads, advance
        self.schedule_to = schedule_to
        self.result = SeedResult()

    @property
    def steps(self) -> int:
        c = self.city
        return len(c.contractors) + 2 * len(c.contracts) + len(c.points) + len(c.vehicles) + 2 * len(c.routes)

    def run(self) -> SeedResult:
        self.contractors()
        self.contracts()
        self.points()
        self.vehicles()
        self.routes()
        self.schedule()
        return self.result

    def _remember(self, kind: str, key: str, item_id: str, created: bool) -> None:
        self.result.ids.setdefault(kind, {})[key] = item_id
        self.result.count(kind, created)
        self.advance(1)

    def contractors(self) -> None:
        known = {digits(c["npwp"]): c["id"] for c in self.kawal.list_all("contracts", "/contractors")}
        for firm in self.city.contractors:
            if digits(firm.npwp) in known:
                self._remember("contractor", firm.npwp, known[digits(firm.npwp)], False)
                continue
            body = self.kawal.must_post("contracts", "/contractors", asdict(firm))
            self._remember("contractor", firm.npwp, body["id"], True)

    def contracts(self) -> None:
        known = {c["number"]: c for c in self.kawal.list_all("contracts", "/contracts")}
        firms = self.result.ids["contractor"]
        for contract in self.city.contracts:
            existing = known.get(contract.number)
            if existing is None:
                body = {
                    **asdict(contract),
                    "contractor_id": firms[contract.contractor_npwp],
                    "kecamatan": list(contract.kecamatan),
                    "start_date": contract.start_date.isoformat(),
                    "end_date": contract.end_date.isoformat(),
                }
                body.pop("contractor_npwp")
                existing = self.kawal.must_post("contracts", "/contracts", body)
            self._remember("contract", contract.number, existing["id"], contract.number not in known)
            if existing.get("status") == "draft":
                # a contract that started before it is keyed in took effect on its start date (its SPMK)
                started = min(contract.start_date, clock.today_wib())
                self.kawal.must_post(
                    "contracts", f"/contracts/{existing['id']}/activate", {"activated_on": started.isoformat()}
                )
                self.result.count("activation", True)
            self.advance(1)

    def _create_many(self, kind: str, service: str, path: str, known: dict[str, str], wanted: list[tuple[str, dict]]):
        """POST what is not known yet, a few at a time, each retried until its references have replicated."""
        for key, _ in wanted:
            if key in known:
                self._remember(kind, key, known[key], False)
        missing = [(key, body) for key, body in wanted if key not in known]

        def create(item):
            key, body = item
            answer = until_accepted(lambda: self.kawal.post(service, path, body))
            if not answer.ok:
                raise ApiFailure("POST", path, answer)
            return key, answer.body["id"]

        with ThreadPoolExecutor(self.threads) as pool:
            for key, item_id in pool.map(create, missing):
                self._remember(kind, key, item_id, True)

    def points(self) -> None:
        known = {p["code"]: p["id"] for p in self.kawal.list_all("routes", "/points")}
        self._create_many("point", "routes", "/points", known, [(p.code, asdict(p)) for p in self.city.points])

    def vehicles(self) -> None:
        known = {normalise_plate(v["plate"]): v["id"] for v in self.kawal.list_all("routes", "/vehicles")}
        firms = self.result.ids["contractor"]
        wanted = []
        for vehicle in self.city.vehicles:
            body = {
                "plate": vehicle.plate,
                "contractor_id": firms[vehicle.contractor_npwp],
                "type": vehicle.type,
                "capacity_m3": vehicle.capacity_m3,
                "tare_kg": vehicle.tare_kg,
            }
            wanted.append((normalise_plate(vehicle.plate), body))
        self._create_many("vehicle", "routes", "/vehicles", known, wanted)

    def routes(self) -> None:
        known = {r["code"]: r["id"] for r in self.kawal.list_all("routes", "/routes")}
        ids = self.result.ids
        wanted = []
        for route in self.city.routes:
            body = {
                "code": route.code,
                "contract_id": ids["contract"][route.contract_number],
                "vehicle_id": ids["vehicle"][normalise_plate(route.plate)],
                "stops": [ids["point"][code] for code in route.stops],
                "weekdays": list(route.weekdays),
                "window_start": route.window_start,
                "window_end": route.window_end,
            }
            wanted.append((route.code, body))
        self._create_many("route", "routes", "/routes", known, wanted)

    def schedule(self) -> None:
        """Pickups for every route from its contract's start to `schedule_to` (existing ones are kept)."""
        starts = {c.number: c.start_date for c in self.city.contracts}
        route_ids = self.result.ids["route"]

        def schedule_one(route):
            end = self.schedule_to or starts[route.contract_number]
            path = f"/routes/{route_ids[route.code]}/schedule"
            for _ in range(5):
                # from today on: a range reaching into the past is refused (422 past), and nobody can be charged
                # for a pickup that could not be confirmed. Today is read per request: on an accelerated clock a
                # slow seed can see the day change under it, and then asks again from the new today.
                first = max(starts[route.contract_number], clock.today_wib())
                if first > end:
                    return 0
                answer = self.kawal.post("routes", path, {"from": first.isoformat(), "to": end.isoformat()})
                if not (answer.status == 422 and (answer.body or {}).get("error", {}).get("code") == "past"):
                    break
            if not answer.ok:
                raise ApiFailure("POST", "/routes/{id}/schedule", answer)
            return answer.body.get("scheduled", 0)

        with ThreadPoolExecutor(self.threads) as pool:
            for scheduled in pool.map(schedule_one, self.city.routes):
                self.result.pickups_scheduled += scheduled
                self.advance(1)
