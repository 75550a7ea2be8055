"""The Arabic analysis chain, one rule per row, as Lucene's analysis tests are laid out.

Rows name invisible characters (marks, joiners, direction marks) instead of pasting them, so
each row reads the same in any editor. Peer vectors: Lucene's normalization rows and
pyarabic's function rows are copied into tests/vectors/ (source and licence on their first
line); the 4,501 generated Snowball rows are read from the shared data folder when present.
"""

from __future__ import annotations

from pathlib import Path

import pyarabic.araby as araby
import pytest
import Stemmer
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import (
    STOPWORDS,
    compose,
    fold_digits,
    fold_letters,
    light_stems,
    normalize,
    snowball_stems,
    strip_diacritics,
    terms,
    words,
)
from search.analysis import chars as analysis
from search.analysis.filters import arabic_analyzer

VECTORS = Path(__file__).parent / "vectors"
PEER_VECTORS = Path(__file__).parents[1].parent / "shared" / "data" / "peer-vectors"
STOPWORD_FILES = Path(analysis.__file__).parent / "data"

# Marks and invisible characters, by their Unicode names.
FATHATAN = "\u064b"
DAMMATAN = "\u064c"
KASRATAN = "\u064d"
FATHA = "\u064e"
DAMMA = "\u064f"
KASRA = "\u0650"
SHADDA = "\u0651"
SUKUN = "\u0652"
MADDA_ABOVE = "\u0653"
HAMZA_ABOVE = "\u0654"
HAMZA_BELOW = "\u0655"
DAGGER_ALEF = "\u0670"  # superscript alef: هٰذا
SMALL_HIGH_SAD_LAM_ALEF = "\u06d6"  # Quranic pause mark
SMALL_HIGH_DOTLESS_KHAH = "\u06e1"  # Quranic sukun
SALLALLAHOU = "\u0610"  # Quranic honorific above a name
TATWEEL = "\u0640"
ZWNJ = "\u200c"
ZWJ = "\u200d"
LRM = "\u200e"
RLM = "\u200f"
ALM = "\u061c"  # Arabic letter mark

DIACRITIZED = f"ال{FATHA}ر{SHADDA}{FATHA}ئ{KASRA}ي{SUKUN}س{DAMMA}"  # الرَّئِيسُ


def read_vectors(path: Path) -> list[tuple[str, str, str]]:
    """Rows of a peer-vector TSV: header input/expected/source, '#' lines are comments."""
    lines = [line for line in path.read_text("utf-8").split("\n") if line]
    header, *rows = [line for line in lines if not line.startswith("#")]
    assert header == "input\texpected\tsource"
    return [tuple(row.split("\t")) for row in rows]


def shared_vectors(name: str) -> list[tuple[str, str, str]]:
    """A file from the shared peer-vector folder, or a skip where a clone lacks it."""
    path = PEER_VECTORS / name
    if not path.exists():
        pytest.skip(f"{path} is absent (shared peer vectors)")
    return read_vectors(path)


# --- 1. Normalization: one row per rule ------------------------------------------------------

