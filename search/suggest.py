""" "Did you mean": respell the query's unknown words from the index's own vocabulary.

A word that no document holds (in its folded form) is replaced by the nearest word that many
documents hold, within two edits. The suggestion is shown as an article spells the word
(الشمالية, not the folded الشماليه), read back from a document that holds it.
"""

from __future__ import annotations

from whoosh.searching import Searcher

from .analysis import TOKEN_RE, normalize, strip_diacritics, words
from .parser import FIELDS, OR_WORDS

MAX_EDITS = 2
# A word is respelled only when it is rare and the respelling is far more common: بوتن (one
# article) is a real spelling, not a typo for بوتين (one article too).
RARE_BELOW = 3  # documents
BETTER_BY = 3  # times as many documents
FIELD_NAMES = ("body_exact", "title_exact")


def suggest(searcher: Searcher, text: str, stemmer: str) -> str | None:
    """A respelled query that should find more, or None when nothing better is known."""
    reader = searcher.reader()
    changed = False
    pieces: list[str] = []
    at = 0
    for match in TOKEN_RE.finditer(text):
        raw = match.group()
        folded = normalize(raw)
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if (
            not folded
            or raw in OR_WORDS
            or raw.lower() in FIELDS
            or before == ":"
            or after == "*"
            or len(folded) < 3
        ):
            continue
        own = _frequency(reader, folded)
        if own >= RARE_BELOW:
            continue
        better = _best_correction(searcher, folded)
        if better is None or _frequency(reader, better) < max(1, own * BETTER_BY):
            continue
        pieces.append(text[at : match.start()])
        pieces.append(_display_form(searcher, better, stemmer) or better)
        at = match.end()
        changed = True
    if not changed:
        return None
    pieces.append(text[at:])
    return "".join(pieces)


def _frequency(reader, term: str) -> int:
    return sum(reader.doc_frequency(name, term) for name in FIELD_NAMES)


def _best_correction(searcher: Searcher, folded: str) -> str | None:
    reader = searcher.reader()
    options: dict[str, int] = {}
    for name in FIELD_NAMES:
        corrector = searcher.corrector(name)
        for distance in range(1, MAX_EDITS + 1):
            for candidate in corrector.suggest(folded, limit=5, maxdist=distance):
                options.setdefault(candidate, _frequency(reader, candidate))
            if options:
                break
    options = {word: count for word, count in options.items() if count > 0}
    if not options:
        return None
    return max(options, key=lambda word: (options[word], word))


def _display_form(searcher: Searcher, folded: str, stemmer: str) -> str | None:
    """The word as a document writes it (diacritics dropped), for a readable suggestion."""
    from whoosh.query import Or, Term

    query = Or([Term("title_exact", folded), Term("body_exact", folded)])
    for hit in searcher.search(query, limit=1):
        stored = hit.fields()
        for text in (stored.get("title", ""), stored.get("body", "")):
            for word in words(text, stemmer):
                if word.exact == folded:
                    return strip_diacritics(text[word.start : word.end])
    return None
