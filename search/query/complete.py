"""Suggest as you type: completions of the last word being typed, and titles that match.

The words come from the exact fields' vocabulary, folded as search folds them (اوس finds
أوستن), sorted once per segment (`Reader.frequent_prefixed`): a prefix is a binary search, and the
most frequent words of its range are picked by numpy, so a one-letter prefix costs no more
Python than a long one. Each word is shown as the articles write it, not as the index folds
it (أوستن, not اوستن): the spelling most common among a few articles holding it, found with a
regular expression of the word's spellings.

With words before the last one, a completion counts the articles that hold every word
(كوريا الش → كوريا الشمالية before كوريا الشرق when more articles hold the first pair), and
titles holding every word are offered as whole queries.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..analysis import TOKEN_RE, is_stopword, normalize
from ..store import Reader
from .parser import AND_WORDS, FIELDS, NOT_WORDS, OR_WORDS

EXACT_FIELDS = ("title_exact", "body_exact")
MAX_COMPLETE_CHARS = 200  # the typed text a suggestion request may hold (400 beyond)
MAX_PREFIX_LETTERS = 20  # a longer last "word" is a name, a number or noise: not completed
MAX_CONTEXT_WORDS = 5  # the words before the last that a completion must hold (the last five)
CANDIDATES = 30  # the most frequent words of a prefix's range weighed against the context
MAX_WORDS = 6  # word completions offered
# A completion held by fewer articles than this share of the best one's is left out: one
# article's typo of a common word (ترامببفرض beside ترامب's 3,622 articles among 70k).
MIN_SHARE = 0.001
MAX_TITLES = 3  # titles offered
MIN_TITLE_LETTERS = 3  # letters typed before titles are offered
MAX_TITLE_DOCUMENTS = 20  # articles whose stored title is read for a request (newest first)
SURFACE_SAMPLE = 12  # articles read to find how a word is written
SURFACE_CACHE = 20_000  # words whose written form each reader keeps
_SURFACES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SURFACES_LOCK = threading.Lock()


@dataclass(frozen=True)
class Completion:
    """One suggestion: the text to search, what it is, and how many articles hold it."""

    text: str
    kind: str  # "word": the typed text with its last word completed; "title": an article's
    count: int
    id: str | None = None  # the article, for a title


def complete(reader: Reader, text: str) -> list[Completion]:
    """Completions of ``text`` as typed so far: words first (most articles first), then
    titles. Nothing for text with no word."""
    tokens = [m for m in TOKEN_RE.finditer(text) if not _is_syntax(text, m)]
    if not tokens:
        return []
    last = tokens[-1]
    typing = last.end() == len(text.rstrip("*")) and not text[last.end() :].strip("*")
    context = [normalize(m.group()) for m in (tokens[:-1] if typing else tokens)]
    context = [w for w in context if w and not is_stopword(w)][-MAX_CONTEXT_WORDS:]
    holding = _holding(reader, context)
    found: list[Completion] = []
    words: list[str] = []
    if typing:
        prefix = normalize(last.group())
        if prefix and len(prefix) <= MAX_PREFIX_LETTERS:
            words = _completions(reader, prefix, holding)
            head = text[: last.start()]
            seen = set()
            for word, count in words[:MAX_WORDS]:
                shown = head + surface(reader, word)
                if shown not in seen:
                    seen.add(shown)
                    found.append(Completion(shown, "word", count))
    letters = sum(len(normalize(m.group())) for m in tokens)
    if letters >= MIN_TITLE_LETTERS:
        found += _titles(reader, context, [w for w, _ in words[:3]] if typing else [], holding)
    return found


def _is_syntax(text: str, match: re.Match) -> bool:
    """An operator word (OR, أو, NOT) or a field name (title:), not a word to complete."""
    raw = match.group()
    after = text[match.end() : match.end() + 1]
    return (
        raw in OR_WORDS
        or raw in AND_WORDS
        or raw in NOT_WORDS
        or (after == ":" and raw.lower() in FIELDS)
    )


def _in_documents(reader: Reader, word: str) -> np.ndarray:
    """A mask of the documents holding ``word`` in the title or the body."""
    inside = np.zeros(reader.size, dtype=bool)
    for field in EXACT_FIELDS:
        inside[reader.postings(field, word)[0]] = True
    return inside


def _count(reader: Reader, word: str, holding: np.ndarray) -> int:
    """How many of the ``holding`` documents hold ``word``: the larger of its title and body
    counts, as the vocabulary counts (`Reader.frequent_prefixed`), without a union per word."""
    return max(int(holding[reader.postings(field, word)[0]].sum()) for field in EXACT_FIELDS)


def _holding(reader: Reader, context: list[str]) -> np.ndarray | None:
    """Which live documents hold every context word (None when there is no context)."""
    if not context:
        return None
    mask = reader.live.copy()
    for word in dict.fromkeys(context):
        mask &= _in_documents(reader, word)
    return mask


def _completions(reader: Reader, prefix: str, holding: np.ndarray | None) -> list[tuple[str, int]]:
    """The words that start with ``prefix``, most frequent first (with a context, counted
    among the documents holding it), stop words and the rare look-alikes of a common word
    (ترامببفرض beside ترامب) left out."""
    ranked = reader.frequent_prefixed(EXACT_FIELDS, prefix, CANDIDATES)
    ranked = [(word, count) for word, count in ranked if not is_stopword(word)]
    if holding is None and reader.documents < reader.size:
        holding = reader.live  # the vocabulary still counts replaced and deleted articles
    if holding is not None:
        within = [(word, _count(reader, word, holding)) for word, _ in ranked]
        ranked = sorted(((w, c) for w, c in within if c), key=lambda t: (-t[1], t[0]))
    floor = ranked[0][1] * MIN_SHARE if ranked else 0
    return [(word, count) for word, count in ranked if count >= floor]


def _titles(
    reader: Reader, context: list[str], words: list[str], holding: np.ndarray | None
) -> list[Completion]:
    """Titles holding every context word and, while a word is being typed, one of its best
    completions: the newest first, a title several articles share (wire copies) counted
    once with their number."""
    if not context and not words:
        return []
    mask = np.zeros(reader.size, dtype=bool)
    if words:
        for word in words:
            mask[reader.postings("title_exact", word)[0]] = True
    else:
        mask[:] = True
    for word in context:
        inside = np.zeros(reader.size, dtype=bool)
        inside[reader.postings("title_exact", word)[0]] = True
        mask &= inside
    mask &= reader.live if holding is None else holding
    candidates = np.flatnonzero(mask)
    if candidates.size == 0:
        return []
    days = reader.numbers("day")[candidates]
    if candidates.size > MAX_TITLE_DOCUMENTS:
        keep = np.argpartition(-days, MAX_TITLE_DOCUMENTS - 1)[:MAX_TITLE_DOCUMENTS]
        candidates, days = candidates[keep], days[keep]
    newest_first = candidates[np.lexsort((candidates, -days))]
    titles: dict[str, list] = {}
    for number in newest_first.tolist():
        stored = reader.stored(number)
        title = " ".join((stored.get("title") or "").split())
        if not title:
            continue
        key = " ".join(normalize(m.group()) for m in TOKEN_RE.finditer(title))
        if key in titles:
            titles[key][2] += 1
        else:
            titles[key] = [title, stored["id"], 1]
    ranked = sorted(titles.values(), key=lambda entry: -entry[2])  # stable: newest first
    return [Completion(title, "title", count, doc_id) for title, doc_id, count in ranked][
        :MAX_TITLES
    ]


# -- how the articles write a word --------------------------------------------------------


def _spellings() -> tuple[dict[str, str], str]:
    """For each folded letter, a character class of every character that folds to it; and
    the characters the fold drops (diacritics, tatweel), which may sit between letters."""
    sources: dict[str, set[str]] = {}
    dropped = []
    ranges = [range(0x30, 0x7B), range(0x0600, 0x0700), range(0x0750, 0x0780)]
    ranges += [range(0x08A0, 0x0900), range(0x200C, 0x2010)]
    for code in (c for r in ranges for c in r):
        char = chr(code)
        folded = normalize(char)
        if folded == "" and not char.isspace():
            dropped.append(char)
        elif len(folded) == 1 and (char.isalnum() or not folded.isalnum()):
            sources.setdefault(folded, {folded}).add(char)
    classes = {
        letter: "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"
        for letter, chars in sources.items()
    }
    return classes, "".join(re.escape(c) for c in dropped)


_CLASSES, _DROPPED = _spellings()
_MARKS = f"[{_DROPPED}]*"


def spelling_pattern(word: str) -> re.Pattern:
    """A regular expression for every way an article may write a folded word.

    >>> bool(spelling_pattern("اوستن").fullmatch("أوستن")), bool(spelling_pattern("مدرسه").fullmatch("مَدرسة"))
    (True, True)
    """  # noqa: E501
    body = _MARKS.join(_CLASSES.get(char, re.escape(char)) for char in word)
    return re.compile(rf"(?<![\w{_DROPPED}]){body}{_MARKS}(?!\w)")


def surface(reader: Reader, word: str) -> str:
    """The folded ``word`` as the articles write it most often (diacritics dropped), among
    the titles and bodies of a few articles holding it; the word itself when none shows it."""
    cache = _SURFACES.get(reader)
    if cache is None:
        with _SURFACES_LOCK:
            cache = _SURFACES.setdefault(reader, {})
    if word in cache:
        return cache[word]
    pattern = spelling_pattern(word)
    forms: Counter[str] = Counter()
    titles = reader.postings("title_exact", word)[0][:SURFACE_SAMPLE]
    bodies = reader.postings("body_exact", word)[0][:SURFACE_SAMPLE]
    for number in dict.fromkeys([*titles.tolist(), *bodies.tolist()][:SURFACE_SAMPLE]):
        stored = reader.stored(number)
        for text in (stored.get("title") or "", stored.get("body") or ""):
            for match in pattern.finditer(text):
                written = match.group()
                if normalize(written) == word:
                    forms[re.sub(f"[{_DROPPED}]+", "", written)] += 1
    shown = max(forms, key=lambda form: (forms[form], form)) if forms else word
    if len(cache) >= SURFACE_CACHE:
        cache.clear()
    cache[word] = shown
    return shown
