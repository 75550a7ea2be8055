"""Issue 14's hostile probes against a served index: seconds, worker memory, and /healthz.

usage:
    probes.py INDEX [--front gunicorn|nginx] [--worker-class gthread --threads 4]
                    [--only suggest,zeros,prefix,long,big,limits,worst,tags,slow]
                    [--slow-clients 2 8 32]

Copies INDEX to a temporary folder (the probes write to it), serves the copy with the deployed
command line (gunicorn -c python:search.web.serving, 2 workers, a throwaway admin token) on a
free 127.0.0.1 port, optionally behind nginx with deploy/nginx.conf, and runs each probe once:

    suggest-N    one unknown word of N random Arabic letters (did-you-mean)
    zeros        a query of 1,000 zeros
    prefix-N     ال* repeated N times; `prefix-pair` sends two ×120 at once while /healthz
                 is probed
    long-query   a 680-letter query (the request line)
    big-doc      PUT a 9.7 MB document, then a search that matches it and its article page
    tags         PUT a document with 200,000 tags, then four small writes
    limits       documents as large as the limits allow: one of 100,000 characters (PUT,
                 search, article page), batches of them, then a page of 100 such hits
    worst        the costliest queries found: a word repeated 125 times, 150 frequent words,
                 a long phrase, explain=true on 100 hits, the deepest page, date sort, 180
                 exclusions, an OR chain, the search page with facets
    slow-N       N connections trickling their headers a byte a second while /healthz is
                 probed every second for 14 s

For each probe it prints one JSON line: status, seconds, response bytes, the largest worker
RSS growth over its steady state (MB, from /proc), and for the concurrent ones how many
/healthz probes failed. Every server it starts is stopped by its PID. Traffic goes to
127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOKEN = "probe-token"
ARABIC = "ءابتثجحخدذرزسشصضطظعغفقكلمنهوي"
TIMEOUT = 40.0  # seconds one probe request may take before it counts as failed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port: int, method: str, path: str, body: bytes | None = None, timeout=TIMEOUT):
    """One request: (status, seconds, body bytes, headers); status 0 when it failed."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, time.perf_counter() - started, data, dict(response.getheaders())
    except (OSError, http.client.HTTPException) as error:
        return 0, time.perf_counter() - started, str(error).encode(), {}
    finally:
        connection.close()


def search_path(q: str) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": q})


