"""Crews syncing their phones: every confirmation sent with its own Idempotency-Key and retried until answered."""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import requests

from kawal.demo.client import Kawal


@dataclass
class Sync:
    """What the crews got: final status per item, attempts (including retries after errors and 5xx)."""

    answers: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    errors: int = 0  # connection refused or reset, timeouts, 5xx: each retried with the same key
    started: float = 0.0
    finished: float = 0.0

    @property
    def answered_2xx(self) -> int:
        return sum(1 for status in self.answers.values() if 200 <= status < 300)

    @property
    def refused(self) -> dict[str, int]:
        return {key: status for key, status in self.answers.items() if not 200 <= status < 300}


def sync(kawal: Kawal, items: list[tuple[str, str, dict]], threads: int, rate_per_s: Callable[[], float],
         role: str, contractor_id: str | None, give_up_s: float = 600.0,
         on_progress: Callable[[int], None] = lambda n: None) -> Sync:
    """items are (key, path, body) POSTed to routes at about rate_per_s() a second (0: as fast as answered) from
    `threads` threads; each is retried with the same Idempotency-Key until it is answered with something other than
    a 5xx or a connection error."""
    work: queue.Queue = queue.Queue()
    for item in items:
        work.put(item)
    result, lock = Sync(started=time.monotonic()), threading.Lock()

    def crew() -> None:
        next_at = time.monotonic()
        while True:
            try:
                key, path, body = work.get_nowait()
            except queue.Empty:
                return
            rate = rate_per_s()
            next_at = max(next_at + (threads / rate if rate else 0.0), time.monotonic() - 1.0)
            time.sleep(max(0.0, next_at - time.monotonic()))
            status = _until_answered(kawal, key, path, body, role, contractor_id, give_up_s, result, lock)
            with lock:
                result.answers[key] = status
                on_progress(len(result.answers))

    crews = [threading.Thread(target=crew, name=f"crew-{n}") for n in range(threads)]
    for thread in crews:
        thread.start()
    for thread in crews:
        thread.join()
    result.finished = time.monotonic()
    return result


def _until_answered(kawal, key, path, body, role, contractor_id, give_up_s, result, lock) -> int:
    deadline, delay = time.monotonic() + give_up_s, 0.1
    while True:
        with lock:
            result.attempts += 1
        try:
            answer = kawal.post("routes", path, body, role=role, contractor_id=contractor_id, idempotency_key=key)
            if answer.status < 500:
                return answer.status
        except requests.RequestException:
            pass
        with lock:
            result.errors += 1
        if time.monotonic() > deadline:
            return 599
        time.sleep(delay)
        delay = min(delay * 2, 2.0)
