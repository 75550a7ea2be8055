"""Hosts on one machine for tests: network namespaces joined by veth pairs (iproute2).

Each host is a namespace with its own addresses, routes and ports; each link is a veth pair
with a /30 of 10.231.0.0/16 (`LINKS`), so traffic stays on the test's own addresses and
never reaches the machine's network. Processes run inside a host with ``ip netns exec``;
the test's own client threads enter a host with setns(2) (`Lab.pool`). Everything is
removed by `Lab.close`, processes first, whatever happened.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

IP = shutil.which("ip") or "/usr/sbin/ip"
TC = shutil.which("tc") or "/usr/sbin/tc"
NETWORK = "10.231"  # the test's own addresses: 10.231.L.0/30 for link L
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def missing() -> str | None:
    """Why namespaces cannot be made here, or None (tests skip with the reason)."""
    if os.geteuid() != 0:
        return "network namespaces need root (.ci/run runs the suite as root)"
    if not Path(IP).exists():
        return "ip is missing; install Debian's iproute2 package (.ci/run does)"
    probe = f"as19probe{os.getpid()}"
    made = subprocess.run([IP, "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"cannot make a network namespace here: {made.stderr.strip()}"
    subprocess.run([IP, "netns", "delete", probe], capture_output=True)
    return None


def enter(namespace: str) -> None:
    """Move the calling thread into ``namespace`` (its sockets are made there from now on)."""
    descriptor = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
    try:
        if _libc.setns(descriptor, CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"setns into {namespace}: {os.strerror(error)}")
    finally:
        os.close(descriptor)


class Lab:
    """Named hosts and the links between them; ``prefix`` keeps two runs apart."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.hosts: list[str] = []
        self.links: dict[frozenset, dict[str, tuple[str, str]]] = {}  # host: (device, address)
        self.processes: list[subprocess.Popen] = []

    def namespace(self, host: str) -> str:
        return f"{self.prefix}-{host}"

    def add_host(self, host: str) -> None:
        self._ip("netns", "add", self.namespace(host))
        self.hosts.append(host)
        self._ip("-n", self.namespace(host), "link", "set", "lo", "up")

    def connect(self, a: str, b: str) -> tuple[str, str]:
        """A veth pair between hosts ``a`` and ``b``: (a's address, b's address)."""
        number = len(self.links) + 1
        ends = {a: (f"l{number}{a[:10]}", f"{NETWORK}.{number}.1")}
        ends[b] = (f"l{number}{b[:10]}", f"{NETWORK}.{number}.2")
        self._ip(
            "link", "add", ends[a][0], "netns", self.namespace(a), "type", "veth",
            "peer", "name", ends[b][0], "netns", self.namespace(b),
        )  # fmt: skip
        for host, (dev, address) in ends.items():
            self._ip("-n", self.namespace(host), "addr", "add", f"{address}/30", "dev", dev)
            self._ip("-n", self.namespace(host), "link", "set", dev, "up")
        self.links[frozenset((a, b))] = ends
        return ends[a][1], ends[b][1]

    def set_link(self, a: str, b: str, up: bool) -> None:
        """Bring the link between ``a`` and ``b`` down (both ends) or back up."""
        for host, (dev, _) in self.links[frozenset((a, b))].items():
            self._ip("-n", self.namespace(host), "link", "set", dev, "up" if up else "down")

    def shape(self, a: str, b: str, rate: str | None) -> None:
        """Limit what ``a`` sends over its link to ``b`` to ``rate`` (tc tbf), or lift it."""
        dev = self.links[frozenset((a, b))][a][0]
        command = [IP, "netns", "exec", self.namespace(a), TC, "qdisc"]
        if rate is None:
            subprocess.run([*command, "del", "dev", dev, "root"], capture_output=True)
        else:
            limit = ["tbf", "rate", rate, "burst", "32kb", "latency", "200ms"]
            subprocess.run([*command, "replace", "dev", dev, "root", *limit], check=True)

    def run(self, host: str, argv: list[str], log: Path, **options) -> subprocess.Popen:
        """Start ``argv`` inside ``host`` (its own session, so it and its children can be
        killed together), output to ``log``; stopped by `close` if still running."""
        with log.open("ab") as out:
            process = subprocess.Popen(
                [IP, "netns", "exec", self.namespace(host), *argv],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **options,
            )
        self.processes.append(process)
        return process

    def pool(self, host: str, threads: int) -> ThreadPoolExecutor:
        """Client threads that live in ``host``."""
        return ThreadPoolExecutor(threads, initializer=enter, initargs=(self.namespace(host),))

    def close(self) -> None:
        """Kill every process started here, then delete every namespace (and so every link)."""
        for process in self.processes:
            kill_group(process)
        for host in self.hosts:
            subprocess.run([IP, "netns", "delete", self.namespace(host)], capture_output=True)
        self.hosts.clear()

    def _ip(self, *arguments: str) -> None:
        done = subprocess.run([IP, *arguments], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"ip {' '.join(arguments)}: {done.stderr.strip()}")


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to a process started by `Lab.run` and all it started; reap it."""
    with contextlib.suppress(ProcessLookupError):  # the group outlives its leader
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
