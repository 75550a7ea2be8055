""" "Did you mean": respell the query's unknown words from the index's own vocabulary.

A word the index does not know at all (no document holds its folded form or any of its
stems) is replaced by the nearest word that several documents hold, within two edits, unless
that word is one of its spelling variants (the search already finds those, and a dropped
long vowel is often another word: كوكل, ككل). A word the index knows is never respelled, so
كاتب is not turned into كتب, and a typo among well-found words (المملكه العربيه السعودبه)
is respelled whatever the query found. The suggestion is shown as an article spells the
word (الشمالية, not the folded الشماليه), read back from a document that holds it.
"""

from __future__ import annotations

from ..analysis import TOKEN_RE, normalize, stems, strip_diacritics, words
from ..store import Reader
from . import nodes as qn
from .engine import engine_for, top
from .fuzzy import neighbours
from .parser import FIELDS, OR_WORDS
from .variants import candidates

# A respelling must be a word at least this many documents hold: a typo's neighbour that
# one article holds is as likely another typo as what the reader meant.
MIN_CORRECTION_DOCUMENTS = 3
FIELD_NAMES = ("body_exact", "title_exact")
STEM_FIELDS = ("body", "title")
# The work one request may cost: one edit of a word of L letters is about 58 L candidates,
# each looked up in two fields. Arabic words run to 15 letters (أفاستسقيناكموها); a longer
# "word" is a name, a number or noise, and 400 letters once cost 4 GB and 27 s.
MAX_SUGGEST_LETTERS = 20
MAX_SUGGEST_WORDS = 4  # unknown words respelled per query; the rest are left as typed


def suggest(reader: Reader, text: str) -> str | None:
    """A respelled query that should find more, or None when nothing better is known."""
    changed = False
    pieces: list[str] = []
    at = 0
    tried: dict[str, str | None] = {}  # each unknown word's correction, found once
    shown: dict[str, str] = {}  # each correction as an article writes it
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
            or not 3 <= len(folded) <= MAX_SUGGEST_LETTERS
        ):
            continue
        if _known(reader, folded):
            continue
        if folded not in tried and len(tried) == MAX_SUGGEST_WORDS:
            break  # the budget is spent: later words stay as typed
        if folded not in tried:
            tried[folded] = _best_correction(reader, folded)
        better = tried[folded]
        if better is None:
            continue
        pieces.append(text[at : match.start()])
        if better not in shown:
            shown[better] = _display_form(reader, better) or better
        pieces.append(shown[better])
        at = match.end()
        changed = True
    if not changed:
        return None
    pieces.append(text[at:])
    return "".join(pieces)


def _frequency(reader: Reader, term: str) -> int:
    return sum(reader.doc_frequency(name, term) for name in FIELD_NAMES)


def _known(reader: Reader, folded: str) -> bool:
    """True when a document holds the word, or one of its stems (كاتب through الكاتب)."""
    if _frequency(reader, folded):
        return True
    return any(
        reader.doc_frequency(name, stem)
        for stem in stems(folded, reader.stemmer)
        for name in STEM_FIELDS
    )


def deletions(word: str) -> set[str]:
    """Every word one deletion away (the only second edit tried: len(word) of them).

    >>> sorted(deletions("باب"))
    ['اب', 'با', 'بب']
    """
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _best_correction(reader: Reader, folded: str) -> str | None:
    variants = set(candidates(folded))  # searched already, and often another word
    floor = MIN_CORRECTION_DOCUMENTS
    nearby = neighbours(reader, folded)  # one edit away (shared with the fuzzy guess)
    options = {c: n for c, n in nearby.items() if c not in variants and n >= floor}
    if not options and len(folded) >= 6:  # two edits only for long words, deletions only
        twice = {d for c in deletions(folded) for d in deletions(c)} - variants
        options = {c: n for c in twice if (n := _frequency(reader, c)) >= floor}
    if not options:
        return None
    return max(options, key=lambda word: (options[word], word))


def _display_form(reader: Reader, folded: str) -> str | None:
    """The word as the document that holds it best writes it (diacritics dropped), for a
    readable suggestion."""
    engine = engine_for(reader)
    query = qn.AnyOf((qn.Term("title_exact", folded), qn.Term("body_exact", folded)))
    matches = engine.evaluate(query)
    matches.keep(engine.live)
    for number in top(matches, 1).tolist():
        stored = reader.stored(number)
        for text in (stored.get("title", ""), stored.get("body", "")):
            for word in words(text, reader.stemmer):
                if word.exact == folded:
                    return strip_diacritics(text[word.start : word.end])
    return None
