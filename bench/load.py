"""A bounded load test of `arabic-search serve`: mixed reads and concurrent writes, on loopback.

usage:
    load.py [--corpus seeds | --corpus docs.jsonl | --index DIR] [--requests 2000]
            [--time-limit 60] [--threads 4] [--workers 2] [--write-share 0.15] [--batch 3]
            [--seed 1] [--workdir DIR]

Builds an index of the corpus (default: the bundled seeds/) in a temporary folder, or copies
the one given with --index there (the load writes to its copy, never to DIR), starts
`arabic-search serve --workers W` on 127.0.0.1 on a free port with a fresh admin token, and
sends exactly --requests HTTP requests from --threads client threads (stdlib http.client, one
connection per request), stopping early when --time-limit seconds have passed. Nothing but
127.0.0.1 is ever contacted, and the server is stopped by its PID at the end, whatever happened.

The mix, drawn in a fixed order from --seed:
    search    GET /api/search over a rotating list of distinct queries built from the indexed
              words: single words, pairs, "phrases", -exclusions, OR, title:, prefix*, groups;
              some sorted by date or on page 2
    document  GET /api/documents/<id> of an indexed article
    page      GET /, the search page for a query, or an article page
    put       PUT /api/documents/<new id>              (expects 201)
    post      POST /api/documents, --batch new ones     (expects 200, JSON array or JSON Lines)
    replace   PUT over a document this run wrote       (expects 200)
    delete    DELETE a document this run wrote         (expects 200)
The writes take --write-share of the requests (put 40 %, post 20 %, replace 15 %, delete 25 %);
a replace or delete with no written document to act on is sent as a put.

An error is any other status, a malformed body, a timeout or a connection failure. A 503
`index_busy` with Retry-After is the write API's documented back-pressure, not an error: it
is counted as `busy`, and the write is sent again after Retry-After seconds (each attempt is
one of the --requests, and the run's time limit still holds); a write still refused when the
requests or the time run out counts in `busy_gave_up` and is expected to have changed nothing.

After the load, the consistency check asks the server about every document the run wrote:
each write that got a success response is fetchable (title and body as sent) and found by its
own marker word, the text a replace superseded is no longer found, every deleted document is
a 404 and unsearchable, and /healthz counts the documents expected. It allows a short settling
time (VISIBLE_WITHIN) for the workers to reopen their searchers.

Prints one JSON object on stdout (progress goes to stderr); exits 1 when there were errors or
the consistency check failed, 2 when the load could not be set up. Latencies are per-request
service times in a closed loop, with the client on the server's cores; percentiles are
nearest-rank. The temporary folder (index copy, server log) is removed after a clean run and
kept, with its path printed, otherwise; --workdir keeps it always.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere: the package is next door

from search.analysis import TOKEN_RE, terms  # noqa: E402
from search.documents import Article, read_paths  # noqa: E402
from search.store import index_articles, open_reader  # noqa: E402

HOST = "127.0.0.1"  # the only address this script ever talks to
STARTUP_SECONDS = 60.0  # for gunicorn to answer /healthz
STOP_SECONDS = 15.0  # for gunicorn's graceful stop before SIGKILL
REQUEST_TIMEOUT = 15.0  # per request; above the write API's 5 s wait for the writer lock
VISIBLE_WITHIN = 2.0  # seconds after the load for every write to show in both workers
VOCABULARY_DOCUMENTS = 2000  # stored documents read for query words and write bodies
QUERIES_WANTED = 3000  # distinct queries in the rotation (fewer on a small corpus)
MIN_WORD = 3  # letters in a query word; prefix queries keep at least this many
READS = {"search": 0.70, "document": 0.15, "page": 0.15}  # shares of the reads
WRITES = {"put": 0.40, "post": 0.20, "replace": 0.15, "delete": 0.25}  # shares of the writes
KINDS = (*READS, *WRITES)
SUCCESS = {"search": 200, "document": 200, "page": 200, "put": 201, "post": 200}
SUCCESS |= {"replace": 200, "delete": 200}
ERROR_SAMPLES = 10  # error descriptions kept in the report


# --- Workload --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    """What the requests are drawn from: indexed ids, titles and body words."""

    ids: list[str]
    titles: list[list[str]]  # words of each title
    bodies: list[list[str]]  # words of each body


def read_corpus(folder: Path) -> Corpus:
    """The first VOCABULARY_DOCUMENTS stored documents of the index, as words."""
    ids, titles, bodies = [], [], []
    with open_reader(folder) as reader:
        live = reader.live.nonzero()[0][:VOCABULARY_DOCUMENTS].tolist()
        for fields in map(reader.stored, live):
            ids.append(fields["id"])
            titles.append(TOKEN_RE.findall(fields.get("title") or ""))
            bodies.append(TOKEN_RE.findall(fields.get("body") or ""))
    if not ids:
        raise SystemExit("load: the index holds no documents")
    return Corpus(ids, titles, bodies)


def searchable(word: str) -> bool:
    """A word a query can stand on: Arabic or Latin letters, not a stop word."""
    return len(word) >= MIN_WORD and word.isalpha() and bool(terms(word))


def make_queries(corpus: Corpus, rng: random.Random, wanted: int = QUERIES_WANTED) -> list[str]:
    """Distinct queries in every form of the query language, shuffled.

    Every query has at least one word to search for, so each should answer 200.
    """
    body_words = sorted({w for words in corpus.bodies for w in words if searchable(w)})
    title_words = sorted({w for words in corpus.titles for w in words if searchable(w)})
    pairs = [
        (a, b)
        for words in corpus.bodies
        for a, b in itertools.pairwise(words)
        if searchable(a) and searchable(b)
    ]
    if not body_words or not pairs:
        raise SystemExit("load: the corpus has too few searchable words")
    title_words = title_words or body_words
    forms = [
        lambda: rng.choice(body_words),
        lambda: " ".join(rng.choice(pairs)),
        lambda: '"{} {}"'.format(*rng.choice(pairs)),
        lambda: f"{rng.choice(body_words)} -{rng.choice(body_words)}",
        lambda: f'{rng.choice(body_words)} -"{" ".join(rng.choice(pairs))}"',
        lambda: f"{rng.choice(body_words)} OR {rng.choice(body_words)}",
        lambda: f"{rng.choice(body_words)} أو {rng.choice(body_words)}",
        lambda: f"title:{rng.choice(title_words)}",
        lambda: f"عنوان:{rng.choice(title_words)} {rng.choice(body_words)}",
        lambda: rng.choice(body_words)[: rng.randint(MIN_WORD, 5)] + "*",
        lambda: f"({rng.choice(body_words)} OR {rng.choice(body_words)}) -{rng.choice(body_words)}",
        lambda: " ".join(rng.sample(body_words, min(4, len(body_words)))),
    ]
    queries: dict[str, None] = {}
    for _ in range(wanted * 5):  # a small corpus runs out of new combinations first
        if len(queries) >= wanted:
            break
        queries[rng.choice(forms)()] = None
    found = list(queries)
    rng.shuffle(found)
    return found


def make_plan(requests: int, write_share: float, rng: random.Random) -> list[str]:
    """The kind of each request slot, in a fixed shuffled order."""
    shares = {kind: share * (1 - write_share) for kind, share in READS.items()}
    shares |= {kind: share * write_share for kind, share in WRITES.items()}
    plan = [kind for kind, share in shares.items() for _ in range(round(requests * share))]
    while len(plan) < requests:
        plan.append("search")
    plan = plan[:requests]
    rng.shuffle(plan)
    return plan


# --- Shared state ----------------------------------------------------------------------------


@dataclass
class Written:
    title: str
    body: str
    marker: str


class Ledger:
    """What the server said about each document this run wrote, for the consistency check.

    A written document is idle (free for one replace or delete at a time), taken while such a
    request is in flight, deleted, or unknown (its write failed in a way that leaves the
    outcome open: such a run has errors and fails anyway).
    """

    def __init__(self, run: str):
        self.run = run
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._markers = itertools.count(1)
        self.idle: dict[str, Written] = {}
        self.taken: dict[str, Written] = {}
        self.deleted: dict[str, Written] = {}
        self.superseded: list[tuple[str, str]] = []  # (id, marker of text replaced since)
        self.unknown: set[str] = set()

    def new_id(self) -> str:
        with self._lock:
            return f"load-{self.run}-{next(self._ids):05d}"

    def new_marker(self) -> str:
        """A word found only in one written version of one document."""
        with self._lock:
            return f"lq{self.run}x{next(self._markers):05d}"

    def add(self, doc_id: str, written: Written) -> None:
        with self._lock:
            self.idle[doc_id] = written

    def take(self, rng: random.Random) -> tuple[str, Written] | None:
        with self._lock:
            if not self.idle:
                return None
            doc_id = rng.choice(list(self.idle))
            self.taken[doc_id] = written = self.idle.pop(doc_id)
            return doc_id, written

    def release(self, doc_id: str, outcome: str, replacement: Written | None = None) -> None:
        """``outcome``: "kept" (nothing changed), "replaced", "deleted" or "unknown"."""
        with self._lock:
            written = self.taken.pop(doc_id)
            if outcome == "kept":
                self.idle[doc_id] = written
            elif outcome == "replaced":
                self.superseded.append((doc_id, written.marker))
                self.idle[doc_id] = replacement
            elif outcome == "deleted":
                self.deleted[doc_id] = written
            else:
                self.unknown.add(doc_id)

    def mark_unknown(self, doc_ids: list[str]) -> None:
        with self._lock:
            self.unknown.update(doc_ids)


class Slots:
    """Hands out the request slots: exactly ``total`` of them, none after the deadline."""

    def __init__(self, total: int, deadline: float):
        self.total, self.deadline = total, deadline
        self._next = 0
        self._lock = threading.Lock()
        self.stop = threading.Event()
        self.timed_out = False

    def take(self) -> int | None:
        with self._lock:
            if self.stop.is_set() or self._next >= self.total:
                return None
            if time.monotonic() >= self.deadline:
                self.timed_out = True
                return None
            self._next += 1
            return self._next - 1

    @property
    def used(self) -> int:
        return self._next


@dataclass
class Stats:
    """Latencies and outcomes per kind, shared by the client threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    requests: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    busy: Counter = field(default_factory=Counter)
    busy_gave_up: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int | None, ms: float | None) -> None:
        with self.lock:
            self.requests[kind] += 1
            self.statuses[str(status) if status else "no_response"] += 1
            if ms is not None:
                self.latencies[kind].append(ms)

    def error(self, kind: str, description: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            if len(self.samples) < ERROR_SAMPLES:
                self.samples.append(f"{kind}: {description}")


# --- HTTP ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    ms: float

    def json(self) -> object:
        return json.loads(self.body)


class Http:
    """Requests to the one server this script started, on 127.0.0.1 only."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token

    def send(
        self, method: str, path: str, body: object = None, content_type: str = "application/json"
    ) -> Response:
        """One request on a fresh connection; raises OSError or HTTPException on failure."""
        headers = {}
        data = None
        if method != "GET":
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        ms = (time.perf_counter() - started) * 1000
        return Response(response.status, response.headers, raw, ms)


def free_port() -> int:
    """A loopback port nothing listens on right now (the kernel's pick, then released)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# --- The client threads --------------------------------------------------------------------


class Load:
    """One run: the plan, the workload, the ledger and the statistics."""

    def __init__(self, api: Http, corpus: Corpus, args, run: str):
        self.api, self.corpus = api, corpus
        rng = random.Random(args.seed)
        self.queries = make_queries(corpus, rng)
        self.plan = make_plan(args.requests, args.write_share, rng)
        self._query_numbers = itertools.count()
        self.batch = args.batch
        self.seed = args.seed
        self.ledger = Ledger(run)
        self.stats = Stats()
        self.slots = Slots(args.requests, time.monotonic() + args.time_limit)

    def next_query(self) -> str:
        return self.queries[next(self._query_numbers) % len(self.queries)]

    # Each call sends one request (or more, when the index is busy) and says whether the
    # expected answer came back: True, False (an error, recorded), or None (busy, gave up).

    def exchange(self, kind: str, method: str, path: str, body=None, check=None, **options):
        """Send, retrying a busy write after Retry-After while slots and time last."""
        expected = SUCCESS[kind]
        while True:
            try:
                response = self.api.send(method, path, body, **options)
            except (OSError, http.client.HTTPException) as failure:
                self.stats.record(kind, None, None)
                self.stats.error(kind, f"{method} {path[:80]}: {type(failure).__name__} {failure}")
                return False, None
            self.stats.record(kind, response.status, response.ms)
            if response.status == 503 and kind in WRITES and self._busy(response):
                self.stats.busy[kind] += 1
                wait = float(response.headers.get("Retry-After") or 1)
                if time.monotonic() + wait < self.slots.deadline:
                    time.sleep(wait)
                    if self.slots.take() is not None:
                        continue
                self.stats.busy_gave_up[kind] += 1
                return None, response
            problem = None
            if response.status != expected:
                problem = f"status {response.status}: {response.body[:200]!r}"
            elif check is not None:
                try:
                    problem = check(response)
                except (ValueError, KeyError, TypeError) as failure:
                    problem = f"malformed body ({failure}): {response.body[:200]!r}"
            if problem:
                self.stats.error(kind, f"{method} {path[:80]}: {problem}")
                return False, response
            return True, response

    @staticmethod
    def _busy(response: Response) -> bool:
        try:
            code = response.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return False
        return code == "index_busy" and "Retry-After" in response.headers

    def search(self, rng: random.Random) -> None:
        params = {"q": self.next_query()}
        roll = rng.random()
        if roll < 0.15:
            params["sort"] = "date"
        elif roll < 0.25:
            params["page"] = "2"

        def check(response):
            body = response.json()
            return None if isinstance(body["results"], list) else "no results list"

        self.exchange("search", "GET", f"/api/search?{urlencode(params)}", check=check)

    def document(self, rng: random.Random) -> None:
        doc_id = rng.choice(self.corpus.ids)

        def check(response):
            found = response.json()["id"]
            return None if found == doc_id else f"asked for {doc_id!r}, got {found!r}"

        self.exchange("document", "GET", f"/api/documents/{quote(doc_id, safe='')}", check=check)

    def page(self, rng: random.Random) -> None:
        roll = rng.random()
        if roll < 0.3:
            path = "/"
        elif roll < 0.7:
            path = f"/?{urlencode({'q': self.next_query()})}"
        else:
            doc_id = quote(rng.choice(self.corpus.ids), safe="")
            path = f"/articles/{doc_id}?{urlencode({'q': self.next_query()})}"

        def check(response):
            kind = response.headers.get_content_type()
            return None if kind == "text/html" else f"content type {kind}"

        self.exchange("page", "GET", path, check=check)

    def new_document(self, rng: random.Random) -> Written:
        """A document of corpus words with a marker word of its own."""
        marker = self.ledger.new_marker()
        number = rng.randrange(len(self.corpus.ids))
        title_words = self.corpus.titles[number][:10] or ["خبر"]
        words = self.corpus.bodies[number] or ["نص"]
        start = rng.randrange(max(len(words) - 60, 1))
        body = " ".join([*words[start : start + 60], marker, *words[start + 60 : start + 80]])
        return Written(" ".join(title_words), body, marker)

    def payload(self, doc_id: str, written: Written, rng: random.Random) -> dict:
        return {
            "id": doc_id,
            "title": written.title,
            "body": written.body,
            "date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "source": "وكالة اختبار الحمل",
            "tags": ["اختبار"],
        }

    def put(self, rng: random.Random) -> None:
        doc_id, written = self.ledger.new_id(), self.new_document(rng)
        path = f"/api/documents/{quote(doc_id, safe='')}"
        ok, _ = self.exchange("put", "PUT", path, self.payload(doc_id, written, rng))
        if ok:
            self.ledger.add(doc_id, written)
        elif ok is False:
            self.ledger.mark_unknown([doc_id])

    def post(self, rng: random.Random) -> None:
        batch = [(self.ledger.new_id(), self.new_document(rng)) for _ in range(self.batch)]
        rows = [self.payload(doc_id, written, rng) for doc_id, written in batch]
        options = {}
        if rng.random() < 0.5:
            body: object = rows
        else:  # the same batch as JSON Lines
            lines = (json.dumps(row, ensure_ascii=False) for row in rows)
            body = ("\n".join(lines) + "\n").encode()
            options["content_type"] = "application/x-ndjson"

        def check(response):
            created = response.json()["created"]
            return None if created == len(rows) else f"created {created} of {len(rows)}"

        ok, _ = self.exchange("post", "POST", "/api/documents", body, check=check, **options)
        if ok:
            for doc_id, written in batch:
                self.ledger.add(doc_id, written)
        elif ok is False:
            self.ledger.mark_unknown([doc_id for doc_id, _ in batch])

    def replace(self, rng: random.Random) -> None:
        taken = self.ledger.take(rng)
        if taken is None:
            self.put(rng)
            return
        doc_id, _ = taken
        written = self.new_document(rng)
        path = f"/api/documents/{quote(doc_id, safe='')}"

        def check(response):
            result = response.json()["result"]
            return None if result == "replaced" else f"result {result!r}"

        ok, _ = self.exchange("replace", "PUT", path, self.payload(doc_id, written, rng), check)
        outcome = "replaced" if ok else "kept" if ok is None else "unknown"
        self.ledger.release(doc_id, outcome, written)

    def delete(self, rng: random.Random) -> None:
        taken = self.ledger.take(rng)
        if taken is None:
            self.put(rng)
            return
        doc_id, _ = taken
        ok, _ = self.exchange("delete", "DELETE", f"/api/documents/{quote(doc_id, safe='')}")
        self.ledger.release(doc_id, "deleted" if ok else "kept" if ok is None else "unknown")

    def client(self, number: int) -> None:
        rng = random.Random(f"{self.seed}-{number}")
        while (slot := self.slots.take()) is not None:
            getattr(self, self.plan[slot])(rng)

    def run(self, threads: int) -> float:
        """Run the plan from ``threads`` client threads; the seconds it took."""
        started = time.monotonic()
        workers = [
            threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(threads)
        ]
        for worker in workers:
            worker.start()
        try:
            for worker in workers:
                worker.join()
        finally:
            self.slots.stop.set()  # on Ctrl-C: no new requests; daemons die with the process
        return time.monotonic() - started


# --- Consistency -----------------------------------------------------------------------------


def search_ids(api: Http, q: str) -> list[str]:
    response = api.send("GET", f"/api/search?{urlencode({'q': q, 'per_page': 100})}")
    if response.status != 200:
        raise ValueError(f"search {q!r}: status {response.status}")
    return [hit["id"] for hit in response.json()["results"]]


def check_present(api: Http, doc_id: str, written: Written) -> str | None:
    response = api.send("GET", f"/api/documents/{quote(doc_id, safe='')}")
    if response.status != 200:
        return f"{doc_id}: written, but GET answers {response.status}"
    stored = response.json()
    if stored["title"] != written.title or written.marker not in stored["body"]:
        return f"{doc_id}: GET answers another version than the last one written"
    found = search_ids(api, written.marker)
    if found != [doc_id]:
        return f"{doc_id}: searching its marker {written.marker} finds {found[:5]}"
    return None


def check_absent(api: Http, doc_id: str, written: Written) -> str | None:
    response = api.send("GET", f"/api/documents/{quote(doc_id, safe='')}")
    if response.status != 404:
        return f"{doc_id}: deleted, but GET answers {response.status}"
    found = search_ids(api, written.marker)
    if found:
        return f"{doc_id}: deleted, but its marker {written.marker} finds {found[:5]}"
    return None


def check_superseded(api: Http, doc_id: str, marker: str) -> str | None:
    found = search_ids(api, marker)
    if doc_id in found:
        return f"{doc_id}: replaced, but its old marker {marker} still finds it"
    return None


def consistency(api: Http, ledger: Ledger, documents_before: int, threads: int) -> dict:
    """Ask the server about every write the run made; retry failures for VISIBLE_WITHIN."""
    checks = [(check_present, doc_id, w) for doc_id, w in ledger.idle.items()]
    checks += [(check_absent, doc_id, w) for doc_id, w in ledger.deleted.items()]
    live = set(ledger.idle)
    checks += [(check_superseded, d, m) for d, m in ledger.superseded if d in live]
    checks = [c for c in checks if c[1] not in ledger.unknown]

    def run(check) -> str | None:
        function, doc_id, detail = check
        try:
            return function(api, doc_id, detail)
        except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError) as failure:
            return f"{doc_id}: {type(failure).__name__} {failure}"

    deadline = time.monotonic() + VISIBLE_WITHIN
    pending = checks
    with ThreadPoolExecutor(max_workers=threads) as pool:
        while True:
            outcomes = list(pool.map(run, pending))
            failed = [(c, o) for c, o in zip(pending, outcomes, strict=True) if o]
            if not failed or time.monotonic() > deadline:
                break
            time.sleep(0.2)
            pending = [c for c, _ in failed]
    expected = documents_before + len(ledger.idle)
    served = health(api).get("documents")
    problems = [outcome for _, outcome in failed]
    if not ledger.unknown and served != expected:
        problems.append(f"/healthz counts {served} documents, {expected} expected")
    return {
        "ok": not problems,
        "present": len(ledger.idle),
        "deleted": len(ledger.deleted),
        "replaced": len(ledger.superseded),
        "unknown": len(ledger.unknown),
        "documents_expected": expected,
        "documents_served": served,
        "failures": problems[:ERROR_SAMPLES],
        "failure_count": len(problems),
    }


# --- The server ------------------------------------------------------------------------------


def health(api: Http) -> dict:
    response = api.send("GET", "/healthz")
    return response.json() if response.status == 200 else {}


def server_command(folder: Path, port: int, workers: int) -> list[str]:
    script = Path(sys.executable).with_name("arabic-search")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "search"]
    options = ["--index", str(folder), "--host", HOST, "--port", str(port)]
    return [*program, "serve", *options, "--workers", str(workers)]


