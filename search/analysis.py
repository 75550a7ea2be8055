"""The Arabic analysis chain shared by indexing, querying and highlighting.

Each rule is a plain ``str -> str`` function, tested on its own; thin Whoosh filters apply
them to tokens. Tokens are normalised after tokenizing, never before, so token offsets still
point at the article's own characters and highlights fall on the words as written.

Two chains come out of this module:

* ``arabic_analyzer(stem=False)`` feeds the *exact* fields: normalised surface forms, stop
  words kept (a quoted phrase must match them), positions kept for phrases;
* ``arabic_analyzer(stem=True)`` feeds the *stem* fields: stop words dropped, then the light
  stemmer, which may emit two stems for a word that begins with a one-letter clitic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pyarabic.araby as araby
import Stemmer
from whoosh.analysis import Filter, RegexTokenizer
from whoosh.analysis.analyzers import CompositeAnalyzer

# --- Characters, named so that diffs and editors read the same in any direction -------------

ALEF = araby.ALEF  # ا
ALEF_MADDA = araby.ALEF_MADDA  # آ
ALEF_HAMZA_ABOVE = araby.ALEF_HAMZA_ABOVE  # أ
ALEF_HAMZA_BELOW = araby.ALEF_HAMZA_BELOW  # إ
ALEF_WASLA = araby.ALEF_WASLA  # ٱ
ALEF_MAKSURA = araby.ALEF_MAKSURA  # ى
HAMZA = araby.HAMZA  # ء
WAW_HAMZA = araby.WAW_HAMZA  # ؤ
YEH_HAMZA = araby.YEH_HAMZA  # ئ
YEH = araby.YEH  # ي
TEH = araby.TEH  # ت
TEH_MARBUTA = araby.TEH_MARBUTA  # ة
HEH = araby.HEH  # ه
KAF = araby.KAF  # ك
FEH = araby.FEH  # ف
BEH = araby.BEH  # ب
JEEM = araby.JEEM  # ج
GHAIN = araby.GHAIN  # غ
WAW = araby.WAW  # و
LAM = araby.LAM  # ل
TATWEEL = araby.TATWEEL  # ـ
KEHEH = "\u06a9"  # ک  Persian kaf
GAF = "\u06af"  # گ  Persian gaf (/g/ in names)
FARSI_YEH = "\u06cc"  # ی
YEH_BARREE = "\u06d2"  # ے  Urdu
E_YEH = "\u06d0"  # ې  Pashto/Uyghur
HEH_YEH = "\u06c0"  # ۀ  heh with yeh above
HEH_GOAL = "\u06c1"  # ہ  Urdu
HEH_GOAL_HAMZA = "\u06c2"  # ۂ  what NFKC makes of ہ + hamza above
YEH_BARREE_HAMZA = "\u06d3"  # ۓ
AE = "\u06d5"  # ە  Kurdish
HEH_DOACHASHMEE = "\u06be"  # ھ  Urdu
VEH = "\u06a4"  # ڤ  /v/ in loanwords
PEH = "\u067e"  # پ  /p/ in loanwords
TCHEH = "\u0686"  # چ  /ch/ in loanwords

# Marks that sit inside a word: harakat and the hamza/madda marks (U+064B-U+065F), the dagger
# alef (U+0670), Quranic annotation signs, and the zero-width joiners Persian text uses.
HARAKAT = "".join(map(chr, range(0x064B, 0x0660))) + "\u0670"
QURANIC_MARKS = (
    "".join(map(chr, range(0x0610, 0x061B)))
    + "".join(map(chr, range(0x06D6, 0x06DD)))
    + "".join(map(chr, range(0x06DF, 0x06E9)))
    + "".join(map(chr, range(0x06EA, 0x06EE)))
)
JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ
WORD_MARKS = HARAKAT + QURANIC_MARKS + JOINERS
# Invisible direction marks pasted in from the web; removed wherever they land in a word.
BIDI_MARKS = "\u200e\u200f\u061c"

# A token: a Latin/ASCII-digit compound such as F-16 or COVID-19, or a run of other digits, or
# a run of letters with the marks kept inside it. Python's \w does not match Arabic marks, so
# without them `الرَّئِيسُ` would be cut in two; a filter removes the marks afterwards.
TOKEN_PATTERN = (
    r"[0-9A-Za-z\u00c0-\u024f]+(?:-[0-9A-Za-z\u00c0-\u024f]+)*"
    r"|\d+"
    rf"|(?:[^\W\d_]|[{WORD_MARKS}{BIDI_MARKS}])+"
)
TOKEN_RE = re.compile(TOKEN_PATTERN)

# Distinct words whose normalised form (and, per stemmer, stems) each process keeps. A
# serving worker meets new words in every article it highlights: at 200,000 per function the
# caches took ~4,000 requests to fill and grew a worker's private memory by 16% after its
# first 1,000; at 100,000 it is 10%, flat after 3,000, and searches are as fast (50,000 cost
# 20% of search time; docs/performance.md, "Memory"). Bulk builds cache whole tokens above
# these (search.bulk).
WORD_CACHE = 100_000

# --- Normalisation rules: plain functions -----------------------------------------------

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


@lru_cache(maxsize=WORD_CACHE)
def normalize(token: str) -> str:
    """The whole normalisation of one token: NFKC, marks, letters, digits, Latin case.

    >>> normalize("الرَّئِيسُ")
    'الرءيس'
    >>> normalize("كـوريا")
    'كوريا'
    """
    return fold_digits(fold_letters(strip_diacritics(compose(token)))).lower()


# --- Stop words ----------------------------------------------------------------------------


def _load_stopwords(*names: str) -> frozenset[str]:
    words: set[str] = set()
    for name in names:
        text = resources.files("search").joinpath("data", name).read_text("utf-8")
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                words.add(normalize(line))
    return frozenset(words)


# Lucene's list (folded through `normalize`, so ركوكو فى still matches its own text) plus the
# project's own question words and pronouns (search/data/stopwords-extra.txt).
STOPWORDS = _load_stopwords("stopwords-lucene.txt", "stopwords-extra.txt")


def is_stopword(term: str) -> bool:
    """True for a normalised term that carries no topic on its own."""
    return term in STOPWORDS


# --- Light stemming ---------------------------------------------------------------------

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
    return tuple(dict.fromkeys(light_stems(word) + snowball_stems(word)))


STEMMERS = {
    "light": light_stems,
    "snowball": snowball_stems,
    "light+snowball": light_snowball_stems,
}
DEFAULT_STEMMER = "light+snowball"


def stems(word: str, stemmer: str = DEFAULT_STEMMER) -> tuple[str, ...]:
    """Stems of one normalised, non-stop word under the named algorithm."""
    return STEMMERS[stemmer](word)


# --- Whoosh filters: thin wrappers over the functions above --------------------------------


class Normalize(Filter):
    """Apply `normalize` to each token; drop tokens it leaves empty (a lone haraka).

    A ligature that NFKC spells as several words (ﷺ) yields each word at the same place.
    """

    def __call__(self, tokens):
        for token in tokens:
            text = normalize(token.text)
            if " " in text:
                for part in text.split():
                    token.text = part
                    yield token
            elif text:
                token.text = text
                yield token


class DropStopwords(Filter):
    """Drop normalised stop words (the list is folded too, unlike Lucene's)."""

    def __call__(self, tokens):
        for token in tokens:
            if token.text not in STOPWORDS:
                yield token


class Stem(Filter):
    """Replace each token by its stems; a second stem shares the first one's position."""

    is_morph = True

    def __init__(self, stemmer: str = DEFAULT_STEMMER):
        self.stemmer = stemmer

    def __eq__(self, other):
        return type(other) is type(self) and other.stemmer == self.stemmer

    def __hash__(self):
        return hash((type(self), self.stemmer))

    def __call__(self, tokens):
        stem_function = STEMMERS[self.stemmer]
        for token in tokens:
            for text in stem_function(token.text):
                token.text = text
                yield token


def arabic_analyzer(*, stem: bool = True, stemmer: str = DEFAULT_STEMMER) -> CompositeAnalyzer:
    """One chain for documents and queries; ``stem=False`` feeds the exact-form fields."""
    chain = RegexTokenizer(TOKEN_PATTERN) | Normalize()
    if stem:
        chain = chain | DropStopwords() | Stem(stemmer)
    return chain


# --- Plain-Python views of the chain, for the query parser and the highlighter -------------


@dataclass(frozen=True, slots=True)
class Word:
    """One token of a text: where it sits, its normalised form and its stems."""

    start: int
    end: int
    exact: str
    stems: tuple[str, ...]  # empty for a stop word


def token_words(token: str, stemmer: str = DEFAULT_STEMMER) -> tuple[tuple[str, tuple], ...]:
    """The words the chain makes of one raw token, each with its stems (none for a stop
    word): usually one, several for a ligature NFKC spells as words (ﷺ), split as
    `Normalize` splits them.

    >>> token_words("لكوريا", "light")
    (('لكوريا', ('لكوريا', 'كوريا')),)
    """
    text = normalize(token)
    parts = text.split() if " " in text else [text] if text else []
    return tuple((part, () if part in STOPWORDS else STEMMERS[stemmer](part)) for part in parts)


def words(text: str, stemmer: str = DEFAULT_STEMMER) -> Iterator[Word]:
    """Tokenize and analyse ``text`` exactly as the index does, keeping offsets.

    >>> [w.exact for w in words("وقال الرَّئِيسُ")]
    ['وقال', 'الرءيس']
    """
    for match in TOKEN_RE.finditer(text):
        for exact, found in token_words(match.group(), stemmer):
            yield Word(match.start(), match.end(), exact, found)


def terms(text: str, *, stem: bool = True, stemmer: str = DEFAULT_STEMMER) -> list[str]:
    """The index terms of ``text`` for a stem field (``stem=True``) or an exact field.

    >>> terms("كـوريا الجنوبية", stemmer="light")
    ['كوريا', 'وريا', 'جنوبي']
    """
    if not stem:
        return [word.exact for word in words(text, stemmer)]
    return [s for word in words(text, stemmer) for s in word.stems]


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))
