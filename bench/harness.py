"""Fair benches: a measurement and its baseline run interleaved, three rounds, judged by the median ratio and its spread.

On a shared machine one busy second can pass or fail a single ratio. Here every round measures both sides back to
back (the order alternating, ABBA, so a slow drift weighs on both alike), a ratio is taken per round, and the verdict
is the median of the rounds' ratios with the spread (min..max) beside it. Every bench ends with the same lines:
`median ratio: X (spread a..b)` and, last, `ratio: X`; the figures also go to .run/bench/<name>.json.

    comparison = Comparison("events", unit="events/s", baseline_name="pika ceiling", better="higher", goal=0.5)
    for first_baseline in comparison.rounds():           # yields True/False: which side goes first this round
        ...
        comparison.add(measured, baseline, **details)
    comparison.report()
or, for two callables: `interleave(comparison, measure, baseline)`.
"""
from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.table import Table

ROUNDS = int(os.environ.get("KAWAL_BENCH_ROUNDS", "3"))
RESULTS_DIR = Path(__file__).resolve().parent.parent / ".run" / "bench"


def database_name(base: str) -> str:
    """A bench's own database, suffixed by KAWAL_BENCH_DB_SUFFIX so two people benching on one server never drop
    each other's databases."""
    suffix = os.environ.get("KAWAL_BENCH_DB_SUFFIX", "")
    return f"{base}_{suffix}" if suffix else base


@dataclass
class Comparison:
    """One bench's figure against its baseline over several interleaved rounds."""

    name: str
    unit: str  # of both figures: "events/s", "s", "ms"
    baseline_name: str
    better: str = "higher"  # "higher": ratio = measured / baseline (rates); "lower": same formula, for durations
    goal: float | None = None  # the ratio the issue asks for (>= for higher, <= for lower)
    rounds_count: int = ROUNDS
    measured: list[float] = field(default_factory=list)
    baselines: list[float] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)

    def rounds(self) -> Iterator[bool]:
        """Round after round: True when the baseline should run first (ABBA order)."""
        for number in range(self.rounds_count):
            yield number % 2 == 1

    def add(self, measured: float, baseline: float, **details) -> None:
        self.measured.append(measured)
        self.baselines.append(baseline)
        self.details.append(details)
        Console().print(f"  round {len(self.measured)}: {self.name} {measured:,.3f} {self.unit}, "
                        f"{self.baseline_name} {baseline:,.3f} {self.unit}, ratio {measured / baseline:.3f}")

    @property
    def ratios(self) -> list[float]:
        return [m / b for m, b in zip(self.measured, self.baselines)]

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)

    def met(self) -> bool | None:
        if self.goal is None:
            return None
        return self.median_ratio >= self.goal if self.better == "higher" else self.median_ratio <= self.goal

    def summary(self) -> dict:
        ratios = self.ratios
        return {"bench": self.name, "unit": self.unit, "baseline": self.baseline_name, "better": self.better,
                "measured": self.measured, "baselines": self.baselines, "ratios": ratios,
                "median_measured": statistics.median(self.measured),
                "median_baseline": statistics.median(self.baselines), "median_ratio": self.median_ratio,
                "spread": [min(ratios), max(ratios)], "goal": self.goal, "met": self.met(), "details": self.details}

    def report(self) -> dict:
        """Print the rounds and the verdict; the last line is `ratio: <median>` for scripts that read it."""
        summary = self.summary()
        table = Table(title=f"{self.name}: {self.rounds_count} interleaved rounds")
        for column in ("round", f"{self.name} ({self.unit})", f"{self.baseline_name} ({self.unit})", "ratio"):
            table.add_column(column, justify="right")
        for number, (m, b, r) in enumerate(zip(self.measured, self.baselines, summary["ratios"]), start=1):
            table.add_row(str(number), f"{m:,.3f}", f"{b:,.3f}", f"{r:.3f}")
        table.add_row("median", f"{summary['median_measured']:,.3f}", f"{summary['median_baseline']:,.3f}",
                      f"{summary['median_ratio']:.3f}")
        console = Console()
        console.print(table)
        low, high = summary["spread"]
        goal = "" if self.goal is None else (
            f"; goal {'>=' if self.better == 'higher' else '<='} {self.goal} "
            f"{'met' if summary['met'] else 'NOT met'}")
        console.print(f"median ratio: {summary['median_ratio']:.3f} (spread {low:.3f}..{high:.3f}{goal})")
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / f"{self.name}.json").write_text(json.dumps(summary, indent=2, default=str))
        print(f"ratio: {summary['median_ratio']:.3f}")
        return summary


def interleave(comparison: Comparison, measure: Callable[[], float], baseline: Callable[[], float]) -> dict:
    """Run both callables once a round, alternating which goes first, then report."""
    for baseline_first in comparison.rounds():
        if baseline_first:
            b = baseline()
            m = measure()
        else:
            m = measure()
            b = baseline()
        comparison.add(m, b)
    return comparison.report()


@dataclass
class ServerTalk:
    """psycopg's statements sent and waits for the server (and the time spent waiting) while counting()'s block ran."""

    statements: int = 0
    waits: int = 0
    wait_seconds: float = 0.0


@contextmanager
def counting() -> Iterator[ServerTalk]:
    """Count what the block sends to PostgreSQL through psycopg (the profilers' round-trip figures)."""
    import psycopg

    talk, execute, wait = ServerTalk(), psycopg.Cursor.execute, psycopg.Connection.wait

    def counting_execute(self, *args, **kwargs):
        talk.statements += 1
        return execute(self, *args, **kwargs)

    def counting_wait(self, *args, **kwargs):
        talk.waits += 1
        started = time.perf_counter()
        try:
            return wait(self, *args, **kwargs)
        finally:
            talk.wait_seconds += time.perf_counter() - started

    psycopg.Cursor.execute, psycopg.Connection.wait = counting_execute, counting_wait  # type: ignore[method-assign]
    try:
        yield talk
    finally:
        psycopg.Cursor.execute, psycopg.Connection.wait = execute, wait  # type: ignore[method-assign]


def runs(fn: Callable[[], object], count: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each of `count` calls of fn."""
    walls, cpus = [], []
    for _ in range(count):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return walls, cpus
