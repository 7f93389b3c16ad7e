"""pushd's log lines: text for people (the default) or one JSON object per line for log collectors
(`PUSHD_LOG_FORMAT=json`), for pushd's own loggers and uvicorn's, its access log among them.

A JSON line holds `time` (UTC, ISO 8601), `level`, `logger`, `message`, `request_id` when the line was
logged while pushd served a request (pushd.request_id sets it), `exception` with the traceback when
there is one, and for access lines `client`, `method`, `path`, `status`. Secrets never reach a line:
tokens travel in headers, which nothing logs except uvicorn at debug level, and pushd.server's
UvicornLogFilter redacts those (tests/pushd/test_logs.py checks both formats).
"""

from __future__ import annotations

import logging
import logging.config
import time
from contextvars import ContextVar
from typing import Any

import orjson
import uvicorn.config

from shared.settings import PushdSettings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The request being served by this task: set by pushd.request_id.RequestIdMiddleware, read per log line.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")  # uvicorn.access's arguments, in order


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on each record (`record.request_id`, None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (a traceback is a field, its newlines escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid is not None:
            entry["request_id"] = rid
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            entry.update(zip(ACCESS_FIELDS, record.args, strict=True))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return orjson.dumps(entry, default=str).decode()


def uvicorn_log_config(settings: PushdSettings) -> dict[str, Any]:
    """The `log_config` for uvicorn.Config: uvicorn's own for text; for JSON, every logger (root, so
    pushd's too, and uvicorn's, which propagate to it) through one JSON handler on stderr."""
    if settings.log_format == "text":
        return uvicorn.config.LOGGING_CONFIG
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "json",
                              "filters": ["request_id"]}},
        "root": {"handlers": ["json"], "level": settings.log_level.upper()},
        "loggers": {name: {"handlers": [], "propagate": True}
                    for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def configure(settings: PushdSettings) -> None:
    """Logging for `python -m pushd`, from its first line on (uvicorn applies uvicorn_log_config again)."""
    if settings.log_format == "json":
        logging.config.dictConfig(uvicorn_log_config(settings))
    else:
        logging.basicConfig(level=settings.log_level.upper(), format=TEXT_FORMAT)
