"""gunicorn settings for the deployed server: ``gunicorn -c python:search.web.serving ...``.

Garbage collection. A serving worker keeps large, long-lived caches (decoded postings,
analysed words, the highlighter's tables) and makes almost no reference cycles: on the
70,000-article index, Python's full collections found nothing to free, yet each took 20-220 ms
once the caches had filled, in the middle of a request (docs/performance.md). So each worker,
once the app is loaded, moves everything it holds so far out of the collector's sight
(`gc.freeze`) and collects the oldest generation ten times less often; cycles are still
collected.

Limits. Every request path is bounded in the app; a worker is still replaced after
``ARABIC_SEARCH_MAX_REQUESTS`` requests (with jitter, so the workers do not restart together)
or as soon as it holds more than ``ARABIC_SEARCH_WORKER_MAX_MB`` after a request. A fresh
worker starts with empty caches (scores, positions, counts) and each replacement leaves one
worker to serve while the new one loads: on the 70k-article index under 8 connections,
workers replaced every 5,000 requests served 328 requests a second against 381 when kept
(bench/http_load.py, 20 s). The caches have byte budgets and the word caches fixed sizes,
so a kept worker's heap grows only slowly once they are full: 294 MB after 20 s of that
load, 319 MB after 90 s (17,000 requests each). The default, 10,000, replaces no worker
within a 20 s benchmark below 1,000 requests a second and keeps a worker's heap near 310 MB
at most. The
request line may be as long as gunicorn allows (8,190 bytes): the documented query limit of
1,000 characters is 6,000 bytes of URL-encoded Arabic.

Shared folder. Each start makes a fresh folder for what the workers share (their metrics
files, the rate limiter's counts; `search.web.runtime`), marks each dead worker's metrics as
such, and removes the folder at stop.

Errors. gunicorn answers requests it cannot parse (400, 414, 431) itself, and a request past
the worker timeout gets no answer at all; here both are the API's JSON error body with the
app's security headers, and no response names the server software. Slow clients are nginx's
job (deploy/nginx.conf): these sync workers read a request only once nginx holds all of it.
"""

from __future__ import annotations

import gc
import json
import os

from gunicorn import util
from gunicorn.http import wsgi
from gunicorn.workers.sync import SyncWorker

from ..settings import default
from . import runtime
from .app import SECURITY_HEADERS
from .metrics import worker_exited

GC_THRESHOLDS = (50_000, 20, 100)  # Python's defaults: (700, 10, 10)
LIMIT_REQUEST_LINE = 8190  # gunicorn's largest; its default, 4,094, refused 680 Arabic letters
TIMEOUT = 30  # seconds a request may hold a worker; the app's paths take well under 2 s

# gunicorn reads these module-level names as its settings (the command line overrides them).
worker_class = "search.web.serving.Worker"
logger_class = "search.web.logs.GunicornLogger"  # its lines in the app's format
limit_request_line = LIMIT_REQUEST_LINE
timeout = TIMEOUT
max_requests = int(default("MAX_REQUESTS"))
max_requests_jitter = max_requests // 10


def on_starting(server) -> None:
    """gunicorn's hook, in the master before any worker: the run's fresh shared folder."""
    runtime.start()


def child_exit(server, worker) -> None:
    """gunicorn's hook, in the master when a worker has exited."""
    worker_exited(worker.pid)


def on_exit(server) -> None:
    """gunicorn's hook, in the master as it stops."""
    runtime.stop()


def post_worker_init(worker) -> None:
    """gunicorn's hook: runs in each worker after it has loaded the app."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def post_request(worker, req, environ, resp) -> None:
    """gunicorn's hook: a worker grown past WORKER_MAX_MB finishes this request and exits
    (the arbiter starts a fresh one)."""
    limit = int(default("WORKER_MAX_MB"))
    if limit and resident_mb() > limit:
        worker.log.warning("worker %s holds over %s MB; replacing it", os.getpid(), limit)
        worker.alive = False


def worker_abort(worker) -> None:
    """gunicorn's hook, on a request past the timeout: answer it before the worker dies."""
    client = getattr(worker, "client", None)
    if client is not None:
        message = f"the request took longer than {TIMEOUT} s and was stopped"
        write_error(client, 503, "Service Unavailable", message)