def worker_pids(master: int) -> list[int]:
    pids = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children = (task / "children").read_text().split()
        pids += [int(pid) for pid in children]
    return pids


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Server:
    """gunicorn on a copy of the index, optionally behind nginx; stopped by PID."""

    def __init__(self, index: Path, front: str, worker_class: str, threads: int):
        self.work = Path(tempfile.mkdtemp(prefix="probes-"))
        self.index = self.work / "index"
        shutil.copytree(index, self.index)
        self.gunicorn_port = free_port()
        self.port = self.gunicorn_port
        env = os.environ | {
            "ARABIC_SEARCH_INDEX_DIR": str(self.index),
            "ARABIC_SEARCH_ADMIN_TOKEN": TOKEN,
            "ARABIC_SEARCH_LOG_JSON": "false",
        }
        command = [sys.executable, "-m", "gunicorn", "--config", "python:search.web.serving"]
        command += ["--bind", f"127.0.0.1:{self.gunicorn_port}", "--workers", "2"]
        if worker_class != "default":  # else search.web.serving's own
            command += ["--worker-class", worker_class, "--threads", str(threads)]
        command += ["search.web:create_app()"]
        self.log = (self.work / "gunicorn.log").open("wb")
        self.gunicorn = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=self.log
        )
        self.nginx = None
        if front == "nginx":
            sys.path.insert(0, str(REPO))
            from tests.nginx_server import nginx_command, write_config

            self.port = free_port()
            config = write_config(self.work / "nginx", self.port, self.gunicorn_port)
            self.nginx = subprocess.Popen(nginx_command(config), stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                break
            time.sleep(0.2)
        else:
            self.stop()
            raise SystemExit(f"no healthy server; see {self.work / 'gunicorn.log'}")

    def workers(self) -> dict[int, float]:
        return {pid: rss_mb(pid) for pid in worker_pids(self.gunicorn.pid)}

    def stop(self) -> None:
        for process in (self.nginx, self.gunicorn):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.log.close()
        shutil.rmtree(self.work, ignore_errors=True)


class Health:
    """/healthz every second, with a 1 s timeout, while a probe runs (at most ``limit`` s)."""

    def __init__(self, port: int, limit: float = 60.0):
        self.port, self.limit = port, limit
        self.results: list[int] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        deadline = time.monotonic() + self.limit
        while not self._done.is_set() and time.monotonic() < deadline:
            self.results.append(request(self.port, "GET", "/healthz", timeout=1.0)[0])
            self._done.wait(1.0)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()

    def summary(self) -> dict:
        failed = sum(1 for status in self.results if status != 200)
        return {"healthz_failed": failed, "healthz_probes": len(self.results)}


def warm(server: Server) -> None:
    """Searches until every worker has opened the index (a fresh worker after a recycle or
    a timeout would otherwise count its start-up as the probe's memory)."""
    for _ in range(40):
        sizes = list(server.workers().values())
        if sizes and min(sizes) > 0.6 * max(sizes):
            return
        request(server.port, "GET", search_path("الحكومة"))


def measured(server: Server, name: str, run) -> dict:
    warm(server)
    before = server.workers()
    peak = dict(before)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            for pid, mb in server.workers().items():
                peak[pid] = max(peak.get(pid, 0.0), mb)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        figures = run()
    finally:
        stop.set()
        sampler.join()
    growth = max((mb - before.get(pid, mb) for pid, mb in peak.items()), default=0.0)
    after = server.workers()
    kept = max((mb - before.get(pid, mb) for pid, mb in after.items()), default=0.0)
    line = {"probe": name, **figures, "rss_growth_mb": round(growth, 1)}
    line["rss_kept_mb"] = round(kept, 1)
    line["workers_replaced"] = len(set(after) - set(before))
    print(json.dumps(line, ensure_ascii=False), flush=True)
    return line


def one(server: Server, method: str, path: str, body: bytes | None = None) -> dict:
    status, seconds, data, headers = request(server.port, method, path, body)
    figures = {"status": status, "seconds": round(seconds, 2), "bytes": len(data)}
    figures["type"] = headers.get("Content-Type", "")
    if status >= 400 or status == 0:
        figures["answer"] = data[:160].decode("utf-8", "replace")
    return figures


def probe_suggest(server: Server, letters: int) -> None:
    rng = random.Random(letters)
    word = "".join(rng.choice(ARABIC) for _ in range(letters))
    measured(server, f"suggest-{letters}", lambda: one(server, "GET", search_path(word)))


def probe_prefix(server: Server, count: int) -> None:
    q = " ".join(["ال*"] * count)
    measured(server, f"prefix-{count}", lambda: one(server, "GET", search_path(q)))


# Ten different broad prefixes: as many as a query may hold, each reading thousands of words.
BROAD_PREFIXES = "الم* الت* الع* الس* الب* الح* الق* الد* الن* الج*"


def probe_prefix_distinct(server: Server) -> None:
    path = search_path(BROAD_PREFIXES)
    measured(server, "prefix-10-distinct", lambda: one(server, "GET", path))
    path = search_path(" ".join(BROAD_PREFIXES.split()[:4]))
    measured(server, "prefix-4-distinct", lambda: one(server, "GET", path))


def probe_prefix_pair(server: Server) -> None:
    q = " ".join(["ال*"] * 120)

    def run():
        results = []
        with Health(server.port) as health:
            threads = [
                threading.Thread(target=lambda: results.append(one(server, "GET", search_path(q))))
                for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        worst = max(results, key=lambda r: r["seconds"])
        return {**worst, **health.summary()}

    measured(server, "prefix-pair", run)


def probe_big_doc(server: Server) -> None:
    rng = random.Random(9)
    words, size = [], 0
    while size < 9_700_000:  # distinct made-up words, the probe's word every 40th
        word = "زنجبيلي" if len(words) % 40 == 0 else "".join(rng.choices(ARABIC, k=6))
        words.append(word)
        size += len(word.encode()) + 1
    body = " ".join(words)
    document = json.dumps({"title": "وثيقة ضخمة", "body": body}, ensure_ascii=False).encode()
    measured(server, "big-doc-put", lambda: one(server, "PUT", "/api/documents/big", document))
    measured(server, "big-doc-search", lambda: one(server, "GET", search_path("زنجبيلي")))
    page = "/articles/big?" + urllib.parse.urlencode({"q": "زنجبيلي"})
    measured(server, "big-doc-page", lambda: one(server, "GET", page))


def limit_body(seed: int, chars: int = 100_000) -> str:
    """A body at the document limit: made-up words, the probe's word every 40th."""
    rng = random.Random(seed)
    words, size = [], 0
    while size < chars - 8:
        word = "زنجبيلي" if len(words) % 40 == 0 else "".join(rng.choices(ARABIC, k=6))
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:chars]


def probe_at_limits(server: Server) -> None:
    """Documents as large as the limits allow: one, then 100 of them on one page of hits."""
    document = json.dumps({"title": "وثيقة", "body": limit_body(0)}, ensure_ascii=False).encode()
    measured(server, "limit-doc-put", lambda: one(server, "PUT", "/api/documents/limit", document))
    measured(server, "limit-doc-search", lambda: one(server, "GET", search_path("زنجبيلي")))
    page = "/articles/limit?" + urllib.parse.urlencode({"q": "زنجبيلي"})
    measured(server, "limit-doc-page", lambda: one(server, "GET", page))

    def batches():
        results = []
        for start in range(1, 100, 33):  # 33 documents of 100,000 letters: under 10 MB
            rows = [
                {"id": f"limit-{i}", "title": f"وثيقة {i}", "body": limit_body(i)}
                for i in range(start, min(start + 33, 100))
            ]
            body = json.dumps(rows, ensure_ascii=False).encode()
            results.append(one(server, "POST", "/api/documents", body))
        return max(results, key=lambda r: r["seconds"])

    measured(server, "limit-batch-post", batches)
    query = "/api/search?" + urllib.parse.urlencode({"q": "زنجبيلي", "per_page": 100})
    measured(server, "limit-100-hits", lambda: one(server, "GET", query))


COMMON = (  # frequent words of the news corpus, 51 of them
    "الحكومة الرئيس وزير قال العام مصر السعودية الأمم المتحدة الولايات الأمريكية "
    "العراق سوريا لبنان الأردن الشرطة الجيش الاقتصاد النفط الانتخابات البرلمان "
    "المجلس الدولة الشعب الحرب السلام المفاوضات الاتفاق القوات المدينة العاصمة "
    "الخارجية الداخلية المالية الصحة التعليم الجامعة المدارس الطلاب الأطفال النساء "
    "المواطنين اللاجئين المعارضة النظام الثورة الأزمة القضية المحكمة القانون الدستور"
)
WORST = {
    "repeated-word-125": {"q": " ".join(["الحكومة"] * 125)},
    "distinct-words": {"q": " ".join(COMMON.split() * 3)[:1000]},
    "long-phrase": {"q": '"' + " ".join(["الحكومة", "الرئيس", "وزير", "قال"] * 40)[:990] + '"'},
    "explain-100": {"q": "الحكومة الرئيس", "per_page": 100, "explain": "true"},
    "deepest-page": {"q": "الحكومة", "page": 100, "per_page": 100},
    "date-sort": {"q": "الحكومة OR الرئيس OR وزير", "sort": "date", "per_page": 100},
    "negations": {
        "q": "الحكومة " + " ".join(f"-{w}" for w in ["الرئيس", "وزير", "قال"] * 60)[:980]
    },
    "or-chain": {"q": " OR ".join(["الحكومة", "الرئيس", "وزير", "قال", "مصر"] * 40)[:1000]},
}


def probe_worst(server: Server) -> None:
    for name, params in WORST.items():
        path = "/api/search?" + urllib.parse.urlencode(params)
        measured(server, name, lambda path=path: one(server, "GET", path))
    pages = "/?" + urllib.parse.urlencode({"q": "الحكومة", "source": "x", "year": "2015"})
    measured(server, "page-with-facets", lambda: one(server, "GET", pages))


def probe_tags(server: Server) -> None:
    tags = [f"وسم{i}" for i in range(200_000)]
    document = json.dumps({"title": "وسوم", "body": "نص قصير", "tags": tags}).encode()
    measured(server, "tags-put", lambda: one(server, "PUT", "/api/documents/tags", document))

    def writes():
        times = []
        statuses = []
        for i in range(4):
            small = json.dumps({"title": "صغير", "body": f"نص {i}"}).encode()
            status, seconds, _, _ = request(server.port, "PUT", f"/api/documents/small-{i}", small)
            times.append(round(seconds, 2))
            statuses.append(status)
        return {"status": statuses, "seconds": max(times), "each": times}

    measured(server, "tags-then-writes", writes)


def probe_long_query(server: Server) -> None:
    q = "".join(random.Random(680).choice(ARABIC) for _ in range(680))
    measured(server, "long-query-680", lambda: one(server, "GET", search_path(q)))
    q = " ".join(["كلمة"] * 200)[:1000]
    measured(server, "long-query-1000", lambda: one(server, "GET", search_path(q)))


def probe_slow(server: Server, clients: int, seconds: float = 14.0) -> None:
    def run():
        sockets = []
        with Health(server.port, limit=seconds) as health:
            for _ in range(clients):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                sockets.append(sock)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:  # one header byte a second on each
                for sock in sockets:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"X")
                time.sleep(1.0)
            for sock in sockets:
                sock.close()
        return health.summary()

    measured(server, f"slow-{clients}", run)