def start_server(folder: Path, workers: int, token: str, log: Path) -> tuple:
    """`arabic-search serve` on 127.0.0.1; returns the process and its client once healthy."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARABIC_SEARCH_")}
    env["ARABIC_SEARCH_ADMIN_TOKEN"] = token
    with open(log, "wb") as output:
        process = subprocess.Popen(
            server_command(folder, port, workers),
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    api = Http(port, token)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return process, None
        try:
            if health(api):
                return process, api
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(0.1)
    return process, None


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop) to the PID we started, SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Report ----------------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50, p95, p99 (nearest rank) and max, in ms."""
    ordered = sorted(values)

    def rank(p: float) -> float | None:
        if not ordered:
            return None
        return round(ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)], 2)

    top = round(ordered[-1], 2) if ordered else None
    return {"p50_ms": rank(50), "p95_ms": rank(95), "p99_ms": rank(99), "max_ms": top}


def report(load: Load, seconds: float, check: dict, setup: dict) -> dict:
    stats = load.stats
    requests = sum(stats.requests.values())
    kinds = {}
    for kind in KINDS:
        if stats.requests[kind]:
            kinds[kind] = {
                "requests": stats.requests[kind],
                "errors": stats.errors[kind],
                "busy": stats.busy[kind],
                **percentiles(stats.latencies[kind]),
            }
    everything = [ms for values in stats.latencies.values() for ms in values]
    return {
        "requests": requests,
        "planned": len(load.plan),
        "completed": requests == len(load.plan),
        "stopped_by_time_limit": load.slots.timed_out,
        "errors": sum(stats.errors.values()),
        "busy": sum(stats.busy.values()),
        "busy_gave_up": sum(stats.busy_gave_up.values()),
        "seconds": round(seconds, 2),
        "requests_per_s": round(requests / seconds, 1) if seconds else None,
        **percentiles(everything),
        "kinds": kinds,
        "statuses": dict(sorted(stats.statuses.items())),
        "error_samples": stats.samples,
        "consistency": check,
        "distinct_queries": len(load.queries),
        **setup,
    }


