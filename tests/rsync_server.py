"""The primary's rsync daemon for tests: the shipped deploy/rsyncd.conf, on the test's own
address and port, serving the test's index folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

DEPLOY = Path(__file__).parents[1] / "deploy"
RSYNC = shutil.which("rsync") or "/usr/bin/rsync"
STARTUP_SECONDS = 10.0
SHIPPED = {  # the lines of deploy/rsyncd.conf a test replaces, and with what
    "port = 873": "port = {port}",
    "log file = /dev/stdout": "log file = {log}",
    "path = /srv/arabic-search/index": "path = {path}",
    "uid = search": "uid = {uid}",
    "gid = search": "gid = {gid}",
}


def missing() -> str | None:
    """Why the daemon cannot run here, or None (tests skip with the reason)."""
    if not Path(RSYNC).exists():
        return "rsync is missing; install Debian's rsync package (.ci/run does)"
    return None


def write_config(folder: Path, path: Path, port: int) -> Path:
    """deploy/rsyncd.conf serving ``path`` on ``port``, as this user (chroot needs root)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (DEPLOY / "rsyncd.conf").read_text()
    values = {
        "port": port,
        "log": folder / "rsyncd.log",
        "path": path,
        "uid": os.getuid(),
        "gid": os.getgid(),
    }
    for line, replacement in SHIPPED.items():
        assert text.count(line) == 1, f"deploy/rsyncd.conf changed: {line}"
        text = text.replace(line, replacement.format(**values))
    if os.geteuid() != 0:
        text = text.replace("use chroot = yes", "use chroot = no")
    config = folder / "rsyncd.conf"
    config.write_text(text)
    return config


def daemon_command(config: Path, address: str) -> list[str]:
    return [RSYNC, "--daemon", "--no-detach", f"--config={config}", f"--address={address}"]


@contextlib.contextmanager
def rsync_daemon(folder: Path, path: Path, port: int, address: str = "127.0.0.1") -> Iterator[str]:
    """The daemon serving ``path`` as module ``index``; its rsync:// URL; always stopped."""
    config = write_config(folder, path, port)
    process = subprocess.Popen(
        daemon_command(config, address), stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"rsync daemon exited:\n{(folder / 'rsyncd.log').read_text()}")
            try:
                with socket.create_connection((address, port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the rsync daemon did not listen") from None
                time.sleep(0.05)
        yield f"rsync://{address}:{port}/index"
    finally:
        process.kill()
        process.wait()
