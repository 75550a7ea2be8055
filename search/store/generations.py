"""Generations of an index folder, the writer lock, and what each build recorded.

Layout of an index folder::

    index/
      CURRENT          name of the live generation, replaced atomically
      write.lock       flock held by whichever process writes
      follow.json      on a read replica only: the primary it copies (search.store.follow)
      g-20261122T...   one Whoosh index per generation; the live one and, briefly, a rebuild
        build.json     format, stemmer, when it was built and last changed, the last run,
                       and the commit's files (the TOC, each file's size and CRC-32)

A rebuild writes a new generation and switches ``CURRENT`` to it only after the commit, so a
reader never sees a half-built index and a crash mid-build leaves the old one serving. The list
of files in build.json is what a replica checks its copy against before it opens a commit.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..errors import (
    IndexBusy,
    IndexFormatMismatch,
    IndexMissing,
    IndexUnreadable,
    ReadOnlyReplica,
)

CURRENT = "CURRENT"
LOCK = "write.lock"
BUILD_INFO = "build.json"
FOLLOWING = "follow.json"
# Whoosh's names for a commit's table of contents and a segment's files (whoosh.index.TOC).
TOC_NAME = re.compile(r"_MAIN_([0-9]+)\.toc")
SEGMENT_FILE = re.compile(r"MAIN_[0-9a-z]+\.[A-Za-z0-9_.]+")
# What an index on disk holds and how: the schema and analysis chain (pickled by module and
# class name), the codec, the fields. Bumped whenever code would read an older index wrongly
# or not at all; an index of another format is refused with the command that rebuilds it.
#   1  (no "format" key) the flat package: search.analysis.Stem, search.codec.ArrayCodec
#   2  the layered package: search.analysis.filters, search.store.codec
#   3  positions in the stem fields, each text's token offsets stored (`search.store.spans`),
#      posting blocks with only their positions compressed
#   4  a tag field (each tag whole) for the tag filter and facet
#   5  a fingerprint column (search.store.schema.Fingerprint) for copies of one story
#   6  the root fields (title_root, body_root) for root: searches
#   7  positions packed as deltas of one or two bytes (`search.store.codec`), an id column
#   8  stored fields pickled whole, not deflated (`search.store.codec.StoredColumn`)
FORMAT = 8
WRITE_LOCK_TIMEOUT = 30.0  # seconds a writer waits for another writer before giving up


def live_generation(folder: Path) -> Path | None:
    """The folder of the live Whoosh index, or None when nothing has been built."""
    try:
        name = (Path(folder) / CURRENT).read_text("utf-8").strip()
        path = Path(folder) / name
        return path if name and path.is_dir() else None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise unreadable(folder, error) from None


def unreadable(folder: str | Path, error: Exception) -> IndexUnreadable:
    """The error that says why an index folder cannot be read (a 503 naming the reason)."""
    reason = getattr(error, "strerror", None) or type(error).__name__
    return IndexUnreadable(f"the index in {folder} cannot be read: {reason.lower()}")


def generation_marker(folder: Path) -> str:
    """A cheap value that changes whenever the live index changes (for searcher refresh)."""
    live = live_generation(Path(folder))
    if live is None:
        return ""
    try:
        return f"{live.name}/{newest_toc(live)}"
    except OSError as error:
        raise unreadable(folder, error) from None


class MarkerWatch:
    """`generation_marker` of one folder, read again only when a stat says it may have changed.

    Reading the marker reads CURRENT and lists the live generation; a server asks before
    every request (1.8% of a served search on the 70,000-article index). Each change to it
    replaces CURRENT (a new inode) or adds or removes a file in the generation's folder (a
    new mtime and ctime; rsync may set the mtime back, never the ctime), so two ``stat``
    calls tell "unchanged". The kernel stamps those times from a clock that lags by a tick
    (1-10 ms): a change just after a listing could keep the times the listing saw. So, as
    git trusts its index, stats are trusted only when taken `RACY_SECONDS` or more after the
    times they hold; until then each call reads the marker again.
    """

    RACY_SECONDS = 1.0

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._current = os.path.join(self.folder, CURRENT)  # stat'ed as text: no Path a call
        self._name: str | None = None  # the live generation the last reading found
        # (identities, times) the marker below is trusted under
        self._seen: tuple[tuple[int, ...], tuple[int, ...]] | None = None
        self._marker = ""

    def marker(self) -> str:
        """The folder's generation marker: what `generation_marker` reads now."""
        seen = self._stats(self._name) if self._name else None
        if seen is not None and seen == self._seen:
            return self._marker
        listed_at = time.time_ns()
        marker = generation_marker(self.folder)
        name = marker.partition("/")[0] or None
        settled = seen is not None and listed_at - max(seen[1]) >= self.RACY_SECONDS * 1e9
        self._seen = seen if settled and name == self._name else None
        self._name, self._marker = name, marker
        return marker

    def _stats(self, name: str) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        """(CURRENT's and the generation folder's identities, their times)."""
        try:
            current = os.stat(self._current)
            generation = os.stat(os.path.join(self.folder, name))
        except OSError:
            return None
        identities = (current.st_ino, current.st_dev, current.st_size, generation.st_ino)
        times = (
            current.st_mtime_ns, current.st_ctime_ns, generation.st_mtime_ns,
            generation.st_ctime_ns,
        )  # fmt: skip
        return identities, times