NORMALIZATION = [
    # Harakat, each one alone
    (f"ولدا{FATHATAN}", "ولدا"),  # fathatan
    (f"ولد{DAMMATAN}", "ولد"),  # dammatan
    (f"ولد{KASRATAN}", "ولد"),  # kasratan
    (f"م{FATHA}بنا", "مبنا"),  # fatha
    (f"ب{DAMMA}وات", "بوات"),  # damma
    (f"عل{KASRA}ي", "علي"),  # kasra
    (f"هتمي{SHADDA}", "هتمي"),  # shadda
    (f"نل{SUKUN}سون", "نلسون"),  # sukun
    (DIACRITIZED, "الرءيس"),  # a fully vowelled word
    # Quranic and vowel marks beyond the eight harakat
    (f"ه{DAGGER_ALEF}ذا", "هذا"),  # dagger alef U+0670
    (f"الكتاب{SMALL_HIGH_SAD_LAM_ALEF}", "الكتاب"),  # Quranic pause mark U+06D6
    (f"ق{DAMMA}ل{SMALL_HIGH_DOTLESS_KHAH}", "قل"),  # Quranic sukun U+06E1
    (f"محمد{SALLALLAHOU}", "محمد"),  # Quranic honorific U+0610
    # Invisible characters inside a word
    (f"ك{TATWEEL}وريا", "كوريا"),  # tatweel (kashida)
    (f"می{ZWNJ}خواهد", "ميخواهد"),  # ZWNJ, as Persian text writes it (ی folds too)
    (f"ك{ZWJ}وريا", "كوريا"),  # ZWJ
    (f"{RLM}كوريا", "كوريا"),  # right-to-left mark U+200F pasted from the web
    (f"كوريا{ALM}", "كوريا"),  # Arabic letter mark U+061C
    (f"{LRM}سيول", "سيول"),  # left-to-right mark U+200E
    # Alef forms
    ("آجن", "اجن"),  # alef madda
    ("أحمد", "احمد"),  # hamza above alef
    ("إعلام", "اعلام"),  # hamza below alef
    ("ٱلرحمن", "الرحمن"),  # alef wasla (Quranic quotations)
    # Alef maksura, teh marbuta
    ("مستشفى", "مستشفي"),  # alef maksura -> yeh
    ("مدرسة", "مدرسه"),  # teh marbuta -> heh
    # Hamza seats: both fold to the bare hamza (docs/normalization.md)
    ("مسؤول", "مسءول"),  # hamza on waw
    ("مسئول", "مسءول"),  # hamza on yeh: the same word, the other newsroom's spelling
    ("شؤون", "شءون"),  # hamza on waw
    ("شئون", "شءون"),  # hamza on yeh
    # Persian, Urdu, Kurdish and Pashto letter forms
    ("کتاب", "كتاب"),  # keheh U+06A9 -> kaf
    ("روسیا", "روسيا"),  # Farsi yeh U+06CC -> yeh
    ("کوریا", "كوريا"),  # keheh and Farsi yeh together, as in the seed articles
    ("دې", "دي"),  # Pashto e U+06D0 -> yeh
    ("سے", "سي"),  # Urdu yeh barree U+06D2 -> yeh
    ("خانۀ", "خانه"),  # heh with yeh above U+06C0 -> heh
    ("شہر", "شهر"),  # Urdu heh goal U+06C1 -> heh
    ("بەغدا", "بهغدا"),  # Kurdish ae U+06D5 -> heh
    ("بھارت", "بهارت"),  # Urdu heh doachashmee U+06BE -> heh
    ("گوگل", "كوكل"),  # gaf U+06AF -> kaf
    ("ڤيتنام", "فيتنام"),  # veh U+06A4 -> feh
    ("پوتين", "بوتين"),  # peh U+067E -> beh
    ("چاد", "جاد"),  # tcheh U+0686 -> jeem
    # NFKC: presentation forms and ligatures
    ("ﻛﻮﺭﻳﺎ", "كوريا"),  # presentation forms (old PDFs, pasted shaped text)
    ("ﻷ", "لا"),  # lam-alef with hamza ligature: NFKC gives لأ, then أ folds
    ("ﻻ", "لا"),  # plain lam-alef ligature
    ("ﺍﻷﻣﻢ", "الامم"),  # a word spelled with presentation forms and a ligature
    ("ﷲ", "الله"),  # the Allah ligature U+FDF2
    (f"ا{HAMZA_ABOVE}حمد", "احمد"),  # alef + combining hamza above composes to أ, then folds
    (f"ا{HAMZA_BELOW}سلام", "اسلام"),  # alef + combining hamza below composes to إ
    (f"جا{MADDA_ABOVE}ء", "جاء"),  # alef + combining madda composes to آ (Quranic جآء)
    # Digits
    ("٢٠٢٤", "2024"),  # Arabic-Indic digits
    ("٠١٢٣٤٥٦٧٨٩", "0123456789"),  # every Arabic-Indic digit
    ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),  # every Eastern Arabic-Indic (Persian) digit
    # Latin, and the edges
    ("COVID", "covid"),  # Latin is lowercased
    ("Blinken", "blinken"),  # a Latin name in Arabic news
    ("nato", "nato"),  # pure lowercase Latin passes through
    ("", ""),  # the empty term stays empty
]


@pytest.mark.parametrize("raw, folded", NORMALIZATION)
def test_normalization(raw, folded):
    assert normalize(raw) == folded
    assert terms(raw, stem=False) == ([folded] if folded else [])


@pytest.mark.parametrize("raw, folded", NORMALIZATION)
def test_normalization_is_idempotent(raw, folded):
    assert normalize(folded) == folded


