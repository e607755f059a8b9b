"""Log lines: JSON with the service, the correlation id and every extra key a caller passes."""
from __future__ import annotations

import io
import json
import logging

from shared import logs


def _json_line(service: str, emit) -> dict:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs._json_formatter())
    handler.addFilter(logs._CorrelationStamp())
    handler.addFilter(logs._ServiceStamp(service))
    logger = logging.getLogger("kawal.test.logs")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return json.loads(stream.getvalue())


def test_a_json_line_names_its_service_and_correlation_id():
    token = logs.correlation_id.set("cid-42")
    try:
        line = _json_line("routes", lambda log: log.warning("pickup %s missed", "P1"))
    finally:
        logs.correlation_id.reset(token)
    assert line["service"] == "routes"
    assert line["correlation_id"] == "cid-42"
    assert line["msg"] == "pickup P1 missed"
    assert line["level"] == "WARNING"


def test_extra_keys_are_kept_not_dropped():
    line = _json_line("billing", lambda log: log.info("parked", extra={"event_type": "x.y.z", "queue_depth": 7}))
    assert line["event_type"] == "x.y.z"
    assert line["queue_depth"] == 7
    assert line["correlation_id"] is None