def newest_toc(generation: Path) -> str:
    """The name of the generation's newest commit (Whoosh opens the highest number: _MAIN_10
    after _MAIN_9), or "" before the first one."""
    numbered = [
        (int(found.group(1)), entry.name)
        for entry in os.scandir(generation)
        if (found := TOC_NAME.fullmatch(entry.name))
    ]
    return max(numbered)[1] if numbered else ""


def new_generation(folder: Path) -> Path:
    """A fresh, empty generation folder beside the live one (not live until `switch_to`)."""
    import datetime as dt

    target = Path(folder) / f"g-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}"
    target.mkdir(parents=True)
    return target


def switch_to(folder: Path, generation: Path) -> None:
    """Make ``generation`` the live one: CURRENT is replaced atomically, after an fsync."""
    temporary = folder / f".{CURRENT}.{os.getpid()}"
    temporary.write_text(generation.name, "utf-8")
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, folder / CURRENT)


def remove_other_generations(folder: Path, keep: Path) -> None:
    """Delete every generation but ``keep``: old ones, and rebuilds a crash left behind.

    Only called under the write lock, so no other build is using them; readers that still
    hold files of an old generation keep reading them (POSIX unlinks lazily).
    """
    for path in folder.glob("g-*"):
        if path.is_dir() and path != keep:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def write_lock(
    folder: str | Path,
    timeout: float = WRITE_LOCK_TIMEOUT,
    *,
    create: bool = True,
    replica_ok: bool = False,
) -> Iterator[None]:
    """Hold the folder's writer lock; the kernel frees it if the holder dies.

    ``create`` makes the folder when it is missing (a first build); without it a missing
    folder is `IndexMissing` and nothing is created. The folder of a read replica refuses
    writes (`ReadOnlyReplica`): its copy would diverge from the primary's and the next copy
    would undo them. ``replica_ok`` is for the follower and snapshots, which change no
    document.
    """
    folder = Path(folder)
    if not replica_ok:
        refuse_writes_on_replica(folder)
    missing = IndexMissing(f"no index in {folder}; run `arabic-search index seeds/` first")
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    elif not folder.is_dir():
        raise missing
    try:
        handle = open(folder / LOCK, "a+")  # noqa: SIM115  (closed below, after the unlock)
    except FileNotFoundError:
        raise missing from None
    with handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"another process is writing to {folder}; try again shortly"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def following(folder: str | Path) -> dict | None:
    """What a replica's follower recorded (search.store.follow), or None on a primary."""
    try:
        return json.loads((Path(folder) / FOLLOWING).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # being replaced, or unreadable: still a replica
        return {}


def refuse_writes_on_replica(folder: Path) -> None:
    """`ReadOnlyReplica` naming the primary, when ``folder`` is a replica's copy."""
    state = following(folder)
    if state is None:
        return
    copied, writes_to = state.get("primary") or "a primary", state.get("writes_to")
    where = f"send writes to the primary, {writes_to}" if writes_to else "send writes there"
    raise ReadOnlyReplica(
        f"this index is a read-only replica of {copied}; {where}", primary=writes_to or copied
    )


def commit_files(generation: Path, known: dict | None = None) -> tuple[str, dict]:
    """The newest commit of a generation: its TOC's name, and {file: [size, CRC-32]} for the
    TOC and every segment file. Called under the writer lock, after Whoosh's commit has
    removed the files no commit uses. A segment file never changes once written, so a CRC
    already in ``known`` (the previous record) for the same name and size is reused."""
    known = known or {}
    newest = newest_toc(generation)
    files = {}
    for entry in os.scandir(generation):
        if entry.name != newest and not SEGMENT_FILE.fullmatch(entry.name):
            continue
        size = entry.stat().st_size
        earlier = known.get(entry.name)
        same = entry.name != newest and earlier and earlier[0] == size
        files[entry.name] = [size, earlier[1] if same else file_crc(Path(entry.path))]
    return newest, files


def file_crc(path: Path) -> int:
    """The CRC-32 of a file's bytes, read in blocks."""
    crc = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            crc = zlib.crc32(block, crc)
    return crc


def read_build_info(folder: str | Path) -> dict:
    """What the last build or update of the live generation recorded ({} when none)."""
    live = live_generation(Path(folder))
    return {} if live is None else generation_info(live)


def generation_info(generation: Path) -> dict:
    """The build record of one generation folder ({} when missing or unreadable)."""
    try:
        return json.loads((generation / BUILD_INFO).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def write_build_info(generation: Path, info: dict) -> None:
    """Replace the build record atomically: readers check it on every reopen, and a half
    written file would read as an index of unknown format."""
    temporary = generation / f".{BUILD_INFO}.{os.getpid()}"
    temporary.write_text(json.dumps(info, ensure_ascii=False), "utf-8")
    os.replace(temporary, generation / BUILD_INFO)


def live_or_fail(folder: str | Path) -> Path:
    """The live generation of an index this code can read, or an error saying what to run."""
    folder = Path(folder)
    live = live_generation(folder)
    try:
        built = live is not None and any(live.glob("*.toc"))
    except OSError as error:
        raise unreadable(folder, error) from None
    if not built:
        raise IndexMissing(f"no index in {folder}; run `arabic-search index seeds/` first")
    found = generation_info(live).get("format", 1)
    if found != FORMAT:
        raise IndexFormatMismatch(
            f"the index in {folder} has format {found}, and this version reads format "
            f"{FORMAT}; rebuild it: `arabic-search index SOURCES --index {folder} --rebuild`"
        )
    return live
