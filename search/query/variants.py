"""Spelling variants of transliterated names, the way different newsrooms write them.

Outlets disagree on foreign names: بيونغ يانغ / بيونج يانج (غ or ج for /g/), بوتين / بوتن and
سيول / سول (a long vowel written or not), الأمريكي / الأميركي (where the ي goes), ترامب / ترمب.
No stemmer joins these, and plain edit distance is too loose (it would join عالم and علم).
So a query word is expanded to the few candidates these rules produce *that the index
actually holds*, and they score below the form the reader typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..analysis.chars import ALEF, GHAIN, JEEM, WAW, YEH

LONG_VOWELS = (YEH, WAW)
GHAIN_JEEM = ((GHAIN, JEEM), (JEEM, GHAIN))  # /g/ in names: Levantine غ, Egyptian ج
MIN_WORD = 3  # letters; shorter words have too many unrelated neighbours
MIN_ALEF_WORD = 4  # an ا is inserted or dropped only in longer words (ترمب/ترامب, not علم/عالم)
MAX_VARIANTS = 4  # per query word, the most frequent in the index
MAX_WORD = 20  # letters; a longer "word" is no name, and its ~3 candidates a letter cost lookups


def candidates(word: str) -> Iterator[str]:
    """Every spelling the rules allow, before checking the index (may repeat).

    >>> sorted(set(candidates("بيونج")) & {"بيونغ", "بونج"})
    ['بونج', 'بيونغ']
    """
    if not MIN_WORD <= len(word) <= MAX_WORD or not word.isalpha():
        return
    # غ <-> ج, one occurrence at a time and all at once (جوجل / غوغل)
    for original, replacement in GHAIN_JEEM:
        if original in word:
            yield word.replace(original, replacement)
            for i, char in enumerate(word):
                if char == original:
                    yield word[:i] + replacement + word[i + 1 :]
    inner = range(1, len(word) - 1)  # never the first or last letter (nisba ي, و of a clitic)
    for i in inner:
        char = word[i]
        if char in LONG_VOWELS or (char == ALEF and len(word) > MIN_ALEF_WORD):
            yield word[:i] + word[i + 1 :]  # بوتين -> بوتن
        if char == YEH:  # الامريكي <-> الاميركي: the ي moves one letter
            if i - 1 >= 1:
                yield word[: i - 1] + YEH + word[i - 1] + word[i + 1 :]
            if i + 1 < len(word) - 1:
                yield word[:i] + word[i + 1] + YEH + word[i + 2 :]
    for i in range(1, len(word)):
        for vowel in LONG_VOWELS:
            yield word[:i] + vowel + word[i:]  # بوتن -> بوتين, سول -> سيول
        if len(word) >= MIN_ALEF_WORD:
            yield word[:i] + ALEF + word[i:]  # ترمب -> ترامب


def spelling_variants(word: str, frequency: Callable[[str], int]) -> list[str]:
    """The candidates the index holds, most frequent first, at most MAX_VARIANTS.

    ``frequency`` returns how many documents hold a term (0 when absent).
    """
    found = {}
    for candidate in set(candidates(word)):
        if candidate != word:
            count = frequency(candidate)
            if count:
                found[candidate] = count
    return sorted(found, key=lambda c: (-found[c], c))[:MAX_VARIANTS]
