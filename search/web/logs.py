"""Structured logs: one line per request, and gunicorn's own messages in the same shape.

The app logs each request to the ``search.access`` logger with its request id, route, the
query as the client meant it (percent-decoding undone: Arabic reads as Arabic), status,
latency, size, the client's address (through trusted proxies, `search.web.clients`) and user
agent. ``install`` gives the package's loggers a handler on stdout when the app is served
(tests leave logging alone): JSON lines, or with ``ARABIC_SEARCH_LOG_JSON=false`` plain text
lines. gunicorn's master and workers log through `GunicornLogger`
(``search.web.serving`` names it), in the same format.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

from gunicorn.glogging import Logger

from ..settings import default

ACCESS = "search.access"
FIELDS = (
    "request_id", "method", "path", "query", "status", "ms", "bytes", "remote", "user_agent",
    "pid",
)  # fmt: skip


def _time(record: logging.LogRecord) -> str:
    return dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """Render a record as a JSON line: time, level, logger, message and the known extras."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line |= {name: getattr(record, name) for name in FIELDS if hasattr(record, name)}
        line.setdefault("pid", record.process)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """A record as one line of text: time, pid, level, logger, message, then the extras.

    ``2026-12-01T22:34:24.123+00:00 [8306] info search.access GET /api/search 200
    query="q=بلينكن" ms=3.1 remote=203.0.113.9 user_agent="curl/8.5.0" ...``
    """

    def format(self, record: logging.LogRecord) -> str:
        head = f"{_time(record)} [{record.process}] {record.levelname.lower()} {record.name}"
        extras = " ".join(
            f"{name}={json.dumps(getattr(record, name), ensure_ascii=False)}"
            for name in FIELDS
            if name not in ("method", "path", "status", "pid") and hasattr(record, name)
        )
        text = f"{head} {record.getMessage()}" + (f" {extras}" if extras else "")
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def formatter(as_json: bool) -> logging.Formatter:
    return JsonFormatter() if as_json else PlainFormatter()


def install(as_json: bool = True, level: int = logging.INFO) -> None:
    """Send the package's logs to stdout, as JSON or plain lines (idempotent)."""
    logger = logging.getLogger("search")
    if any(getattr(handler, "_search", False) for handler in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter(as_json))
    handler._search = True  # marks the handler this function added
    logger.addHandler(handler)
    logger.setLevel(level)


class GunicornLogger(Logger):
    """gunicorn's logger with its lines in the app's format (``ARABIC_SEARCH_LOG_JSON``)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        chosen = formatter(bool(default("LOG_JSON")))
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(chosen)