# Each step of `normalize` alone, so a rule cannot drift into the wrong function.
STEPS = [
    (compose, "ﻷ", "لأ"),  # NFKC keeps the hamza; folding it is a later step
    (compose, f"ا{HAMZA_ABOVE}", "أ"),  # NFKC joins alef + combining hamza
    (compose, "COVID", "COVID"),  # ASCII is returned as is
    (strip_diacritics, f"أ{FATHA}حمد", "أحمد"),  # marks go, the hamza seat stays
    (strip_diacritics, f"ه{DAGGER_ALEF}ذا", "هذا"),  # the dagger alef is a mark here
    (fold_letters, f"أ{FATHA}", f"ا{FATHA}"),  # letters fold, marks stay
    (fold_letters, "٢٠٢٤", "٢٠٢٤"),  # digits are not letters
    (fold_digits, "٢٠٢٤ ۱۴۰۲", "2024 1402"),  # both digit sets
    (fold_digits, "كوريا", "كوريا"),  # letters untouched
]


@pytest.mark.parametrize("step, raw, out", STEPS, ids=lambda v: getattr(v, "__name__", None))
def test_each_step_alone(step, raw, out):
    assert step(raw) == out


# Arabic-block text with the invisible characters and ligatures the rows above name.
ARABIC_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
    | st.sampled_from([ZWNJ, ZWJ, LRM, RLM, "ﻷ", "ﻻ", "ﺍ", "ﻣ", "ﷲ", " ", "a", "Z", "7"]),
    max_size=12,
)


@settings(max_examples=300, deadline=None, database=None)
@given(ARABIC_TEXT)
def test_normalize_is_idempotent_on_any_text(text):
    once = normalize(text)
    assert normalize(once) == once


# --- 2. Tokenization ----------------------------------------------------------------------


def test_diacritized_word_is_one_token_with_offsets_on_the_original():
    text = f"قال {DIACRITIZED} اليوم"
    found = list(words(text))
    assert [w.exact for w in found] == ["قال", "الرءيس", "اليوم"]
    assert text[found[1].start : found[1].end] == DIACRITIZED


def test_offsets_point_at_every_word_as_written():
    text = f"و{FATHA}ق{FATHA}ال{FATHA} {DIACRITIZED} ك{TATWEEL}وريا {RLM}سيول"
    assert [text[w.start : w.end] for w in words(text)] == text.split(" ")


TOKENS = [
    ("F-16", ["f16", "f", "16"]),  # a Latin-digit compound: the whole, then its runs
    ("F16", ["f16", "f", "16"]),  # the same word written without the hyphen
    ("COVID-19", ["covid19", "covid", "19"]),  # the same, letters first
    ("كوفيد-19", ["كوفيد19", "كوفيد", "19"]),  # an Arabic-digit compound
    ("كوفيد١٩", ["كوفيد19", "كوفيد", "19"]),  # with Arabic-Indic digits, no hyphen
    ("al-qaeda", ["al-qaeda"]),  # letters on both sides: the hyphen stays
    ("2024", ["2024"]),  # a bare year
    ("طائرات F-16 عام 2024", ["طاءرات", "f16", "f", "16", "عام", "2024"]),  # in a sentence
    ("2023آخر", ["2023", "اخر"]),  # digits glued to a word split from it
    ("٢٠٢٣آخر", ["2023", "اخر"]),  # Arabic-Indic digits glued to a word
    ("كوريا،سيول", ["كوريا", "سيول"]),  # Arabic comma
    ("كوريا؛سيول", ["كوريا", "سيول"]),  # Arabic semicolon
    ("كوريا؟سيول", ["كوريا", "سيول"]),  # Arabic question mark
    ("«كوريا»", ["كوريا"]),  # guillemets
    ("“سيول”", ["سيول"]),  # curly quotes
    ("انتهى…", ["انتهي"]),  # ellipsis
    ("قال، ثم؛ «كوريا» “سيول” انتهى…", ["قال", "ثم", "كوريا", "سيول", "انتهي"]),  # all at once
    (FATHA, []),  # a lone haraka is no token
    (f"كوريا {SHADDA} سيول", ["كوريا", "سيول"]),  # nor between two words
    (f"{RLM} {ZWNJ}", []),  # nor a lone direction mark or joiner
    ("", []),  # empty text
]


