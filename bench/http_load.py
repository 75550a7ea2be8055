"""Requests/s and latency of `arabic-search serve` under a bounded load on loopback.

usage:
    http_load.py INDEX --corpus CORPUS [--queries N] [--connections 8 [32 ...]]
                 [--duration 30] [--threads 2] [--workers 2] [--workdir DIR]
    http_load.py INDEX --queries-file QUERIES.txt [...]

Starts `arabic-search serve --workers W` on 127.0.0.1 (a free port), waits for /healthz, warms
each worker up, then runs `wrk` (Debian package `wrk`) once per connection count for a fixed
duration against GET /api/search: the whole API path, facets and snippets included. Queries
come from a file or are drawn from the corpus by the harness's make_queries.py (a .jsonl
corpus, or a folder of seed .txt articles, converted with its seeds_to_jsonl.py). Each run gets
its own slice of distinct queries, and each wrk thread its own part of the slice, so no query
repeats inside a run while the slice lasts (`repeats` counts requests beyond it). The server
is stopped by its PID after the runs. Prints one JSON line per run, then one with all runs;
each run reports, besides wrk's figures, the workers' memory and the CPU they spent on a
request (their /proc CPU time over the run, divided by the requests served).

Latencies are wrk's per-request service times in a closed loop (no coordinated-omission
correction); wrk shares the machine's cores with the server, as in ../shared/bench/http.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WARMUP_SECONDS = 3
WARMUP_QUERIES = 200  # reserved for the warm-up, never reused in a timed run
STARTUP_TIMEOUT = 60.0  # seconds for gunicorn to answer /healthz

# Each thread reads its own share of the path file (lines i with i % threads == its number),
# so threads never send the same query; `wrapped` counts passes beyond the end of the share.
LUA = r"""
local threads = {}
local count = 0
setup = function(thread)
  thread:set("number", count)
  count = count + 1
  table.insert(threads, thread)
end
init = function(args)
  local file, total = args[1], tonumber(args[2])
  paths = {}
  local line_number = 0
  for line in io.lines(file) do
    if line_number % total == number then
      table.insert(paths, line)
    end
    line_number = line_number + 1
  end
  sent = 0
