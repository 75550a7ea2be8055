"""The store's array readers and the engine's phrases agree with Whoosh's own matchers
(the independent reference: tests may use Whoosh, the layers above the store may not)."""

from __future__ import annotations

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq

from search.analysis import words as analysed
from search.documents import Article, read_paths
from search.query import nodes
from search.query.engine import Engine
from search.store import index_articles, live_generation, open_reader
from search.store.reader import _leaf_occurrences

from .conftest import SEEDS


def test_positions_read_by_block_equal_whoosh_skip_to(tmp_path):
    seeds = [a for a in read_paths([SEEDS]) if isinstance(a, Article)]
    copies = [Article(id=f"copy-{i}", title=a.title, body=a.body) for i, a in enumerate(seeds * 80)]
    index_articles(tmp_path, copies, procs=1)
    with whoosh_index.open_dir(str(live_generation(tmp_path))).searcher() as searcher:
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
    ix = whoosh_index.open_dir(str(live_generation(tmp_path)))
    with ix.searcher() as searcher, open_reader(tmp_path) as reader:
        body = reader.stored(0)["body"]
        engine = Engine(reader)
        sequence = [w.exact for w in analysed(body)]
        phrases = [sequence[i : i + n] for n in (2, 3, 4) for i in range(0, 60, 7)]
        phrases += [[sequence[0], sequence[0]], [sequence[3], sequence[1]], ["في", "في"]]
        matched = 0
        for phrase in phrases:
            expected = np.zeros(reader.size, dtype=bool)
            matcher = wq.Phrase("body_exact", phrase).matcher(searcher)
            while matcher.is_active():
                expected[matcher.id()] = True
                matcher.next()
            phrase_node = nodes.Phrase("body_exact", tuple(phrase))
            found = engine.evaluate(phrase_node)
            assert np.array_equal(engine.mask(phrase_node), expected), phrase
            assert np.all(found.scores[found.mask] > 0)
            matched += int(expected.any())
        assert matched >= len(phrases) - 3  # most are real phrases of the first article