@pytest.mark.parametrize("text, exact", TOKENS)
def test_tokenization(text, exact):
    assert terms(text, stem=False) == exact
    assert [w.exact for w in words(text)] == exact


@pytest.mark.parametrize("text", ["Zürich", "café", "Erdoğan"])
def test_accented_latin_word_is_one_token(text):
    assert terms(text, stem=False) == [text.lower()]


def test_no_term_contains_a_space():
    assert all(" " not in term for term in terms("محمد ﷺ", stem=False))


# --- 3. Stop words ----------------------------------------------------------------------

STOPWORD_ROWS = [
    ("فى", "في"),  # في written with alef maksura, as in the seed articles
    ("في", "في"),  # the standard spelling
    ("إلى", "الي"),  # hamza below, alef maksura
    ("الى", "الي"),  # bare alef
    ("إلي", "الي"),  # bare yeh
    ("أن", "ان"),  # hamza above
    ("إن", "ان"),  # hamza below
    ("هى", "هي"),  # alef maksura
    ("متى", "متي"),  # question word (stopwords-extra.txt)
    ("كم", "كم"),  # question word
    ("كيف", "كيف"),  # question word
    ("أين", "اين"),  # question word with hamza
    ("ماذا", "ماذا"),  # question word
    ("لماذا", "لماذا"),  # question word
    ("هل", "هل"),  # question particle
]


@pytest.mark.parametrize("raw, folded", STOPWORD_ROWS)
def test_stop_words(raw, folded):
    assert normalize(raw) == folded
    assert folded in STOPWORDS
    assert terms(raw) == []  # stem fields drop it
    assert terms(raw, stem=False) == [folded]  # exact fields keep it, for phrases


def test_stop_list_is_folded():
    assert {normalize(word) for word in STOPWORDS} == STOPWORDS


@pytest.mark.parametrize("name", ["stopwords-lucene.txt", "stopwords-extra.txt"])
def test_every_listed_spelling_is_dropped(name):
    text = (STOPWORD_FILES / name).read_text("utf-8")
    listed = [line.strip() for line in text.splitlines() if line.strip()[:1] not in ("", "#")]
    assert listed
    assert [word for word in listed if terms(word)] == []


def test_unknown_word_before_a_stop_word():
    # ركوكو فى: an unknown word keeps its stem, the stop word spelled with ى goes.
    assert terms("ركوكو فى", stemmer="light") == ["ركوكو"]
    assert terms("ركوكو فى", stem=False) == ["ركوكو", "في"]


def test_question_keeps_only_its_topic():
    # متى goes; بلينكن begins with ب, so it also gets its clitic reading لينكن.
    assert terms("متى زار بلينكن سيول؟", stemmer="light") == ["زار", "بلينكن", "لينكن", "سيول"]


@pytest.mark.parametrize(
    "raw, folded",
    [
        ("علي", "علي"),  # the name Ali is spelled like على once ى folds
        ("آلي", "الي"),  # آلي (automatic) is spelled like إلى once the alefs fold
    ],
)
def test_words_that_fold_onto_a_stop_word_stay_in_the_exact_field(raw, folded):
    # The cost of folding the stop list: these leave the stem field, the exact field keeps them.
    assert terms(raw) == []
    assert terms(raw, stem=False) == [folded]


# --- 4. Light stemmer -------------------------------------------------------------------

