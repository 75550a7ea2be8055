"""The vectorised engine's readers agree with Whoosh's own matchers."""

from __future__ import annotations

import numpy as np
from whoosh import query as wq

from search.analysis import words as analysed
from search.documents import Article, read_paths
from search.engine import Catalog, _leaf_occurrences
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
            docs, positions = _leaf_occurrences(reader.postings("body_exact", "كوريا"), wanted)
            found: dict[int, list[int]] = {}
            for docnum, position in zip(docs.tolist(), positions.tolist(), strict=True):
                found.setdefault(docnum, []).append(position)
            assert found == expected
            assert expected  # the sample holds the word somewhere


def test_phrases_on_positions_match_what_whoosh_matches(tmp_path):
    seeds = [a for a in read_paths([SEEDS]) if isinstance(a, Article)]
    index_articles(tmp_path, seeds, procs=1)
    with open_index(tmp_path).searcher() as searcher:
        body = searcher.stored_fields(0)["body"]
        catalog = Catalog(searcher)
        sequence = [w.exact for w in analysed(body)]
        phrases = [sequence[i : i + n] for n in (2, 3, 4) for i in range(0, 60, 7)]
        phrases += [[sequence[0], sequence[0]], [sequence[3], sequence[1]], ["في", "في"]]
        matched = 0
        for phrase in phrases:
            node = wq.Phrase("body_exact", phrase)
            expected = catalog._whoosh(node).mask
            found = catalog.evaluate(node)
            assert np.array_equal(found.mask, expected), phrase
            assert np.all(found.scores[found.mask] > 0)
            matched += int(expected.any())
        assert matched >= len(phrases) - 3  # most are real phrases of the first article
