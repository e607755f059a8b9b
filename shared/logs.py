"""One logging configuration for every process: structured lines carrying the correlation id."""

from __future__ import annotations

import contextvars
import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from shared import config

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
_configured = False


class _CorrelationStamp(logging.Filter):
    """Every line carries the correlation id of the request or event being handled (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        return True


def _json_formatter() -> logging.Formatter:
    # python-json-logger keeps every `extra` key a caller passes (no whitelist to forget to extend)
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}{correlation_id}",
        style="{",
        rename_fields={"asctime": "ts", "levelname": "level", "name": "logger", "message": "msg"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        json_default=str,
    )


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        cid = getattr(record, "correlation_id", None)
        return f"{base} cid={cid}" if cid else base


class _ServiceStamp(logging.Filter):
    """Every line of a process names its service, not only the lines that pass it as extra."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "service"):
            record.service = self.service
        return True


def configure(service: str | None = None) -> None:
    global _configured
    if _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    if config.log_format() == "json":
        handler.setFormatter(_json_formatter())
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(_CorrelationStamp())
    if service:
        handler.addFilter(_ServiceStamp(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(config.log_level())
    logging.getLogger("pika").setLevel(logging.WARNING)
    _configured = True
