"""Stemmers over normalised, non-stop words: the light rules, Snowball, and both together.

Each returns a tuple of stems: the light rules emit two for a word that may begin with a
one-letter clitic (و ف ب ك ل), so the index holds both readings instead of guessing.
"""

from __future__ import annotations

from functools import lru_cache

import Stemmer

from .chars import ALEF, HEH, TEH, TEH_MARBUTA
from .normalize import WORD_CACHE

# Proclitic clusters that are almost always a conjunction/preposition plus the article, longest
# first. Light10 strips only one of ال وال بال كال فال لل و; the clusters with و/ف before ب/ك/ل
# are as common in news (وبالتالي, فللمرة).
ARTICLE_PREFIXES = (
    "وبال",
    "وكال",
    "فبال",
    "فكال",
    "وال",
    "فال",
    "بال",
    "كال",
    "ولل",
    "فلل",
    "لل",
    "ال",
)
# One-letter proclitics are ambiguous (وزير, كوريا, بلينكن begin with them), so the stemmer
# emits the word both with and without them rather than guessing.
CLITIC_LETTERS = frozenset("وفبكل")
# Attached pronouns, with the least stem length left behind. Two-letter ones need four
# letters left, or تفاهم would lose its هم.
PRONOUN_SUFFIXES = (("هما", 4), ("كما", 4), ("ها", 3), ("هم", 4), ("كم", 4), ("هن", 4), ("نا", 4))
# Plural endings, with the least stem length left behind. ان is not stripped at all: it ends
# too many names and nouns (لبنان, ايران, البرلمان) for the duals it would catch.
PLURAL_SUFFIXES = (("ات", 3), ("ون", 4), ("ين", 4))
MIN_ARTICLE_STEM = 2  # الحج, الرد: two-letter stems after the article are real words
MIN_CLUSTER_STEM = 3  # والدة must not become ده
# Words the affix rules would damage, kept whole.
PROTECTED = frozenset({"الله", "لله", "بالله", "والله"})


def strip_article(word: str) -> str:
    """Remove one article cluster (ال, وال, بال, ...), leaving a stem of sensible length.

    >>> strip_article("والطالبات")
    'طالبات'
    """
    for prefix in ARTICLE_PREFIXES:
        if word.startswith(prefix):
            least = MIN_ARTICLE_STEM if len(prefix) == 2 else MIN_CLUSTER_STEM
            if len(word) - len(prefix) >= least:
                return word[len(prefix) :]
            return word
    return word


def strip_suffixes(word: str) -> str:
    """Remove an attached pronoun, then a plural ending, then a final ه (ة after folding).

    A ت left bare by a pronoun was a ة (حكومتها), so it becomes ه and goes with the rest.
    The nisba ي stays: النووية and النووي both become نووي.

    >>> strip_suffixes("اتفاقياتها")
    'اتفاقي'
    >>> strip_suffixes("ولايات")
    'ولاي'
    """
    if word.endswith(TEH + HEH) and len(word) - 2 >= 4:  # مقالته: pronoun ه after a ة
        word = word[:-2] + HEH
    had_pronoun = False
    for suffix, least in PRONOUN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= least:
            word = word[: -len(suffix)]
            had_pronoun = True
            break
    if had_pronoun and word.endswith(TEH) and not word.endswith(ALEF + TEH) and len(word) >= 5:
        word = word[:-1] + HEH
    for suffix, least in PLURAL_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= least:
            word = word[: -len(suffix)]
            break
    if word.endswith(HEH) and len(word) - 1 >= 3:
        word = word[:-1]
    return word


@lru_cache(maxsize=WORD_CACHE)
def light_stems(word: str) -> tuple[str, ...]:
    """Stems of a normalised word: one, or two when it may begin with a one-letter clitic.

    The first stem treats the word as written; the second treats its first letter as و, ف,
    ب, ك or ل. Indexing both lets لكوريا be found by كوريا without turning وزير into زير
    for good.

    >>> light_stems("الولايات")
    ('ولاي',)
    >>> light_stems("لكوريا")
    ('لكوريا', 'كوريا')
    """
    if len(word) < 3 or word in PROTECTED or not word.isalpha():
        return (word,)
    bare = strip_article(word)
    stem = strip_suffixes(bare) if len(bare) >= 3 else bare
    if len(bare) == len(word) and word[0] in CLITIC_LETTERS and len(word) >= 4:
        rest = word[1:]
        alternative = strip_suffixes(strip_article(rest)) if rest not in PROTECTED else rest
        if alternative != stem and len(alternative) >= 3:
            return (stem, alternative)
    return (stem,)


_SNOWBALL = Stemmer.Stemmer("arabic")


@lru_cache(maxsize=WORD_CACHE)
def snowball_stems(word: str) -> tuple[str, ...]:
    """Snowball Arabic (PyStemmer) on a normalised word: the measured alternative.

    Snowball strips a final ة but not ه, and our fold has already made every ة an ه; the
    final ه is turned back so the two readings meet as they do on raw text.

    >>> snowball_stems("الطالبات")
    ('طالب',)
    >>> snowball_stems("الحكومه") == snowball_stems("حكومتها")
    True
    """
    if any(char.isdigit() for char in word):  # numbers and compounds (f16, كوفيد19) stay whole
        return (word,)
    if word.endswith(HEH) and len(word) > 3:
        word = word[:-1] + TEH_MARBUTA
    return (_SNOWBALL.stemWord(word),)


@lru_cache(maxsize=WORD_CACHE)
def light_snowball_stems(word: str) -> tuple[str, ...]:
    """Both algorithms' stems, ours first: Snowball joins forms the light rules keep apart
    (broken plurals aside, its verb endings), the light rules join the وال/فال forms Snowball
    leaves whole.

    >>> light_snowball_stems("والطالبات")
    ('طالب', 'والطالبا')
    """
    # the two algorithms uncached: this cache holds their answer, and theirs would hold the
    # same words again (up to WORD_CACHE entries each in every serving worker)
    found = light_stems.__wrapped__(word) + snowball_stems.__wrapped__(word)
    return tuple(dict.fromkeys(found))


STEMMERS = {
    "light": light_stems,
    "snowball": snowball_stems,
    "light+snowball": light_snowball_stems,
}
DEFAULT_STEMMER = "light+snowball"


def stems(word: str, stemmer: str = DEFAULT_STEMMER) -> tuple[str, ...]:
    """Stems of one normalised, non-stop word under the named algorithm."""
    return STEMMERS[stemmer](word)