LIGHT_STEMS = [
    ("الولايات", ("ولاي",)),  # plural ات only; Lucene's suffix list leaves ولا
    ("والطالبات", ("طالب",)),  # و + article cluster, then plural
    ("التهديدات", ("تهديد",)),  # plural ات ...
    ("التهديد", ("تهديد",)),  # ... meets the singular
    ("النووية", ("نووي",)),  # nisba ي kept, final ة (ه) removed ...
    ("النووي", ("نووي",)),  # ... so the feminine meets the masculine
    ("أوستن", ("اوستن",)),  # a name: nothing to strip
    ("بيونغ", ("بيونغ", "يونغ")),  # a name beginning with ب: the word as written comes first
    ("بوتين", ("بوتين", "وتين")),  # ين is not stripped from a word this short
    ("لبنان", ("لبنان", "بنان")),  # ان is never stripped
    ("ايران", ("ايران",)),  # ان is never stripped
    ("البرلمان", ("برلمان",)),  # article only; ان stays
    ("تفاهم", ("تفاهم",)),  # هم needs four letters left
    ("لكوريا", ("لكوريا", "كوريا")),  # ل may be a clitic: both readings
    ("وزير", ("وزير", "زير")),  # و may be a clitic: both readings, the written one first
    ("حكومتها", ("حكوم",)),  # pronoun ها, the bare ت was a ة ...
    ("الحكومة", ("حكوم",)),  # ... so it meets the definite noun
    ("الطالبات", ("طالب",)),  # article and plural
    ("فالطالبات", ("طالب",)),  # ف + article cluster
    ("للحكومة", ("حكوم",)),  # ل + article (لل)
    ("سيول", ("سيول",)),  # no clitic letter, no affix
    ("من", ("من",)),  # two letters: too short to stem
    ("قد", ("قد",)),  # two letters: too short to stem
    ("الو", ("الو",)),  # three letters: the article would leave one
    ("الله", ("الله",)),  # protected: the article rule would leave له
    ("بالله", ("بالله",)),  # protected
    ("والله", ("والله",)),  # protected
    ("covid", ("covid",)),  # Latin unchanged
    ("f16", ("f16",)),  # a compound is not stemmed
    ("2024", ("2024",)),  # digits unchanged
]


@pytest.mark.parametrize("word, expected", LIGHT_STEMS)
def test_light_stems(word, expected):
    assert light_stems(normalize(word)) == expected


@pytest.mark.parametrize(
    "with_pronoun, plural",
    [("اتفاقياتها", "الاتفاقيات"), ("سياراتهم", "السيارات"), ("حكوماتها", "الحكومات")],
)
def test_plural_with_pronoun_meets_the_plural(with_pronoun, plural):
    assert light_stems(normalize(with_pronoun))[0] == light_stems(normalize(plural))[0]


# --- 4b. Snowball ---------------------------------------------------------------------


def test_snowball_matches_the_generated_vectors():
    # The rows were generated from raw words with PyStemmer; snowball_stems wraps the same
    # Stemmer, so fed the same raw words it agrees on every row that does not end in ه (it
    # reads a final ه as the ة our fold made of it).
    rows = shared_vectors("snowball-arabic-generated.tsv")
    assert len(rows) == 4501
    stemmer = Stemmer.Stemmer("arabic")
    assert [row for row in rows if stemmer.stemWord(row[0]) != row[1]] == []
    plain = [row for row in rows if not row[0].endswith("ه")]
    assert [row for row in plain if snowball_stems(row[0]) != (row[1],)] == []


@pytest.mark.parametrize("a, b", [("الحكومة", "حكومتها"), ("النووية", "النووي")])
def test_snowball_after_normalize_keeps_snowballs_conflations(a, b):
    assert terms(a, stemmer="snowball") == terms(b, stemmer="snowball")


# --- 5. Lucene normalization vectors ------------------------------------------------------

LUCENE_ROWS = read_vectors(VECTORS / "lucene-arabic-normalization.tsv")
LUCENE_IDS = [source.split("#")[-1] for _, _, source in LUCENE_ROWS]  # "alif madda", ...

# Lucene's ArabicNormalizer, restated from its javadoc and switch statement: آ أ إ -> ا,
# ى -> ي, ة -> ه, delete tatweel and the eight harakat U+064B-U+0652. Nothing else.
LUCENE_FOLDS = str.maketrans(
    dict.fromkeys(
        [analysis.ALEF_MADDA, analysis.ALEF_HAMZA_ABOVE, analysis.ALEF_HAMZA_BELOW], analysis.ALEF
    )
    | {analysis.ALEF_MAKSURA: analysis.YEH, analysis.TEH_MARBUTA: analysis.HEH}
    | dict.fromkeys([TATWEEL, *map(chr, range(0x064B, 0x0653))])
)


def lucene_normalize(text: str) -> str:
    return text.translate(LUCENE_FOLDS)


