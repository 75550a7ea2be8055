"""Rate limits per client address (``ARABIC_SEARCH_RATE_LIMIT``), held across gunicorn's
workers.

The notation (``20/second``, ``1000/hour``, several separated by ``;`` or ``,``) and the fixed
window strategy are the `limits` library's. Its stores are one process's memory, or a server
(Redis, Memcached, MongoDB) this service does not otherwise need; so the counts live in a
small SQLite file in the server's shared folder (`search.web.runtime`), written in one short
transaction per limit, which every worker sees. A window starts at a client's first request
and lasts the limit's period; over the limit is a 429 ``rate_limited`` with Retry-After, the
seconds until the window ends. /healthz, /metrics and the page's static files are never
limited (load balancers and scrapers poll them). A store that fails (a full or vanished
disk) lets requests through, each logged as a warning: the limit protects the service and
must not take it down.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import ClassVar

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter

from ..errors import RateLimited
from ..settings import BY_NAME, SettingError

log = logging.getLogger(__name__)
UNLIMITED_PREFIXES = ("/healthz", "/metrics", "/static/")
BUSY_MS = 2000  # how long a worker waits for another's transaction on the counts


def parse_limits(text: str) -> list[RateLimitItem]:
    """The setting's limits; none when it is empty; a clear error when it cannot be read.

    >>> [str(item) for item in parse_limits("20/second; 1000/hour")]
    ['20 per 1 second', '1000 per 1 hour']
    """
    if not text.strip():
        return []
    try:
        return parse_many(text.strip())
    except ValueError:
        variable = BY_NAME["RATE_LIMIT"].variable
        raise SettingError(
            f"{variable} must be limits such as 20/second or 1000/hour (several separated by "
            f"; or ,), not {text!r}"
        ) from None


class SharedCounts(Storage):
    """`limits` counters in a SQLite file, shared by every process that opens it."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["arabic-search-sqlite"]

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self._local = threading.local()
        with self._connection() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS counts "
                "(key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)"
            )

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened after gunicorn's fork (none is inherited)."""
        held = getattr(self._local, "connection", None)
        if held is None or self._local.pid != os.getpid():
            held = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
            held.execute("PRAGMA synchronous=OFF")  # counts need not survive a crash
            self._local.connection, self._local.pid = held, os.getpid()
        return held

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("DELETE FROM counts WHERE expires <= ?", (now,))
            connection.execute(
                "INSERT INTO counts VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET count = count + excluded.count",
                (key, amount, now + expiry),
            )
            (count,) = connection.execute(
                "SELECT count FROM counts WHERE key = ?", (key,)
            ).fetchone()
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return count

    def _row(self, key: str) -> tuple[int, float] | None:
        found = (
            self._connection()
            .execute("SELECT count, expires FROM counts WHERE key = ?", (key,))
            .fetchone()
        )
        return found if found and found[1] > time.time() else None

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        return self._connection().execute("SELECT 1").fetchone() == (1,)

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counts").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counts WHERE key = ?", (key,))


class RateLimiter:
    """The app's limits and where their counts are kept."""

    def __init__(self, text: str, run_dir: Path | None):
        self.limits = parse_limits(text)
        self._strategy = None
        if self.limits:
            storage = SharedCounts(run_dir / "rate-limits.sqlite") if run_dir else MemoryStorage()
            self._strategy = FixedWindowRateLimiter(storage)

    def check(self, path: str, client: str) -> None:
        """Count one request of ``client``; RateLimited (429) when it is over a limit."""
        if self._strategy is None or path.startswith(UNLIMITED_PREFIXES):
            return
        try:
            self._count(client)
        except sqlite3.Error as error:  # a broken store must not take the service down
            log.warning("rate limit not counted: its store failed (%s)", error)

    def _count(self, client: str) -> None:
        for item in self.limits:
            if not self._strategy.hit(item, client):
                reset = self._strategy.get_window_stats(item, client).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                raise RateLimited(
                    f"more than {item.amount} requests per {_period(item)} from {client}; "
                    f"retry after {wait} s",
                    retry_after=wait,
                )


def _period(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return unit if item.multiples == 1 else f"{item.multiples} {unit}s"
