"""Normalisation rules: each a plain ``str -> str`` function, tested on its own.

`normalize` composes them for one token; the filters in `search.analysis.filters` apply
them one rule per filter. Tokens are normalised after tokenizing, never before, so offsets
still point at the article's own characters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .chars import (
    AE,
    ALEF,
    ALEF_HAMZA_ABOVE,
    ALEF_HAMZA_BELOW,
    ALEF_MADDA,
    ALEF_MAKSURA,
    ALEF_WASLA,
    BEH,
    BIDI_MARKS,
    E_YEH,
    FARSI_YEH,
    FEH,
    GAF,
    HAMZA,
    HEH,
    HEH_DOACHASHMEE,
    HEH_GOAL,
    HEH_GOAL_HAMZA,
    HEH_YEH,
    JEEM,
    KAF,
    KEHEH,
    PEH,
    TATWEEL,
    TCHEH,
    TEH_MARBUTA,
    VEH,
    WAW_HAMZA,
    WORD_MARKS,
    YEH,
    YEH_BARREE,
    YEH_BARREE_HAMZA,
    YEH_HAMZA,
)

# Distinct words whose normalised form (and, per stemmer, stems) each process keeps. A
# serving worker meets new words in every article it highlights, and the caches never stop
# filling: at 100,000 a worker kept for 32,000 requests of distinct queries held 60,000
# normalised words and 45,000 stems at 200-320 bytes each, its heap still growing 2.5 MB
# every 1,000 requests. At 20,000 they are full after about 8,000 requests (a worker meets
# half that in a 20 s benchmark) and searches are as fast (measured in issue 16's
# tenth round; docs/performance.md, "What each change did").
# Bulk builds cache whole tokens above these (search.bulk).
WORD_CACHE = 20_000

_DELETE = str.maketrans("", "", WORD_MARKS + BIDI_MARKS + TATWEEL)

_LETTER_FOLDS = str.maketrans(
    {
        ALEF_MADDA: ALEF,
        ALEF_HAMZA_ABOVE: ALEF,
        ALEF_HAMZA_BELOW: ALEF,
        ALEF_WASLA: ALEF,
        ALEF_MAKSURA: YEH,
        TEH_MARBUTA: HEH,
        # ؤ and ئ: newsrooms disagree on the seat of a medial hamza (مسؤول / مسئول, شؤون /
        # شئون), so both seats fold to the bare hamza; the word is found whichever was typed.
        WAW_HAMZA: HAMZA,
        YEH_HAMZA: HAMZA,
        KEHEH: KAF,
        FARSI_YEH: YEH,
        YEH_BARREE: YEH,
        E_YEH: YEH,
        HEH_YEH: HEH,
        HEH_GOAL_HAMZA: HEH,
        YEH_BARREE_HAMZA: YEH,
        HEH_GOAL: HEH,
        AE: HEH,
        HEH_DOACHASHMEE: HEH,
        GAF: KAF,
        VEH: FEH,
        PEH: BEH,
        TCHEH: JEEM,
    }
)

_DIGITS = str.maketrans(
    {chr(0x0660 + d): str(d) for d in range(10)} | {chr(0x06F0 + d): str(d) for d in range(10)}
)


def compose(text: str) -> str:
    """Unicode NFKC: presentation forms and ligatures become plain letters.

    NFKC keeps the hamza of a lam-alef ligature (pyarabic's ``normalize_ligature`` drops it)
    and joins alef + combining hamza into one letter before the alef fold sees it.

    >>> compose("\ufef7")  # ﻷ
    'لأ'
    """
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text)


def strip_diacritics(text: str) -> str:
    """Remove harakat, the dagger alef, Quranic marks, tatweel, joiners and bidi marks.

    pyarabic's ``strip_tashkeel`` does the eight harakat and nothing else (it keeps U+0670),
    so the set here is wider.

    >>> strip_diacritics("الرَّئِيسُ")
    'الرئيس'
    """
    return text.translate(_DELETE)


def fold_letters(text: str) -> str:
    """Fold the spellings readers use interchangeably to one letter each.

    أ إ آ ٱ -> ا, ى -> ي, ة -> ه, ؤ ئ -> ء, Persian and Urdu forms to their Arabic letters.

    >>> fold_letters("أمريكا کوریا مدرسة")
    'امريكا كوريا مدرسه'
    """
    return text.translate(_LETTER_FOLDS)


def fold_digits(text: str) -> str:
    """Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits to ASCII.

    >>> fold_digits("٢٠٢٤ ۱۴۰۲")
    '2024 1402'
    """
    return text.translate(_DIGITS)


# A hyphen between a letter and a digit, either way round: F-16, COVID-19, كوفيد-19.
_COMPOUND_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=\d)|(?<=\d)-(?=[^\W\d_])")


def join_compound(text: str) -> str:
    """Drop the hyphen between the letters and the digits of a compound, so F-16 and F16,
    كوفيد-19 and كوفيد19 are one word (letters-letters hyphens stay: al-qaeda).

    >>> join_compound("f-16"), join_compound("كوفيد-19"), join_compound("al-qaeda")
    ('f16', 'كوفيد19', 'al-qaeda')
    """
    return _COMPOUND_HYPHEN.sub("", text) if "-" in text else text


@lru_cache(maxsize=WORD_CACHE)
def normalize(token: str) -> str:
    """The whole normalisation of one token: NFKC, marks, letters, digits, Latin case, the
    hyphen of a letter-digit compound.

    >>> normalize("الرَّئِيسُ")
    'الرءيس'
    >>> normalize("كـوريا"), normalize("F-16"), normalize("كوفيد-١٩")
    ('كوريا', 'f16', 'كوفيد19')
    """
    return join_compound(fold_digits(fold_letters(strip_diacritics(compose(token)))).lower())