# None of the 15 Lucene rows differ from ours. These are the inputs where our rules
# deliberately go further than Lucene's normalizer: {input: (Lucene's output, ours, why)}.
DELIBERATE_DIFFERENCES = {
    "مسؤول": ("مسؤول", "مسءول", "ؤ and ئ fold to ء: newsrooms write مسؤول and مسئول"),
    "مسئول": ("مسئول", "مسءول", "ؤ and ئ fold to ء: newsrooms write مسؤول and مسئول"),
    "کوریا": ("کوریا", "كوريا", "Persian keheh and yeh occur in the seed articles"),
    "گوگل": ("گوگل", "كوكل", "Persian gaf in loanwords and names"),
    "ٱلرحمن": ("ٱلرحمن", "الرحمن", "alef wasla in quoted Quranic text"),
    f"ه{DAGGER_ALEF}ذا": (f"ه{DAGGER_ALEF}ذا", "هذا", "the dagger alef is a vowel mark"),
    f"ق{DAMMA}ل{SMALL_HIGH_DOTLESS_KHAH}": (
        f"قل{SMALL_HIGH_DOTLESS_KHAH}",
        "قل",
        "Quranic marks are vowel marks too",
    ),
    "ﻛﻮﺭﻳﺎ": ("ﻛﻮﺭﻳﺎ", "كوريا", "NFKC turns presentation forms into letters"),
    "ﺍﻷﻣﻢ": ("ﺍﻷﻣﻢ", "الامم", "NFKC splits the lam-alef ligature, keeping its hamza"),
    f"ا{HAMZA_ABOVE}حمد": (f"ا{HAMZA_ABOVE}حمد", "احمد", "NFKC joins alef + combining hamza"),
    f"می{ZWNJ}خواهد": (f"می{ZWNJ}خواهد", "ميخواهد", "Persian ZWNJ inside a word"),
    f"{RLM}كوريا": (f"{RLM}كوريا", "كوريا", "direction marks pasted from the web"),
}


@pytest.mark.parametrize("raw, expected, source", LUCENE_ROWS, ids=LUCENE_IDS)
def test_lucene_normalization_vectors(raw, expected, source):
    if raw in DELIBERATE_DIFFERENCES:
        lucene, ours, _why = DELIBERATE_DIFFERENCES[raw]
        assert expected == lucene
        assert normalize(raw) == ours
    else:
        assert normalize(raw) == expected


def test_lucene_vectors_are_all_there():
    assert len(LUCENE_ROWS) == 15


@pytest.mark.parametrize("raw, expected, source", LUCENE_ROWS, ids=LUCENE_IDS)
def test_lucene_restatement_reproduces_its_vectors(raw, expected, source):
    assert lucene_normalize(raw) == expected


@pytest.mark.parametrize("raw", DELIBERATE_DIFFERENCES)
def test_deliberate_differences_from_lucene(raw):
    lucene, ours, _why = DELIBERATE_DIFFERENCES[raw]
    assert lucene_normalize(raw) == lucene
    assert normalize(raw) == ours
    assert ours != lucene


# --- 6. pyarabic: the traps, and the parts the project relies on -------------------------

PYARABIC_ROWS = read_vectors(VECTORS / "pyarabic-functions.tsv")
PYARABIC_STRIPS = [
    row for row in PYARABIC_ROWS if row[2].endswith(("::strip_tatweel", "::strip_tashkeel"))
]


def pyarabic_function(source: str):
    """`strip_tatweel` from '... test_araby.py::strip_tatweel', the function a row tests."""
    return getattr(araby, source.split("::")[1].split()[0])


def pyarabic_ids(rows: list[tuple[str, str, str]]) -> list[str]:
    return [pyarabic_function(source).__name__ for _, _, source in rows]


@pytest.mark.parametrize("raw, expected, source", PYARABIC_ROWS, ids=pyarabic_ids(PYARABIC_ROWS))
def test_installed_pyarabic_reproduces_its_vectors(raw, expected, source):
    assert pyarabic_function(source)(raw) == expected


@pytest.mark.parametrize(
    "raw, expected, source", PYARABIC_STRIPS, ids=pyarabic_ids(PYARABIC_STRIPS)
)
def test_strip_diacritics_agrees_with_pyarabic(raw, expected, source):
    assert strip_diacritics(raw) == expected


# (pyarabic function, input, what it gives, our step, what ours gives)
TRAPS = [
    (araby.normalize_hamza, "أحمد", "ءحمد", normalize, "احمد"),  # folds أ to ء, not to ا
    (araby.normalize_alef, "إلى", "الا", normalize, "الي"),  # folds ى to ا as well
    (
        araby.strip_tashkeel,
        f"ه{DAGGER_ALEF}ذا",
        f"ه{DAGGER_ALEF}ذا",  # keeps the dagger alef U+0670
        strip_diacritics,
        "هذا",
    ),
    (araby.normalize_ligature, "ﻷ", "لا", compose, "لأ"),  # drops the hamza of لأ
]


