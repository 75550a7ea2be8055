"""Read replicas: a copy of a primary's index kept current with rsync, one whole commit at a
time.

A generation's segment files never change once written, and a commit is a new TOC naming
them, so copying safely is a matter of order. Each sync:

1. fetches the pointers (CURRENT, each generation's build.json and TOC) into ``.incoming/``,
   where no reader looks;
2. fetches the files the primary's build.json lists for its newest commit that this copy
   lacks, into the generation's folder: new names beside the files in use, opened by nobody;
3. checks every listed file: there, of the recorded size and CRC-32, flushed to disk;
4. only then renames the TOC, build.json and, for a new generation, CURRENT into place.

Whoosh opens the newest TOC, whose files are by then all present; a copy cut anywhere before
step 4 (a link down, rsync killed, the primary gone) leaves the previous commit serving.
Workers reopen as they do after a local write (the generation marker changes). A file no
commit uses any more is removed `PRUNE_AFTER` seconds later, so a worker that read the old
TOC a moment ago can still open its segments.

``follow.json`` in the copy's folder records the primary and how far behind the copy is
(`replica_status`, for /healthz); while it is there the folder refuses writes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import SearchError
from .generations import (
    BUILD_INFO,
    CURRENT,
    FOLLOWING,
    FORMAT,
    TOC_NAME,
    file_crc,
    following,
    generation_info,
    generation_marker,
    live_generation,
    switch_to,
    write_build_info,
    write_lock,
)

log = logging.getLogger(__name__)

INCOMING = ".incoming"  # the primary's pointer files, as last fetched
FOLLOW_LOCK = "follow.lock"  # held by the one follower of a folder for as long as it runs
PRUNE_AFTER = 30.0  # seconds a file no commit uses is kept: a worker may be opening it
CONNECT_TIMEOUT = 5  # seconds to reach the rsync daemon (--contimeout)
IO_TIMEOUT = 10  # seconds without data before a copy is given up: a link gone quiet
WATCH_EVERY = 0.5  # seconds between two looks at what a copy has written
RACES = 3  # attempts in one sync when the primary commits during the copy
# rsync's exit codes for files that vanished or could not be sent: the primary committed
# again (and merged away files of the commit being copied) while the copy ran.
MOVED_ON = {23, 24}
RSYNC_EXITS = {
    5: "the rsync daemon refused the module",
    10: "cannot reach the rsync daemon",
    12: "the connection broke",
    20: "rsync was interrupted",
    30: "the rsync daemon stopped answering",
    35: "the rsync daemon did not answer in time",
}
# rsync://HOST[:PORT]/MODULE[/PATH], HOST::MODULE (both the daemon), or a local folder.
SOURCE = re.compile(r"rsync://[^/\s]+/[^/\s]+(?:/\S*)?|[^:\s]+::\S+|[^:\s]+")


class FollowError(SearchError):
    """A follower that cannot start: a bad primary address, no rsync, a second follower."""

    status = 400
    code = "bad_follow"


class SyncFailed(Exception):
    """One sync did not complete; the copy still serves its previous commit."""


@dataclass
class SyncResult:
    """What one sync did."""

    changed: bool  # a newer commit was installed
    generation: str  # the commit now served, as "g-.../_MAIN_n.toc"
    files: int = 0  # files fetched
    bytes: int = 0
    seconds: float = 0.0


class Follower:
    """Keeps ``folder`` a copy of the index at ``source`` (``rsync://host/module``,
    ``host::module`` or a local folder)."""

    def __init__(
        self,
        source: str,
        folder: str | Path,
        *,
        writes_to: str | None = None,
        bwlimit: int = 0,
        prune_after: float = PRUNE_AFTER,
        rsync: str = "rsync",
    ):
        if not SOURCE.fullmatch(source):
            raise FollowError(
                f"{source!r} is not an rsync source: give rsync://HOST[:PORT]/MODULE, "
                "HOST::MODULE or a folder"
            )
        self.source = source.rstrip("/")
        self.folder = Path(folder)
        self.writes_to = writes_to
        self.bwlimit = bwlimit
        self.prune_after = prune_after
        self.rsync = shutil.which(rsync)
        if self.rsync is None:
            raise FollowError("rsync is missing; install Debian's rsync package")
        self._verified: dict[Path, tuple[int, int, int]] = {}  # path -> (size, mtime, crc)
        self._unused: dict[Path, float] = {}  # path -> when it was first seen unused
        self._process: subprocess.Popen | None = None
        self._state = {"primary": self.source, "writes_to": writes_to}
        previous = following(self.folder) or {}
        for key in ("primary_generation", "commits_behind", "in_sync_at", "contact_at"):
            self._state[key] = previous.get(key)

    # -- the loop ----------------------------------------------------------------------

    def run(
        self,
        interval: float,
        on_sync: Callable[[SyncResult], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        once: bool = False,
    ) -> None:
        """Sync every ``interval`` seconds until interrupted, or once (then a failure raises
        `SyncFailed`)."""
        with self.exclusive():
            while True:
                started = time.monotonic()
                try:
                    result = self.sync()
                except SyncFailed as failure:
                    if on_error:
                        on_error(str(failure))
                    if once:
                        raise
                else:
                    if on_sync:
                        on_sync(result)
                if once:
                    return
                time.sleep(max(0.0, interval - (time.monotonic() - started)))

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the folder's follow lock (one follower per copy) and mark it a replica."""
        if following(self.folder) is None and live_generation(self.folder) is not None:
            raise FollowError(
                f"{self.folder} holds an index of its own; a replica's copy goes to a new "
                "folder (or one a follower made)"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / FOLLOW_LOCK, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise FollowError(f"another follower keeps {self.folder} current") from None
            self._save()
            try:
                yield
            finally:
                self.cancel()
                fcntl.flock(handle, fcntl.LOCK_UN)

    def cancel(self) -> None:
        """Kill the transfer under way, if any (the copy keeps its last complete commit; the
        sync it belonged to fails)."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # rsync's receiver is its child
                os.killpg(process.pid, signal.SIGKILL)

    # -- one sync ----------------------------------------------------------------------

    def sync(self) -> SyncResult:
        """Copy the primary's newest commit if this copy lacks it; `SyncFailed` says why not."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, RACES + 1):
            started = time.time()
            try:
                result = self._sync_once(started)
            except _MovedOn as race:
                if attempt == RACES:
                    self._failed(str(race))
                    raise SyncFailed(str(race)) from None
                continue
            except SyncFailed as failure:
                self._failed(str(failure))
                raise
            self._state.update(in_sync_at=started, commits_behind=0, error=None)
            self._save()
            self._prune()
            return result
        raise AssertionError("unreachable")

    def _sync_once(self, started: float) -> SyncResult:
        incoming = self.folder / INCOMING
        incoming.mkdir(exist_ok=True)
        # By content: rsync's quick check (size and whole-second mtime) would keep a CURRENT
        # replaced by one of the same length within the same second.
        pointers = ["--recursive", "--delete", "--checksum", *POINTER_FILTER]
        self._rsync([*pointers, f"{self.source}/", f"{incoming}/"], incoming)
        self._state["contact_at"] = started
        name, info = _primary_commit(incoming)
        toc = info["toc"]
        primary_marker = f"{name}/{toc}"
        self._state["primary_generation"] = primary_marker
        target = self.folder / name
        local = generation_marker(self.folder)
        self._state["commits_behind"] = _commits_between(local, primary_marker)
        if local == primary_marker and generation_info(target).get("files") == info["files"]:
            return SyncResult(changed=False, generation=local)
        target.mkdir(exist_ok=True)
        segments = {file: value for file, value in info["files"].items() if file != toc}
        wanted = [
            file
            for file, (size, crc) in segments.items()
            if not self._good(target / file, size, crc)
        ]
        fetched = 0
        if wanted:
            for file in wanted:  # a damaged copy under the same name is fetched again
                with contextlib.suppress(FileNotFoundError):
                    (target / file).unlink()
            self._rsync([f"{self.source}/{name}/", f"{target}/"], target, wanted)
            fetched = sum(segments[file][0] for file in wanted)
        bad = [
            file
            for file, (size, crc) in segments.items()
            if not self._good(target / file, size, crc)
        ]
        if bad:
            raise SyncFailed(
                f"{len(bad)} files of {primary_marker} differ from the primary's record "
                f"({bad[0]} first); the copy keeps {local or 'nothing'}"
            )
        size, crc = info["files"][toc]
        if not self._good(incoming / name / toc, size, crc):
            raise _MovedOn(f"the primary's {primary_marker} changed during the copy")
        _flush(target)
        with write_lock(self.folder, replica_ok=True):  # a snapshot of this copy waits
            _install(incoming / name / toc, target / toc)
            write_build_info(target, info)
            if live_generation(self.folder) != target:
                switch_to(self.folder, target)
        log.info("copied %s: %d files, %d bytes", primary_marker, len(wanted), fetched)
        return SyncResult(
            changed=True,
            generation=primary_marker,
            files=len(wanted),
            bytes=fetched,
            seconds=time.time() - started,
        )

    def _good(self, path: Path, size: int, crc: int) -> bool:
        """Whether ``path`` holds the recorded bytes (its CRC is read once per version)."""
        try:
            found = path.stat()
        except FileNotFoundError:
            return False
        if found.st_size != size:
            return False
        known = self._verified.get(path)
        if known and known[:2] == (found.st_size, found.st_mtime_ns):
            return known[2] == crc
        actual = file_crc(path)
        self._verified[path] = (found.st_size, found.st_mtime_ns, actual)
        return actual == crc

    def _rsync(self, arguments: list[str], into: Path, files: list[str] | None = None) -> None:
        """Run rsync into ``into`` (only ``files``, when given); `SyncFailed` says why not."""
        command = [self.rsync, "--times", "--quiet", f"--timeout={IO_TIMEOUT}"]
        if "::" in self.source or self.source.startswith("rsync://"):
            command.append(f"--contimeout={CONNECT_TIMEOUT}")
        if self.bwlimit:
            command.append(f"--bwlimit={self.bwlimit}")
        with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("w") as listed:
            if files is not None:
                listed.write("\n".join(files) + "\n")
                listed.flush()
                command.append(f"--files-from={listed.name}")
            self._process = subprocess.Popen(
                command + arguments,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                process_group=0,  # its own group: `cancel` ends the receiver it forks too
            )
            try:
                stalled = self._watch(self._process, into)
            finally:
                code, self._process = self._process.wait(), None
            errors.seek(0)
            said = errors.read().decode("utf-8", "replace").strip().splitlines()
        if stalled:
            raise SyncFailed(f"no data came from the primary for {IO_TIMEOUT} s; copy stopped")
        if code == 0:
            return
        detail = said[0] if said else ""
        if code in MOVED_ON:
            raise _MovedOn(f"the primary committed during the copy ({detail})")
        reason = RSYNC_EXITS.get(code) or (
            f"rsync was killed (signal {-code})" if code < 0 else f"rsync failed (exit {code})"
        )
        raise SyncFailed(f"{reason}: {detail}" if detail else reason)

    def _watch(self, process: subprocess.Popen, into: Path) -> bool:
        """Wait for rsync, and kill it once nothing has reached ``into`` for IO_TIMEOUT
        seconds: its own --timeout missed a link that went down mid-copy (rsync 3.5.0 waited
        for 11 minutes). True when it was killed so."""
        seen, since = _bytes_in(into), time.monotonic()
        while True:
            try:
                process.wait(timeout=WATCH_EVERY)
                return False
            except subprocess.TimeoutExpired:
                pass
            now = _bytes_in(into)
            if now != seen:
                seen, since = now, time.monotonic()
            elif time.monotonic() - since > IO_TIMEOUT:
                self.cancel()
                return True

    # -- state and pruning -------------------------------------------------------------

    def _failed(self, message: str) -> None:
        log.warning("sync from %s failed: %s", self.source, message)
        self._state["error"] = message
        self._save()

    def _save(self) -> None:
        self._state["generation"] = _marker_or_none(self.folder)
        self._state["updated_at"] = time.time()
        temporary = self.folder / f".{FOLLOWING}.{os.getpid()}"
        temporary.write_text(json.dumps(self._state), "utf-8")
        os.replace(temporary, self.folder / FOLLOWING)

    def _prune(self) -> None:
        """Remove what no commit of this copy uses, once it has been unused a while."""
        live = live_generation(self.folder)
        unused = []
        for entry in self.folder.iterdir():
            if entry.name.startswith("g-") and entry.is_dir():
                if entry != live:
                    unused.append(entry)
                    continue
                kept = set(generation_info(entry).get("files", ())) | {BUILD_INFO}
                unused += [path for path in entry.iterdir() if path.name not in kept]
        now = time.time()
        self._unused = {path: self._unused.get(path, now) for path in unused}
        for path, since in list(self._unused.items()):
            if now - since >= self.prune_after:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                self._verified.pop(path, None)
                del self._unused[path]


class _MovedOn(SyncFailed):
    """The primary committed again during the copy: try again at once."""


# The pointer files of every generation, nothing else (rsync filter rules, first match wins).
POINTER_FILTER = [
    f"--include=/{CURRENT}",
    "--include=/g-*/",
    f"--include=/g-*/{BUILD_INFO}",
    "--include=/g-*/_MAIN_*.toc",
    "--exclude=*",
]


def _primary_commit(incoming: Path) -> tuple[str, dict]:
    """The primary's live generation and its build record, as fetched."""
    try:
        name = (incoming / CURRENT).read_text("utf-8").strip()
    except FileNotFoundError:
        raise SyncFailed("the primary holds no index yet (no CURRENT)") from None
    info = generation_info(incoming / name) if name else {}
    if not info:
        raise _MovedOn(f"the primary's {name or 'CURRENT'} changed during the copy")
    if info.get("format", 1) != FORMAT:
        raise SyncFailed(
            f"the primary's index has format {info.get('format', 1)} and this version reads "
            f"format {FORMAT}: run the same version on both"
        )
    if not info.get("toc") or not info.get("files"):
        raise SyncFailed(
            f"the primary's {name} lists no files (written by a version before replicas); "
            "any write or a rebuild on the primary records them"
        )
    return name, info


def _bytes_in(folder: Path) -> int:
    """The bytes of every file under ``folder`` (rsync's temporary files included)."""
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            with contextlib.suppress(FileNotFoundError):  # renamed or removed meanwhile
                total += os.stat(os.path.join(root, name)).st_size
    return total


def _commits_between(local: str, primary: str) -> int | None:
    """How many commits the copy lacks, when both are of one generation (None across a
    rebuild, whose commit numbers start again)."""
    (ours, _, our_toc), (theirs, _, their_toc) = local.partition("/"), primary.partition("/")
    a, b = TOC_NAME.fullmatch(our_toc), TOC_NAME.fullmatch(their_toc)
    if ours != theirs or not (a and b):
        return None
    return max(0, int(b.group(1)) - int(a.group(1)))


def _install(source: Path, target: Path) -> None:
    """Copy a small pointer file into place atomically, flushed first."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.copyfile(source, temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)


def _flush(folder: Path) -> None:
    """Flush the fetched files and the folder to disk before a TOC names them."""
    for path in folder.iterdir():
        if path.is_file() and not path.name.startswith("."):
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _marker_or_none(folder: Path) -> str | None:
    try:
        return generation_marker(folder) or None
    except SearchError:
        return None


def replica_status(folder: str | Path) -> dict | None:
    """How far a replica's copy is behind its primary (None on a primary), for /healthz.

    ``seconds_behind`` bounds staleness: every write the primary committed more than that
    long ago is in this copy (the follower last found it complete then). ``commits_behind``
    is as of the follower's last contact with the primary.
    """
    folder = Path(folder)
    state = following(folder)
    if state is None:
        return None
    now = time.time()

    def ago(key: str) -> float | None:
        return round(now - state[key], 1) if state.get(key) else None

    return {
        "primary": state.get("primary"),
        "writes_to": state.get("writes_to"),
        "following": _follower_running(folder),
        "generation": _marker_or_none(folder),
        "primary_generation": state.get("primary_generation"),
        "commits_behind": state.get("commits_behind"),
        "seconds_behind": ago("in_sync_at"),
        "last_contact_seconds": ago("contact_at"),
        "error": state.get("error"),
    }


def _follower_running(folder: Path) -> bool:
    """Whether a follower holds the folder's follow lock right now."""
    try:
        with open(folder / FOLLOW_LOCK, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False
    except FileNotFoundError:
        return False


__all__ = ["FollowError", "Follower", "SyncFailed", "SyncResult", "replica_status"]