PROBES = ("suggest", "zeros", "prefix", "long", "big", "limits", "worst", "tags", "slow")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--front", choices=("gunicorn", "nginx"), default="gunicorn")
    parser.add_argument("--worker-class", default="default")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", default=",".join(PROBES))
    parser.add_argument("--slow-clients", type=int, nargs="+", default=[2, 8, 32])
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    server = Server(args.index, args.front, args.worker_class, args.threads)
    try:
        print(
            json.dumps(
                {
                    "server": args.front,
                    "worker_class": args.worker_class,
                    "threads": args.threads,
                    "workers": server.workers(),
                }
            ),
            flush=True,
        )
        if "suggest" in chosen:
            for letters in (160, 320, 400):
                probe_suggest(server, letters)
        if "zeros" in chosen:
            measured(server, "zeros-1000", lambda: one(server, "GET", search_path("0" * 1000)))
        if "prefix" in chosen:
            for count in (60, 120):
                probe_prefix(server, count)
            probe_prefix_pair(server)
            probe_prefix_distinct(server)
        if "long" in chosen:
            probe_long_query(server)
        if "big" in chosen:
            probe_big_doc(server)
        if "limits" in chosen:
            probe_at_limits(server)
        if "worst" in chosen:
            probe_worst(server)
        if "tags" in chosen:
            probe_tags(server)
        if "slow" in chosen:
            for clients in args.slow_clients:
                probe_slow(server, clients)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
