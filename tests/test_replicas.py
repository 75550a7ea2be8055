"""Read replicas across real network hosts (issue 19): one primary, two replicas and nginx,
each a network namespace, joined by veth pairs on the test's own addresses.

    client ── lb (nginx, deploy/nginx-replicas.conf) ─┬─ primary (gunicorn, rsync daemon)
                                                      ├─ replica1 (gunicorn, follower) ─┐
                                                      └─ replica2 (gunicorn, follower) ─┤
    each replica has its own link to the primary, for rsync ─────────────────────────── ┘

Loads are bounded (a fixed number of requests, a time limit) and go only to those addresses.
Each case prints its figures (run with ``-s`` to see them); no assertion is on a duration:
what must happen is waited for up to GIVE_UP seconds, then it is a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import statistics
import sys
import threading
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

from search.documents import read_paths
from search.store import index_articles, live_generation, read_build_info
from search.store.generations import file_crc

from .conftest import ROOT, write_seed_corpus
from .live_server import OPENER, environment, send
from .netns import Lab, kill_group
from .netns import missing as netns_missing
from .nginx_server import missing as nginx_missing
from .nginx_server import nginx_command, write_replicas_config
from .rsync_server import daemon_command, write_config
from .rsync_server import missing as rsync_missing

REASON = netns_missing() or rsync_missing() or nginx_missing()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

TOKEN = "replicas-test-token"
PORT = 8000  # every host's gunicorn, and nginx (each namespace has its own ports)
INTERVAL = 0.2  # seconds between a follower's looks at the primary
GIVE_UP = 20.0  # seconds within which what should happen must have happened
POLL = 0.01
WRITES = 20  # writes whose lag to the replicas is measured
# The read load's bounds, requests and seconds: the count must outlast a replica's restart
# even when answers are fast (repeated searches come from the workers' result caches).
LOAD_REQUESTS = 20_000
LOAD_SECONDS = 30.0
LOAD_THREADS = 6
HOSTS = ("client", "lb", "primary", "replica1", "replica2")
REPLICAS = ("replica1", "replica2")
WORDS = ["بلينكن", "كوريا", "الحرب", "اوستن", "غزة"]  # seed words the load searches for


def get(url: str, timeout: float = 5.0) -> tuple[int, dict]:
    """GET ``url`` (from the calling thread's host): status and JSON body, errors included."""
    try:
        with OPENER.open(url, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


@dataclass
class Cluster:
    lab: Lab
    folder: Path
    address: dict[str, str] = field(default_factory=dict)  # a host's address as lb sees it
    upstream: dict[str, str] = field(default_factory=dict)  # the primary, as each replica does
    processes: dict[str, object] = field(default_factory=dict)
    front: str = ""

    def __post_init__(self):
        self.client = self.lab.pool("client", LOAD_THREADS)  # the read loads
        self.control = self.lab.pool("client", 2)  # single requests through nginx
        self.lb = self.lab.pool("lb", 4)  # requests to one host, from nginx's host

    def url(self, host: str) -> str:
        return f"http://{self.address[host]}:{PORT}"

    def on(self, pool: ThreadPoolExecutor, function, *args):
        return pool.submit(function, *args).result()

    def health(self, host: str) -> dict:
        return self.on(self.lb, get, f"{self.url(host)}/healthz")[1]

    def total(self, host: str, q: str) -> int:
        status, body = self.on(self.lb, get, f"{self.url(host)}/api/search?{urlencode({'q': q})}")
        assert status == 200, body
        return body["total"]

    def write(self, doc_id: str, word: str) -> tuple[int, dict, dict]:
        """PUT a document through nginx, from the client host."""
        body = json.dumps({"title": f"خبر {word}", "body": f"نص الخبر عن {word}"}).encode()
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        url = f"{self.front}/api/documents/{doc_id}"
        return self.on(self.control, send, "PUT", url, body, headers)

    # -- the hosts' processes ------------------------------------------------------------

    def gunicorn(self, host: str, index: Path, workers: int, **env: str) -> None:
        command = [
            sys.executable, "-m", "gunicorn", "--config", "python:search.web.serving",
            "--bind", f"0.0.0.0:{PORT}", "--workers", str(workers), "search.web:create_app()",
        ]  # fmt: skip
        env = environment(
            ARABIC_SEARCH_INDEX_DIR=str(index), PYTHONUNBUFFERED="1", TMPDIR=str(self.folder), **env
        )
        log = self.folder / f"{host}.log"
        self.processes[host] = self.lab.run(host, command, log, cwd=ROOT, env=env)

    def rsyncd(self) -> None:
        config = write_config(self.folder / "rsyncd", self.folder / "primary-index", 873)
        self.processes["rsyncd"] = self.lab.run(
            "primary", daemon_command(config, "0.0.0.0"), self.folder / "rsyncd.out"
        )

    def follower(self, replica: str) -> None:
        command = [
            sys.executable, "-m", "search", "follow", f"rsync://{self.upstream[replica]}/index",
            "--index", str(self.folder / f"{replica}-index"), "--interval", str(INTERVAL),
            "--writes-to", self.url("primary"),
        ]  # fmt: skip
        env = environment(PYTHONUNBUFFERED="1")
        log = self.folder / f"follow-{replica}.log"
        self.processes[f"follow-{replica}"] = self.lab.run(replica, command, log, cwd=ROOT, env=env)

    def stop(self, name: str, sig: int = 9) -> None:
        kill_group(self.processes.pop(name), sig)

    def wait_healthy(self, host: str) -> float:
        """Seconds until ``host`` answers /healthz with 200."""
        started = time.monotonic()
        while self.on(self.lb, probe, f"{self.url(host)}/healthz") != 200:
            if time.monotonic() - started > GIVE_UP:
                log = (self.folder / f"{host}.log").read_text()[-3000:]
                pytest.fail(f"{host}: no healthy /healthz within {GIVE_UP} s:\n{log}")
            time.sleep(POLL * 5)
        return time.monotonic() - started

    def wait_caught_up(self, host: str) -> float:
        """Seconds until ``host`` serves the primary's newest commit."""
        started = time.monotonic()
        while True:
            primary = self.health("primary")
            mine = self.on(self.lb, probe_json, f"{self.url(host)}/healthz") or {}
            replica = mine.get("replica") or {}
            if (
                mine.get("documents") == primary["documents"]
                and replica.get("generation") == replica.get("primary_generation")
                and replica.get("commits_behind") == 0
                and mine.get("updated_at") == primary["updated_at"]
            ):
                return time.monotonic() - started
            if time.monotonic() - started > GIVE_UP:
                pytest.fail(f"{host} did not catch up within {GIVE_UP} s: {mine} vs {primary}")
            time.sleep(POLL * 5)


def probe(url: str) -> int | None:
    try:
        return get(url, timeout=2)[0]
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return None


def probe_json(url: str) -> dict | None:
    try:
        return get(url, timeout=2)[1]
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return None


@pytest.fixture(scope="module")
def cluster(seed_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("replicas")
    lab = Lab(f"as19-{os.getpid()}")
    try:
        for host in HOSTS:
            lab.add_host(host)
        _, front = lab.connect("client", "lb")
        hosts = Cluster(lab, folder)
        for host in ("primary", *REPLICAS):
            _, hosts.address[host] = lab.connect("lb", host)
        for replica in REPLICAS:
            hosts.upstream[replica], _ = lab.connect("primary", replica)
        shutil.copytree(seed_index, folder / "primary-index")
        hosts.gunicorn("primary", folder / "primary-index", 1, ARABIC_SEARCH_ADMIN_TOKEN=TOKEN)
        hosts.rsyncd()
        for replica in REPLICAS:
            hosts.follower(replica)
            hosts.gunicorn(replica, folder / f"{replica}-index", 2)
        config = write_replicas_config(folder / "nginx", f"{front}:{PORT}", hosts.address)
        hosts.processes["nginx"] = lab.run("lb", nginx_command(config), folder / "nginx.log")
        hosts.front = f"http://{front}:{PORT}"
        for host in ("primary", *REPLICAS):
            hosts.wait_healthy(host)
        yield hosts
    finally:
        lab.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def test_a_write_is_searchable_through_nginx_on_every_replica(cluster):
    lags, acks = [], []
    for n in range(WRITES):
        word = f"tracer{n}q{os.getpid()}"
        started = time.monotonic()
        status, _, body = cluster.write(f"lag-{n}", word)
        acked = time.monotonic()
        assert status == 201, body
        pending = set(REPLICAS)
        while pending:
            pending = {host for host in pending if cluster.total(host, word) == 0}
            if time.monotonic() - acked > GIVE_UP:
                pytest.fail(f"lag-{n} not searchable on {pending} within {GIVE_UP} s")
            time.sleep(POLL)
        lags.append(time.monotonic() - acked)
        acks.append(acked - started)
        status, hits = cluster.on(cluster.control, get, f"{cluster.front}/api/search?q={word}")
        assert (status, hits["total"]) == (200, 1)
    print(
        f"\nwrite -> searchable on both replicas, {WRITES} writes through nginx "
        f"(follow --interval {INTERVAL}): p50 {statistics.median(lags):.3f} s, "
        f"p99 {percentile(lags, 0.99):.3f} s, max {max(lags):.3f} s; "
        f"the write's own answer p50 {statistics.median(acks):.3f} s"
    )


class ReadLoad:
    """Searches and document lookups through nginx from the client host, bounded by a
    request count and a time limit; every answer that is not a 200 is a failure."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.done = self.failed = 0
        self.failures: list[str] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list = []

    def __enter__(self) -> ReadLoad:
        deadline = time.monotonic() + LOAD_SECONDS
        self._threads = [
            self.cluster.client.submit(self._run, deadline, n) for n in range(LOAD_THREADS)
        ]
        return self

    def _run(self, deadline: float, seed: int) -> None:
        chooser = random.Random(seed)
        while not self.stop.is_set() and time.monotonic() < deadline:
            with self._lock:
                if self.done >= LOAD_REQUESTS:
                    return
                self.done += 1
            if chooser.random() < 0.8:
                url = f"{self.cluster.front}/api/search?{urlencode({'q': chooser.choice(WORDS)})}"
            else:
                url = f"{self.cluster.front}/api/documents/lag-{chooser.randrange(WRITES)}"
            try:
                status, _ = get(url)
                problem = None if status == 200 else f"{status} on {url}"
            except Exception as error:  # a dropped connection counts as a failed request
                problem = f"{type(error).__name__}: {error} on {url}"
            if problem:
                with self._lock:
                    self.failed += 1
                    self.failures.append(problem)

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.result()


def searches_logged_after(log: Path, since: float) -> list[float]:
    """Times (epoch) of the searches a replica's access log holds from ``since`` on."""
    import datetime as dt

    times = []
    for line in log.read_text().splitlines():
        if line.startswith("{") and '"path": "/api/search"' in line:
            moment = dt.datetime.fromisoformat(json.loads(line)["time"]).timestamp()
            if moment >= since:
                times.append(moment)
    return times


def test_a_replica_killed_under_load_loses_no_request(cluster):
    """kill -9 of replica1 (its gunicorn and its follower) during a read load, writes while
    it is down, then a restart: nginx retries on the other replica, and replica1 catches up
    and takes its share again."""
    with ReadLoad(cluster) as load:
        time.sleep(1.0)
        cluster.stop("replica1")
        cluster.stop("follow-replica1")
        killed_at = load.done
        for n in range(3):
            assert cluster.write(f"while-down-{n}", f"absent{n}")[0] == 201
        time.sleep(1.0)
        restarted, restarted_epoch = time.monotonic(), time.time()
        cluster.follower("replica1")
        cluster.gunicorn("replica1", cluster.folder / "replica1-index", 2)
        healthy = cluster.wait_healthy("replica1")
        caught_up = healthy + cluster.wait_caught_up("replica1")
        log = cluster.folder / "replica1.log"
        while not searches_logged_after(log, restarted_epoch):
            if time.monotonic() - restarted > GIVE_UP:
                pytest.fail("nginx sent no search to the restarted replica1")
            if load.done >= LOAD_REQUESTS:  # the load ended first: searches of our own
                get(f"{cluster.front}/api/search?{urlencode({'q': WORDS[0]})}")
            time.sleep(POLL * 5)
        serving = searches_logged_after(log, restarted_epoch)[0] - restarted_epoch
        time.sleep(1.0)
    assert load.failed == 0, load.failures[:5]
    assert cluster.total("replica1", "absent2") == 1
    print(
        f"\nkill -9 of replica1 after {killed_at} of {load.done} reads (nginx, "
        f"{LOAD_THREADS} clients): {load.failed} failed; after the restart it answered "
        f"/healthz in {healthy:.2f} s, had caught up with 3 writes made while down in "
        f"{caught_up:.2f} s, and took searches from nginx again after {serving:.2f} s"
    )


def test_with_the_primary_stopped_reads_go_on_and_writes_are_a_503(cluster):
    before = cluster.health("primary")["documents"]
    cluster.stop("primary", sig=15)  # gunicorn's graceful stop, and the host's rsync daemon
    cluster.stop("rsyncd", sig=15)
    statuses = [
        cluster.on(cluster.control, get, f"{cluster.front}/api/search?{urlencode({'q': word})}")[0]
        for word in WORDS * 10
    ]
    assert statuses == [200] * len(statuses)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    body = json.dumps({"title": "عنوان", "body": "نص"}).encode()
    for method, path in (
        ("PUT", "/api/documents/lost-1"),
        ("POST", "/api/documents"),
        ("DELETE", "/api/documents/lag-0"),
    ):
        payload = None if method == "DELETE" else body
        if method == "POST":
            payload = json.dumps([{"id": "lost-2", "title": "عنوان", "body": "نص"}]).encode()
        status, answer_headers, answer = cluster.on(
            cluster.client, send, method, f"{cluster.front}{path}", payload, headers
        )
        assert status == 503, (method, answer)
        assert answer["error"]["code"] == "primary_unavailable"
        assert answer["error"]["docs"] == "README.md#errors"
        assert answer_headers["Retry-After"] == "5"
    deadline = time.monotonic() + GIVE_UP
    while "cannot reach" not in (cluster.health("replica2")["replica"]["error"] or ""):
        assert time.monotonic() < deadline, cluster.health("replica2")
        time.sleep(POLL * 5)
    lag = cluster.health("replica2")["replica"]
    down_for = time.monotonic()
    cluster.gunicorn(
        "primary", cluster.folder / "primary-index", 1, ARABIC_SEARCH_ADMIN_TOKEN=TOKEN
    )
    cluster.rsyncd()
    cluster.wait_healthy("primary")
    assert cluster.health("primary")["documents"] == before  # nothing lost
    assert cluster.total("primary", "tracer0q" + str(os.getpid())) == 1
    assert cluster.write("after-return", "returned")[0] == 201
    caught_up = max(cluster.wait_caught_up(host) for host in REPLICAS)
    assert cluster.total("replica1", "returned") == 1
    print(
        f"\nprimary stopped: {len(statuses)} reads through nginx all 200, 3 writes 503 "
        f"primary_unavailable; replica2 said {lag['error']!r}, {lag['seconds_behind']} s "
        f"behind; restarted primary kept its {before} documents and serves in "
        f"{time.monotonic() - down_for:.2f} s; a new write reached both replicas "
        f"{caught_up:.2f} s after it was sent"
    )


def test_a_replica_cut_off_serves_its_last_commit_and_catches_up(cluster):
    before = cluster.health("replica2")
    cluster.lab.set_link("primary", "replica2", up=False)
    try:
        for n in range(5):
            assert cluster.write(f"cut-{n}", f"partitioned{n}")[0] == 201
        cluster.wait_caught_up("replica1")
        deadline = time.monotonic() + GIVE_UP
        while not cluster.health("replica2")["replica"]["error"]:  # a copy under way times out
            assert time.monotonic() < deadline, cluster.health("replica2")
            time.sleep(POLL * 5)
        during = cluster.health("replica2")
        assert during["status"] == "ok" and during["documents"] == before["documents"]
        assert during["replica"]["generation"] == before["replica"]["generation"]
        assert during["replica"]["error"]
        assert cluster.total("replica2", "partitioned4") == 0
        assert cluster.total("replica2", "بلينكن") == 2  # still answering, from its copy
    finally:
        cluster.lab.set_link("primary", "replica2", up=True)
    caught_up = cluster.wait_caught_up("replica2")
    assert cluster.total("replica2", "partitioned4") == 1
    print(
        f"\nreplica2's link to the primary cut during 5 writes: it kept serving "
        f"{during['documents']} documents of {during['replica']['generation']}, reported "
        f"{during['replica']['seconds_behind']} s behind ({during['replica']['error']!r}); "
        f"caught up {caught_up:.2f} s after the link came back"
    )


def verify_copy(folder: Path) -> None:
    """The replica's live commit: every file its record lists, of that size and CRC."""
    live = live_generation(folder)
    for name, (size, crc) in read_build_info(folder)["files"].items():
        assert (live / name).stat().st_size == size and file_crc(live / name) == crc, name


def copying(follower: int) -> list[int]:
    """The follower's rsync processes copying a commit's files (not fetching its pointers)."""
    try:
        children = Path(f"/proc/{follower}/task/{follower}/children").read_text().split()
    except FileNotFoundError:
        return []
    found = []
    for child in children:
        try:
            if b"--files-from" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(int(child))
        except (FileNotFoundError, ProcessLookupError):  # it has just ended (ESRCH: exiting)
            pass
    return found


KILLS = 6
QUERY = urlencode({"q": "بلينكن"})


def test_rsync_killed_mid_copy_never_serves_a_partial_commit(cluster, tmp_path):
    old = cluster.health("replica1")["documents"]
    old_total = cluster.total("replica1", "بلينكن")
    corpus = tmp_path / "big.jsonl"
    write_seed_corpus(corpus, 200, "big")
    cluster.lab.shape("primary", "replica1", "6mbit")  # the copy takes seconds
    answers: dict[tuple, int] = {}
    errors: list[str] = []
    stop = threading.Event()

    def check() -> None:
        while not stop.is_set():
            try:
                status, health = get(f"{cluster.url('replica1')}/healthz")
                status2, hits = get(f"{cluster.url('replica1')}/api/search?{QUERY}")
            except Exception as error:
                errors.append(repr(error))
                continue
            if status != 200 or status2 != 200:
                errors.append(f"{status} {status2}")
                continue
            for seen in (("documents", health["documents"]), ("total", hits["total"])):
                answers[seen] = answers.get(seen, 0) + 1

    checkers = [cluster.lb.submit(check) for _ in range(2)]
    kills = 0
    try:
        index_articles(
            cluster.folder / "primary-index", read_paths([corpus]), rebuild=True, procs=1
        )
        new = read_build_info(cluster.folder / "primary-index")["documents"]
        follower = cluster.processes["follow-replica1"].pid
        chooser = random.Random(19)
        deadline = time.monotonic() + GIVE_UP
        while kills < KILLS and time.monotonic() < deadline:
            running = copying(follower)
            if not running:
                time.sleep(POLL)
                continue
            time.sleep(chooser.uniform(0.1, 0.6))  # somewhere in the copy of the segment
            for child in running:  # rsync and the receiver it forked: its process group
                with contextlib.suppress(ProcessLookupError):  # it may just have ended
                    os.killpg(child, signal.SIGKILL)
                    kills += 1
            verify_copy(cluster.folder / "replica1-index")
        cluster.lab.shape("primary", "replica1", None)
        caught_up = cluster.wait_caught_up("replica1")
        time.sleep(0.3)
    finally:
        stop.set()
        for checker in checkers:
            checker.result()
        cluster.lab.shape("primary", "replica1", None)
    verify_copy(cluster.folder / "replica1-index")
    assert errors == []
    assert kills == KILLS  # each landed in a copy under way
    new_total = cluster.total("primary", "بلينكن")
    complete = {("documents", old), ("documents", new), ("total", old_total), ("total", new_total)}
    assert set(answers) <= complete, answers  # the old commit's figures or the new one's
    olds = answers.get(("documents", old), 0) + answers.get(("total", old_total), 0)
    print(
        f"\nrsync (and the receiver it forks) killed {kills} times mid-copy while replica1 "
        f"copied a rebuild ({new} documents) over a 6 Mbit/s link: {sum(answers.values())} "
        f"answers, each the old commit's ({olds}) or the new one's "
        f"({sum(answers.values()) - olds}), 0 errors; caught up {caught_up:.2f} s after "
        "the last kill"
    )
