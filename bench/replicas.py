"""What a read replica costs on a real index: the first full copy, and the copy of one write.

usage:
    replicas.py INDEX [--workdir DIR]

Serves a copy of INDEX (a built index folder; it is copied first, so INDEX is never written)
with the shipped rsync daemon config on a free loopback port, then times, through
`search.store.Follower`:

- the first sync of an empty replica (every file fetched, then each checked against its
  CRC-32): the time to bring a new replica up, or to ship a rebuild to each replica;
- one small write on the primary (one article, one commit), then the sync that copies it:
  the work behind a write becoming visible on a replica, beyond the follower's interval;
- a sync with nothing new: what each look at the primary costs.

Prints one JSON object: index bytes and files, and seconds for each step.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from search.documents import Article
from search.store import Follower, index_articles, read_build_info
from tests.rsync_server import rsync_daemon


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="replicas-", dir=args.workdir))
    try:
        primary = work / "primary"
        shutil.copytree(args.index, primary)
        record = read_build_info(primary)
        figures = {
            "documents": record.get("documents"),
            "index_bytes": sum(size for size, _ in record["files"].values()),
            "index_files": len(record["files"]),
        }
        with rsync_daemon(work / "rsyncd", primary, free_port()) as url:
            follower = Follower(url, work / "replica")
            figures["first_copy_s"], _ = timed(follower.sync)
            article = Article("bench-replica-1", "خبر قصير", "نص قصير عن موضوع جديد")
            figures["primary_write_s"], _ = timed(lambda: index_articles(primary, [article]))
            figures["copy_of_one_write_s"], one = timed(follower.sync)
            figures["files_of_one_write"] = one.files
            figures["bytes_of_one_write"] = one.bytes
            figures["look_with_nothing_new_s"], _ = timed(follower.sync)
        print(
            json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()})
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
