"""The vectorised engine's readers agree with Whoosh's own matchers."""

from __future__ import annotations

import numpy as np

from search.documents import Article, read_paths
from search.engine import _leaf_positions
from search.index import index_articles, open_index

from .conftest import SEEDS


def test_positions_read_by_block_equal_whoosh_skip_to(tmp_path):
    seeds = [a for a in read_paths([SEEDS]) if isinstance(a, Article)]
    copies = [Article(id=f"copy-{i}", title=a.title, body=a.body) for i, a in enumerate(seeds * 80)]
    index_articles(tmp_path, copies, procs=1)
    with open_index(tmp_path).searcher() as searcher:
        reader = searcher.reader()
        assert reader.doc_frequency("body_exact", "كوريا") > 128  # more than one block
        rng = np.random.default_rng(7)
        for size in (1, 5, 60, 400):
            wanted = np.sort(rng.choice(reader.doc_count_all(), size=size, replace=False))
            expected = {}
            matcher = reader.postings("body_exact", "كوريا")
            for docnum in wanted.tolist():
                if not matcher.is_active():
                    break
                matcher.skip_to(docnum)
                if matcher.is_active() and matcher.id() == docnum:
                    expected[docnum] = matcher.value_as("positions")
            found = _leaf_positions(reader.postings("body_exact", "كوريا"), wanted)
            assert found == expected
            assert expected  # the sample holds the word somewhere
