"""Everything that knows Whoosh's files: schema, generations and locking, bulk builds, the
codec, and the readers above them.

    schema        the fields an article becomes
    generations   CURRENT, the writer lock, build.json and its format number
    codec         whoosh3 with array posting blocks; the only user of Whoosh's private parts
    bulk          fresh builds written straight into segments, on several cores
    writer        upserts, rebuilds, deletions, figures
    copies        snapshots of the live generation, and JSON Lines exports
    reader        one generation read as arrays (postings, positions, lengths, columns) and
                  stored fields

Nothing outside `search.analysis` and this package imports ``whoosh``; the layers above see
`Reader`, plain arrays, dicts and `Article` values.
"""

from .bulk import DEFAULT_PROCS
from .copies import SnapshotError, export_lines, snapshot
from .generations import (
    FORMAT,
    WRITE_LOCK_TIMEOUT,
    generation_marker,
    live_generation,
    read_build_info,
    write_lock,
)
from .reader import Reader, open_reader
from .schema import day_number
from .writer import IndexReport, StrictFailure, delete_documents, index_articles, index_stats

__all__ = [
    "DEFAULT_PROCS",
    "FORMAT",
    "WRITE_LOCK_TIMEOUT",
    "IndexReport",
    "Reader",
    "SnapshotError",
    "StrictFailure",
    "day_number",
    "delete_documents",
    "export_lines",
    "generation_marker",
    "index_articles",
    "index_stats",
    "live_generation",
    "open_reader",
    "read_build_info",
    "snapshot",
    "write_lock",
]