end
request = function()
  sent = sent + 1
  return wrk.format("GET", paths[((sent - 1) % #paths) + 1])
end
done = function(summary, latency, requests)
  local sent_total, share_total, repeats = 0, 0, 0
  for _, thread in ipairs(threads) do
    local sent, share = thread:get("sent"), #thread:get("paths")
    sent_total = sent_total + sent
    share_total = share_total + share
    repeats = repeats + math.max(sent - share, 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_s": %.3f, "requests_per_s": %.1f, "bytes": %d, ' ..
    '"sent": %d, "distinct_queries": %d, "repeats": %d, "errors_connect": %d, ' ..
    '"errors_read": %d, "errors_write": %d, "errors_status": %d, "errors_timeout": %d, ' ..
    '"latency_mean_ms": %.3f, "latency_p50_ms": %.3f, "latency_p90_ms": %.3f, ' ..
    '"latency_p99_ms": %.3f, "latency_max_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    summary.bytes, sent_total, share_total, repeats,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def read_queries(path: Path) -> list[str]:
    """Distinct non-empty lines, in order."""
    lines = (line.strip() for line in path.read_text("utf-8").splitlines())
    return list(dict.fromkeys(line for line in lines if line))


def draw_queries(corpus: Path, n: int, workdir: Path) -> list[str]:
    """N distinct queries drawn from the corpus by the harness's make_queries.py."""
    from peer_runner import bench_dir  # only this path needs ../shared/bench

    harness = bench_dir()
    if corpus.is_dir():  # seed .txt articles
        converted = workdir / "corpus.jsonl"
        subprocess.run(
            [sys.executable, str(harness / "seeds_to_jsonl.py"), str(corpus), str(converted)],
            check=True,
            stderr=subprocess.DEVNULL,
        )
        corpus = converted
    out = workdir / "queries.txt"
    with open(out, "w", encoding="utf-8") as handle:
        subprocess.run(
            [sys.executable, str(harness / "make_queries.py"), str(corpus), str(n)],
            check=True,
            stdout=handle,
        )
    return read_queries(out)


def write_paths(queries: list[str], path: Path) -> None:
    lines = [f"/api/search?q={urllib.parse.quote(q, safe='')}\n" for q in queries]
    path.write_text("".join(lines), "utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 10.0) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def worker_memory_mb(master: int) -> list[dict[str, float]]:
    """Memory of each gunicorn worker (the master's children), in MB.

    ``rss`` counts the pages of the memory-mapped index a worker has touched, which the
    workers share with each other and the page cache; ``private`` (Private_Clean +
    Private_Dirty of /proc/PID/smaps_rollup) is what the worker holds alone, pages of the
    map only it has touched included; ``heap`` (Anonymous) is its own memory, the part that
    is not the index's files; ``pss`` shares each page among the processes that map it.
    """
    found = []
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        try:
            rollup = Path(f"/proc/{child}/smaps_rollup").read_text()
        except OSError:
            continue
        kb = {}
        for line in rollup.splitlines()[1:]:
            name, _, rest = line.partition(":")
            if rest.strip().endswith("kB"):
                kb[name] = int(rest.split()[0])
        private = kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)
        rss = kb.get("Rss", 0)
        found.append(
            {
                "rss": round(rss / 1024, 1),
                "private": round(private / 1024, 1),
                "heap": round(kb.get("Anonymous", 0) / 1024, 1),
                "pss": round(kb.get("Pss", 0) / 1024, 1),
            }
        )
    return found


def worker_cpu_seconds(master: int) -> dict[int, float]:
    """CPU time (user + system) each gunicorn worker has used so far, by process id: the
    run's CPU a request is the growth over the run divided by the requests served (a
    worker replaced during the run takes its share with it, so its pid is left out)."""
    found = {}
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return found
    ticks = os.sysconf("SC_CLK_TCK")
    for child in children:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        found[int(child)] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return found


def cpu_ms_per_request(before: dict[int, float], after: dict[int, float], requests: int):
    """Worker CPU a request over a run, in ms; None when a worker was replaced meanwhile."""
    if not requests or set(before) != set(after):
        return None
    return round(1000 * sum(after[pid] - before[pid] for pid in after) / requests, 2)


class Server:
    """`arabic-search serve` on 127.0.0.1 as a child process, stopped by its PID."""

    def __init__(self, index: Path, workers: int, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            str(Path(sys.executable).with_name("arabic-search")),
            "serve",
            "--index",
            str(index),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        self.log = open(log, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> dict:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"http_load: the server exited; see {self.log.name}")
            try:
                status, body = get_json(f"{self.base}/healthz", timeout=2)
                if status == 200:
                    return body
            except (OSError, ValueError):
                pass
            time.sleep(0.3)
        raise SystemExit(f"http_load: no answer on {self.base} in {STARTUP_TIMEOUT:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn stops its workers gracefully
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def run_wrk(base: str, script: Path, paths: Path, threads: int, connections: int, seconds: int):
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base,
        "--",
        str(paths),
        str(threads),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON ") :])
    raise SystemExit(f"http_load: wrk gave no summary:\n{done.stdout}\n{done.stderr}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index", type=Path, help="index folder (as for arabic-search serve)")
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", type=Path, help="docs.jsonl or a seed folder to draw from")
    source.add_argument("--queries-file", type=Path, help="one query per line")
    ap.add_argument("--queries", type=int, default=30_000, help="queries drawn from --corpus")
    ap.add_argument("--connections", type=int, nargs="+", default=[8])
    ap.add_argument("--duration", type=int, default=30, help="seconds per run")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument("--workdir", type=Path, default=None, help="keep inputs and logs here")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("http_load: wrk not found; install it with `apt-get install wrk`")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="http-load-"))
    workdir.mkdir(parents=True, exist_ok=True)

    if args.corpus:
        queries = draw_queries(args.corpus, args.queries, workdir)
    else:
        queries = read_queries(args.queries_file)
    warmup, rest = queries[:WARMUP_QUERIES], queries[WARMUP_QUERIES:] or queries
    share = max(len(rest) // len(args.connections), 1)
    script = workdir / "rotate.lua"
    script.write_text(LUA, "utf-8")
    write_paths(warmup, workdir / "warmup.paths")

    server = Server(args.index.resolve(), args.workers, workdir / "server.log")
    runs = []
    try:
        health = server.wait_ready()
        status, sample = get_json(f"{server.base}/api/search?q={urllib.parse.quote(rest[0])}")
        if status != 200:
            raise SystemExit(f"http_load: /api/search answered {status}: {sample}")
        run_wrk(server.base, script, workdir / "warmup.paths", args.threads, 2, WARMUP_SECONDS)
        for number, connections in enumerate(args.connections):
            part = rest[number * share : (number + 1) * share]
            paths = workdir / f"run-c{connections}.paths"
            write_paths(part, paths)
            memory_before = worker_memory_mb(server.process.pid)
            cpu_before = worker_cpu_seconds(server.process.pid)
            wrk = run_wrk(server.base, script, paths, args.threads, connections, args.duration)
            cpu_after = worker_cpu_seconds(server.process.pid)
            run = {
                "index": str(args.index),
                "documents": health.get("documents"),
                "workers": args.workers,
                "wrk_threads": args.threads,
                "connections": connections,
                "duration_s": args.duration,
                "requests_per_s": wrk["requests_per_s"],
                "latency_p50_ms": wrk["latency_p50_ms"],
                "latency_p99_ms": wrk["latency_p99_ms"],
                "errors": sum(v for k, v in wrk.items() if k.startswith("errors_")),
                "repeats": wrk["repeats"],
                # the CPU the server spends on one request, which wrk's share of the cores
                # and the machine's other load do not change the way they change req/s
                "worker_cpu_ms_per_request": cpu_ms_per_request(
                    cpu_before, cpu_after, wrk["requests"]
                ),
                "worker_memory_mb_before": memory_before,
                "worker_memory_mb_after": worker_memory_mb(server.process.pid),
                "load_average": os.getloadavg()[0],
                "wrk": wrk,
            }
            runs.append(run)
            print(json.dumps(run, ensure_ascii=False), flush=True)
    finally:
        server.stop()
    summary = {
        "runs": runs,
        "sample_total": sample.get("total"),
        "queries_available": len(rest),
        "workdir": str(workdir),
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