@pytest.mark.parametrize(
    "function, raw, pyarabic_gives, ours, ours_gives", TRAPS, ids=[t[0].__name__ for t in TRAPS]
)
def test_pyarabic_traps(function, raw, pyarabic_gives, ours, ours_gives):
    assert function(raw) == pyarabic_gives
    assert ours(raw) == ours_gives


def test_strip_tatweel_agrees():
    word = f"ال{TATWEEL}ع{TATWEEL * 5}ربية"
    assert araby.strip_tatweel(word) == strip_diacritics(word) == "العربية"


# The letters analysis.py takes from pyarabic, pinned to their code points.
PYARABIC_LETTERS = [
    ("ALEF", 0x0627),
    ("ALEF_MADDA", 0x0622),
    ("ALEF_HAMZA_ABOVE", 0x0623),
    ("ALEF_HAMZA_BELOW", 0x0625),
    ("ALEF_WASLA", 0x0671),
    ("ALEF_MAKSURA", 0x0649),
    ("HAMZA", 0x0621),
    ("WAW_HAMZA", 0x0624),
    ("YEH_HAMZA", 0x0626),
    ("YEH", 0x064A),
    ("TEH", 0x062A),
    ("TEH_MARBUTA", 0x0629),
    ("HEH", 0x0647),
    ("KAF", 0x0643),
    ("FEH", 0x0641),
    ("BEH", 0x0628),
    ("JEEM", 0x062C),
    ("GHAIN", 0x063A),
    ("WAW", 0x0648),
    ("LAM", 0x0644),
    ("TATWEEL", 0x0640),
]


@pytest.mark.parametrize("name, code_point", PYARABIC_LETTERS)
def test_pyarabic_letter_constants(name, code_point):
    assert getattr(araby, name) == getattr(analysis, name) == chr(code_point)


# --- 7. The Whoosh analyzer -----------------------------------------------------------------

SENTENCE = f"قال وزير الخارجية الأمريكي إن لكوريا الشمالية دورا{FATHATAN} في المحادثات"


@pytest.mark.parametrize("stemmer", ["light", "snowball", "light+snowball"])
@pytest.mark.parametrize("stem", [True, False])
def test_analyzer_gives_the_same_terms_as_terms(stem, stemmer):
    analyzer = arabic_analyzer(stem=stem, stemmer=stemmer)
    assert [t.text for t in analyzer(SENTENCE)] == terms(SENTENCE, stem=stem, stemmer=stemmer)


def test_second_stem_shares_the_position_of_the_first():
    analyzer = arabic_analyzer(stem=True, stemmer="light")
    found = [(t.text, t.pos) for t in analyzer(SENTENCE, positions=True)]
    assert found == [
        ("قال", 0),
        ("وزير", 1),
        ("زير", 1),  # second stem, same position
        ("خارجي", 2),
        ("امريكي", 3),
        # 4: ان, a stop word, leaves a gap
        ("لكوريا", 5),
        ("كوريا", 5),  # second stem, same position
        ("شمالي", 6),
        ("دورا", 7),
        # 8: في, a stop word
        ("محادث", 9),
    ]


def test_exact_analyzer_offsets_point_at_the_words_as_written():
    text = f"قال {DIACRITIZED} ك{TATWEEL}وريا"
    tokens = [
        (t.text, t.pos, text[t.startchar : t.endchar])
        for t in arabic_analyzer(stem=False)(text, positions=True, chars=True)
    ]
    assert tokens == [
        ("قال", 0, "قال"),
        ("الرءيس", 1, DIACRITIZED),
        ("كوريا", 2, f"ك{TATWEEL}وريا"),
    ]


MIXED_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
    | st.sampled_from([" ", "-", "،", "«", "F", "i", "1", "٢", "é", ZWNJ, RLM, "ﻷ"]),
    max_size=30,
)


@settings(max_examples=200, deadline=None, database=None)
@given(MIXED_TEXT)
def test_analyzer_and_words_never_disagree(text):
    # The index uses the Whoosh analyzer, the highlighter and parser use words(): same terms.
    for stem in (True, False):
        analyzer = arabic_analyzer(stem=stem)
        assert [t.text for t in analyzer(text)] == terms(text, stem=stem)
