"""Structured logs: one JSON object per line, so access logs can be searched and summed.

The app logs each request to the ``search.access`` logger with its request id, route, status
and latency; ``install`` gives that logger (and the app's error logger) a JSON handler on
stdout when the app is served, and leaves logging alone under tests.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

ACCESS = "search.access"
FIELDS = (
    "request_id", "method", "path", "query", "status", "ms", "bytes", "remote", "pid",
)  # fmt: skip


class JsonFormatter(logging.Formatter):
    """Render a record as a JSON line: time, level, logger, message and the known extras."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line |= {name: getattr(record, name) for name in FIELDS if hasattr(record, name)}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def install(level: int = logging.INFO) -> None:
    """Send the package's logs to stdout as JSON lines (idempotent)."""
    logger = logging.getLogger("search")
    if any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(level)
