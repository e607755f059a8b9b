"""Retention: sent outbox rows and inbox ids older than the configured age are deleted, in batches, by eventsd.

The outbox stays the service's event log until then (`kawal events republish` re-sends what is kept, for a new read
model or a consumer that lost its queue), and the inbox remembers applied event ids as long, so a redelivery or a
republished row is still recognised. Keep the consumers' retention at least the producers'. Each batch is its own
short transaction, so a pass never holds locks the relay or the consumer wait for.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import text

from shared import clock, config, db, metrics

log = logging.getLogger("shared.retention")

# Oldest first by the primary key: old sent rows sit at the head of the outbox, so each batch is an index range.
_OUTBOX = text("""
DELETE FROM outbox WHERE seq IN (
    SELECT seq FROM outbox WHERE sent_at IS NOT NULL AND sent_at < :cutoff ORDER BY seq LIMIT :batch)""")
# The inbox has no index on applied_at: the scan stops at the batch's last match, and old ids sit early in the heap.
_INBOX = text("""
DELETE FROM inbox WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM inbox WHERE applied_at < :cutoff LIMIT :batch))""")


def purge(service: str, database_url: str, settings: config.RetentionSettings | None = None) -> dict[str, int]:
    """One pass: delete every expired row, a batch a transaction; returns the rows deleted per table."""
    settings = settings or config.retention()
    cutoff = clock.now() - timedelta(days=settings.days)
    counters = metrics.retention(service)
    deleted = {"outbox": 0, "inbox": 0}
    started = time.perf_counter()
    for table, statement in (("outbox", _OUTBOX), ("inbox", _INBOX)):
        while True:
            with db.unit_of_work(database_url) as session:
                rows = db.rowcount(session.execute(statement, {"cutoff": cutoff, "batch": settings.batch_size}))
            deleted[table] += rows
            counters.deleted.labels(table=table).inc(rows)
            if rows < settings.batch_size:
                break
    counters.run_seconds.observe(time.perf_counter() - started)
    if any(deleted.values()):
        log.info(
            "retention %s: deleted %s outbox rows and %s inbox ids older than %s",
            service,
            deleted["outbox"],
            deleted["inbox"],
            cutoff.isoformat(),
            extra={"service": service},
        )
    return deleted


class Retention:
    """The events process's housekeeping loop: a pass at start-up and every interval after it."""

    def __init__(self, service: str, database_url: str, settings: config.RetentionSettings | None = None):
        self.service, self.database_url = service, database_url
        self.settings = settings or config.retention()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                purge(self.service, self.database_url, self.settings)
            except Exception:  # noqa: BLE001 - logged; the next interval tries again
                log.exception("retention %s: pass failed", self.service, extra={"service": self.service})
            self.stopping.wait(self.settings.interval_seconds)

    def stop(self) -> None:
        self.stopping.set()
