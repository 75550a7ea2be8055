"""Everything that knows Whoosh's files: schema, generations and locking, bulk builds, the
codec, and the readers above them.

    schema        the fields an article becomes
    generations   CURRENT, the writer lock, build.json and its format number
    codec         whoosh3 with array posting blocks; the only user of Whoosh's private parts
    bulk          fresh builds written straight into segments, on several cores
    writer        upserts, rebuilds, deletions, figures
    copies        snapshots of the live generation, and JSON Lines exports
    follow        read replicas: the primary's commits copied with rsync, whole or not at all
    reader        one generation read as arrays (postings, positions, lengths, columns) and
                  stored fields

Nothing outside `search.analysis` and this package imports ``whoosh``; the layers above see
`Reader`, plain arrays, dicts and `Article` values.
"""

from .bulk import DEFAULT_PROCS
from .copies import SnapshotError, export_lines, snapshot
from .follow import Follower, FollowError, SyncFailed, SyncResult, replica_status
from .generations import (
    FORMAT,
    WRITE_LOCK_TIMEOUT,
    MarkerWatch,
    generation_marker,
    live_generation,
    read_build_info,
    refuse_writes_on_replica,
    write_lock,
)
from .lru import ByteLRU
from .reader import Reader, open_reader
from .schema import day_number, day_text
from .writer import IndexReport, StrictFailure, delete_documents, index_articles, index_stats

__all__ = [
    "DEFAULT_PROCS",
    "FORMAT",
    "WRITE_LOCK_TIMEOUT",
    "ByteLRU",
    "FollowError",
    "Follower",
    "IndexReport",
    "MarkerWatch",
    "Reader",
    "SnapshotError",
    "StrictFailure",
    "SyncFailed",
    "SyncResult",
    "day_number",
    "day_text",
    "delete_documents",
    "export_lines",
    "generation_marker",
    "index_articles",
    "index_stats",
    "live_generation",
    "open_reader",
    "read_build_info",
    "refuse_writes_on_replica",
    "replica_status",
    "snapshot",
    "write_lock",
]