# --- Main ------------------------------------------------------------------------------------


def prepare_index(args, folder: Path) -> int:
    """Build the corpus into ``folder``, or copy --index there; the documents it holds."""
    if args.index:
        shutil.copytree(args.index, folder, symlinks=True)
    else:
        articles = (item for item in read_paths([args.corpus]) if isinstance(item, Article))
        report = index_articles(folder, articles)
        if not report.documents:
            raise SystemExit(f"load: no articles in {args.corpus}")
    with open_reader(folder) as reader:
        return reader.documents


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = ap.add_mutually_exclusive_group()
    source.add_argument("--corpus", type=Path, default=REPO / "seeds", help="seeds or .jsonl")
    source.add_argument("--index", type=Path, help="an index folder to copy and load")
    ap.add_argument("--requests", type=int, default=2000, help="HTTP requests in all")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds, then stop")
    ap.add_argument("--threads", type=int, default=4, help="client threads")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument("--write-share", type=float, default=0.15, help="writes among requests")
    ap.add_argument("--batch", type=int, default=3, help="documents per POST")
    ap.add_argument("--seed", type=int, default=1, help="for the plan and the queries")
    ap.add_argument("--workdir", type=Path, help="keep the index copy and server log here")
    args = ap.parse_args(argv)
    if args.requests < 1 or args.threads < 1 or args.workers < 1 or args.batch < 1:
        ap.error("--requests, --threads, --workers and --batch must be at least 1")
    if not 0 <= args.write_share <= 1 or args.time_limit <= 0:
        ap.error("--write-share is between 0 and 1, --time-limit above 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="arabic-search-load-"))
    folder, log = workdir / "index", workdir / "server.log"
    clean = False
    process = None
    try:
        if folder.exists():
            shutil.rmtree(folder)
        documents = prepare_index(args, folder)
        corpus = read_corpus(folder)
        token = secrets.token_urlsafe(24)
        process, api = start_server(folder, args.workers, token, log)
        if api is None:
            print(f"load: the server did not become healthy; see {log}", file=sys.stderr)
            return 2
        run = "".join(random.SystemRandom().choices(string.ascii_lowercase, k=6))
        load = Load(api, corpus, args, run)
        for _ in range(2 * args.workers):  # each worker opens its searcher before the clock
            api.send("GET", f"/api/search?{urlencode({'q': load.queries[-1]})}")
        print(
            f"load: {args.requests} requests, {args.threads} threads, {args.time_limit:g} s "
            f"at most, against {documents} documents on http://{HOST}:{api.port}",
            file=sys.stderr,
        )
        seconds = load.run(args.threads)
        check = consistency(api, load.ledger, documents, args.threads)
        setup = {
            "documents_before": documents,
            "threads": args.threads,
            "workers": args.workers,
            "write_share": args.write_share,
            "time_limit_s": args.time_limit,
            "seed": args.seed,
        }
        result = report(load, seconds, check, setup)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        clean = result["errors"] == 0 and check["ok"]
        return 0 if clean else 1
    finally:
        if process is not None:
            stop_server(process)
        if clean and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        elif not clean:
            print(f"load: index copy and server log kept in {workdir}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