def resident_mb() -> float:
    """This process's resident memory, in MB (Linux /proc), read after every request: from
    a descriptor this process keeps open, one ``pread`` instead of an open, read and close."""
    try:
        fields = os.pread(_statm(), 128, 0).split()
        return int(fields[1]) * PAGE_SIZE / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_statm_of: tuple[int, int] | None = None  # (process id, its /proc/self/statm descriptor)


def _statm() -> int:
    """This process's own descriptor: "self" is resolved when opened, so a worker forked
    from a process that had one closes the inherited copy and opens its own."""
    global _statm_of
    pid = os.getpid()
    if _statm_of is None or _statm_of[0] != pid:
        if _statm_of is not None:
            os.close(_statm_of[1])  # the parent's, inherited over fork
        _statm_of = (pid, os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC))
    return _statm_of[1]


class Worker(SyncWorker):
    """gunicorn's sync worker, remembering the connection it serves (for `worker_abort`), its
    answers sent in one write each (`OneWrite`)."""

    client = None

    def handle(self, listener, client, addr):
        self.client = client
        try:
            super().handle(listener, client, addr)
        finally:
            self.client = None

    def handle_request(self, listener, req, client, addr):
        connection = OneWrite(client)
        super().handle_request(listener, req, connection, addr)
        connection.flush()  # an answer without a body (HEAD, 304): its headers alone


class OneWrite:
    """A connection whose first write, gunicorn's response headers, waits for the next, the
    body's first bytes, so both leave in one ``sendall``.

    gunicorn writes the two apart. A worker killed between them has sent headers that nginx
    has passed on already, so nginx cannot retry the request on another replica and the
    client gets a cut answer (kill -9 of a replica under load did this in tests/
    test_replicas.py). Written whole, an answer of the app's size is in the kernel's buffer
    or not sent at all, and nginx retries one that got nothing.
    """

    def __init__(self, sock):
        self._sock = sock
        self._writes = 0
        self._held: bytes | None = None

    def sendall(self, data) -> None:
        self._writes += 1
        if self._writes == 1:
            self._held = bytes(data)
            return
        if self._held is not None:
            data, self._held = self._held + bytes(data), None
        self._sock.sendall(data)

    def flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            self._sock.sendall(held)

    def sendfile(self, *args, **kwargs):
        self.flush()
        return self._sock.sendfile(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


# --- gunicorn's own answers ------------------------------------------------------------------

MESSAGES = {
    400: "the request could not be read as HTTP; percent-encode the URL "
    "(curl -G --data-urlencode 'q=...')",
    414: f"the request line is longer than {LIMIT_REQUEST_LINE} bytes; "
    "a query may have at most 1,000 characters",
    431: "the request headers are too large",
}
CODES = {500: "internal_error", 503: "unavailable"}


def write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error page as the API's JSON error, with the security headers."""
    code = CODES.get(status_int) or reason.lower().replace(" ", "_").replace("-", "_")
    message = MESSAGES.get(status_int) or mesg or reason
    docs = f"{default('DOCS_URL')}#errors"
    body = json.dumps({"error": {"code": code, "message": message, "docs": docs}}).encode()
    body += b"\n"
    headers = {
        "Connection": "close",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Cache-Control": "no-store",
        **SECURITY_HEADERS,
    }
    head = f"HTTP/1.1 {status_int} {reason}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    util.write_nonblock(sock, head.encode("latin-1") + body)


def _default_headers(self) -> list[str]:
    """gunicorn's response headers without ``Server:``, which would name it."""
    return [line for line in _gunicorn_default_headers(self) if not line.startswith("Server:")]


util.write_error = write_error
_gunicorn_default_headers = wsgi.Response.default_headers
wsgi.Response.default_headers = _default_headers
