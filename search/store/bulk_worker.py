"""``python -m search.store.bulk_worker FOLDER INDEXNAME``: one bulk-build worker process.

A module of its own, so that running it imports `search.store.bulk` once, as a library.
"""

import sys

from .bulk import worker

if __name__ == "__main__":
    sys.exit(worker(*sys.argv[1:3]))
