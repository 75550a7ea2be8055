"""Hostile Unicode against the parser, analyzer, highlighter and read-only HTTP endpoints.

Property tests (hypothesis) feed mixed scripts, harakat, tatweel, combining marks, bidi
controls, control characters, query operators and very long text everywhere a reader's or an
article's text goes in, and check what a reader would notice: no 500, no traceback, errors in
the one JSON shape, pages that parse as HTML, and highlighting that never lets markup through.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
import signal
import time
from contextlib import contextmanager
from urllib.parse import quote

import html5lib
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from search.analysis import TOKEN_RE, normalize, terms, words
from search.documents import Article, read_paths
from search.errors import BadParameter, BadQuery, SearchError
from search.query import Marks, parser
from search.results import SearchRequest, document, search
from search.results.highlight import ELLIPSIS, highlight_text, snippet
from search.store import index_articles, open_reader
from search.web import create_app

from .conftest import SEEDS

# --- Characters and strategies -----------------------------------------------------------------

ARABIC_LETTERS = st.characters(min_codepoint=0x0621, max_codepoint=0x064A)
HARAKAT = st.sampled_from([chr(c) for c in range(0x064B, 0x0660)] + ["\u0670"])
TATWEEL = st.just("\u0640")
PERSIAN_LETTERS = st.sampled_from("پچژگکیۀہھےې")
LATIN = st.characters(min_codepoint=0x41, max_codepoint=0x7A) | st.sampled_from("éÇßİıŉǅ")
DIGITS = st.sampled_from("0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹")
COMBINING = st.characters(categories=["Mn", "Me"])
BIDI = st.sampled_from(
    ["\u200e", "\u200f", "\u061c"]  # LRM, RLM, ALM
    + [chr(c) for c in range(0x202A, 0x202F)]  # LRE RLE PDF LRO RLO
    + [chr(c) for c in range(0x2066, 0x206A)]  # LRI RLI FSI PDI
    + ["\u200c", "\u200d", "\ufeff"]  # ZWNJ, ZWJ, BOM
)
CONTROLS = st.characters(categories=["Cc"]) | st.sampled_from(["\x00", "\ufdd0", "\uffff"])
SPACES = st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u2028", "\u3000"])
LIGATURES = st.sampled_from(["ﷺ", "ﷲ", "ﻷ", "ﻻ", "ﷻ", "﷽", "ﬁ", "①"])
OPERATORS = st.sampled_from(
    [
        *['"', "(", ")", "-", "*", " OR ", " أو ", " | ", "title:", "source:", "tag:", "عنوان:"],
        *["مصدر:", "وسم:", ":", "«", "»", "“", "”", "„", "--", "-(", '-"', "**"],
    ]
)
MARKUP = st.sampled_from(
    [
        *["<script>alert(1)</script>", "<mark>", "</mark>", "&amp;", "&", "&lt;", '"', "'"],
        *["<", ">", "<b>", "<img src=x onerror=alert(1)>", "]]>", "<!--", "&#0;"],
        *["\\ud800", "%ED%A0%80"],  # a JSON escape and an encoded surrogate, typed as text
    ]
)
ANYTHING = st.characters(exclude_categories=["Cs"])  # every code point but lone surrogates

# Characters the HTML standard forbids in a document (html5lib reports each one): NUL, the
# controls other than ASCII whitespace, and the noncharacters.
HTML_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(chr(plane * 0x10000 + low) for plane in range(17) for low in (0xFFFE, 0xFFFF))
    + "]"
)


def hostile(*extra, max_size: int = 24) -> st.SearchStrategy[str]:
    """Text made of hostile pieces: each piece one character or a small operator/markup."""
    pieces = st.one_of(
        ARABIC_LETTERS,
        ARABIC_LETTERS,
        HARAKAT,
        TATWEEL,
        PERSIAN_LETTERS,
        LATIN,
        DIGITS,
        COMBINING,
        BIDI,
        SPACES,
        SPACES,
        LIGATURES,
        ANYTHING,
        *extra,
    )
    return st.lists(pieces, max_size=max_size).map("".join)


HOSTILE_TEXT = hostile(CONTROLS, MARKUP, OPERATORS)
HOSTILE_QUERY = hostile(CONTROLS, OPERATORS, OPERATORS, MARKUP, max_size=30)


def printable(text: str) -> str:
    """Text a page can echo: without the characters HTML forbids (pages must cope with them too)."""
    return HTML_FORBIDDEN.sub("", text)


PRINTABLE_QUERY = HOSTILE_QUERY.map(printable)

# --- Seed words and hostile articles ---------------------------------------------------------

SEED_SOURCES = ["أ ف ب", "وكالة الصحافة المستقلة", "وكالة تقدم الاخبارية"]
SEED_IDS = ["000_02ae32e1ae9663b9", "002_687531a2e5c0bf49", "004_349d150d1a2d97aa"]

DIACRITIZED = "الرَّئِيسُ"  # الرئيس with shadda, kasra and damma
BIDI_WORD = "كو\u200fريا"  # a right-to-left mark pasted inside a word
HOSTILE_ARTICLES = [
    Article(
        id="script",
        title="<script>alert(1)</script> كوريا & \"سيول\" 'مفرد' &amp; <mark>",
        body=(
            'نص <script>alert(1)</script> عن كوريا و<b>سيول</b> &amp; &lt;b&gt; & "اقتباس" '
            f"'مفرد' <mark>مزيف</mark> {DIACRITIZED} يَزُورُ سِيُول، <img src=x onerror=alert(1)> "
            f"{BIDI_WORD} \u202eعكس\u202c \u2067سيول\u2069 كـــوريا کوریا F-16 ٢٠٢٣ café "
            "محمد ﷺ قال: «صلى الله عليه وسلم» ﷲ ﻷ.\n"
            "سطر ثان <svg onload=alert(1)> فيه </mark> و</p> و<!-- تعليق --> و]]>."
        ),
        date=dt.date(2023, 10, 20),
        source="<b>مصدر</b> & شركاه",
        tags=("<i>وسم</i>", "كوريا"),
    ),
    Article(
        id="controls",
        title="عنوان نظيف عن الزعفران",
        body=(
            "الزعفران\x00 في\x01الحقول \x7fالشرقية\x1b، \x85وحصاد\ufdd0الزعفران\uffff "
            "في\x08الخريف\x9f. " + "المطر يهطل على الهضاب الخضراء " * 20 + "الزعفران\x02 ختام"
        ),
        date=dt.date(2022, 1, 1),
    ),
    Article(
        id="marks-only",
        title="\u064e\u200f\u202e",
        body="\u064e\u064f\u0670 \u200f\u202a\u202c \u0640\u0640",
    ),
    Article(
        id="long-<&>\"'",
        title="مقالة " + "طويلة " * 50 + "<script>",
        body=" ".join(["كوريا <b>&amp;</b> سيول"] * 300),
    ),
]
ARTICLES = {article.id: article for article in HOSTILE_ARTICLES}
ARTICLE_WORDS = sorted(
    {m.group() for a in HOSTILE_ARTICLES for m in TOKEN_RE.finditer(f"{a.title} {a.body}")}
)


@contextmanager
def time_limit(seconds: float):
    """Fail instead of hanging: the loops under test are plain Python, so SIGALRM lands.

    Nests: an outer limit (the per-test one below) resumes with what it had left.
    """

    def fail(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, fail)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        left = outer - (time.monotonic() - started) if outer else 0
        signal.setitimer(signal.ITIMER_REAL, max(left, 0.001) if outer else 0)
        signal.signal(signal.SIGALRM, previous)


class Client:
    """A test client whose requests fail after a few seconds instead of hanging.

    Hypothesis reruns a failing example while shrinking it, so each request needs its own
    limit: the per-test one fires once.
    """

    def __init__(self, folder):
        self.client = create_app({"TESTING": True, "INDEX_DIR": str(folder)}).test_client()

    def get(self, *args, **kwargs):
        with time_limit(10):
            return self.client.get(*args, **kwargs)


@pytest.fixture(scope="module")
def seed_client(seed_index):
    """A test client over the seed index, made once for all examples."""
    return Client(seed_index)


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-index")
    index_articles(folder, HOSTILE_ARTICLES)
    return folder


@pytest.fixture(scope="module")
def hostile_client(hostile_index):
    return Client(hostile_index)


@pytest.fixture(scope="module")
def hostile_searcher(hostile_index):
    with open_reader(hostile_index) as reader:
        yield reader


# --- Helpers ---------------------------------------------------------------------------------

MARK_TAG = re.compile(r"</?mark>")
ENTITY = re.compile(r"&(?!(?:amp|lt|gt);)")
FAST = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def text_of(fragment: str) -> str:
    return html.unescape(MARK_TAG.sub("", fragment))


def visible(text: str) -> str:
    """What a reader sees of stored text: forbidden characters as spaces, runs of space as one."""
    return " ".join(HTML_FORBIDDEN.sub(" ", text).split())


def assert_only_marks(fragment: str) -> str:
    """Every ``<`` belongs to ``<mark>``/``</mark>``, paired and unnested; returns the text seen."""
    tags = MARK_TAG.findall(fragment)
    assert tags == ["<mark>", "</mark>"] * (len(tags) // 2), fragment
    bare = MARK_TAG.sub("", fragment)
    assert "<" not in bare and ">" not in bare, fragment
    assert not ENTITY.search(bare), fragment  # every & starts &amp; &lt; or &gt;
    assert not HTML_FORBIDDEN.search(fragment), fragment
    return html.unescape(bare)


def assert_error_shape(response, status: int) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert (
        {"code", "message", "docs"}
        <= set(body["error"])
        <= {"code", "message", "docs", "parameters"}
    )
    assert body["error"]["code"] and body["error"]["message"].strip()


def assert_api_answer(response) -> dict | None:
    """200 with a JSON body, or a 400 in the error shape; never a 500."""
    assert response.status_code in (200, 400), response.data[:300]
    assert response.mimetype == "application/json"
    if response.status_code == 400:
        assert_error_shape(response, 400)
        return None
    return response.get_json()


def parse_page(response, statuses=(200, 400)):
    """The page parsed strictly (any HTML5 parse error fails), with script and mark checks."""
    assert response.status_code in statuses, response.data[:300]
    assert response.mimetype == "text/html"
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(
        response.get_data(as_text=True)
    )
    scripts = [element.get("src") for element in tree.iter("script")]
    assert len(scripts) == 1  # the page's own script, nothing injected
    assert re.fullmatch(r"/static/app\.js\?v=[0-9a-f]{12}", scripts[0])
    for element in tree.iter():
        assert not any(name.startswith("on") for name in element.attrib), element.attrib
        if element.tag == "mark":
            assert len(element) == 0  # text only inside a highlight
    return tree


@pytest.fixture(autouse=True)
def no_test_hangs():
    """A hang (as a stray » once caused) fails its test instead of stalling the suite."""
    with time_limit(60):
        yield


# --- Parser ----------------------------------------------------------------------------------


def nodes(node):
    yield node
    if isinstance(node, parser.Not | parser.Required):
        yield from nodes(node.node)
    elif isinstance(node, parser.All | parser.Any):
        for child in node.nodes:
            yield from nodes(child)


@settings(max_examples=400, deadline=None, database=None)
@given(HOSTILE_QUERY)
@example("(" * (parser.MAX_DEPTH + 1) + "كوريا")
@example(" ".join(["title:"] * 200) + " كوريا")
@example("-title:" * 120 + "كوريا")
@example('"' * 999)
@example("\x00")
@example("-")
@example("OR أو |")
@example("ﷺ*")
@example("كوريا » سيول")  # a closing guillemet alone once hung the lexer
def test_parser_raises_only_bad_query_and_gives_words(text):
    """Whatever is typed, the parser answers a tree of words or a BadQuery the page can show."""
    try:
        with time_limit(5):
            tree = parser.parse(text)
    except BadQuery as error:
        assert str(error).strip()
        return
    assert parser.has_positive(tree)
    for node in nodes(tree):
        assert isinstance(
            node,
            parser.Term | parser.Phrase | parser.Not | parser.Required | parser.All | parser.Any,
        )
        if isinstance(node, parser.Term):
            assert node.text and not any(char.isspace() for char in node.text)
        if isinstance(node, parser.Phrase):
            assert node.words and all(word and " " not in word for word in node.words)


@pytest.mark.parametrize("text", ["»", "كوريا »", "»كوريا", "«كوريا» »سيول"])
def test_stray_closing_guillemet_is_skipped(seed_client, text):
    """Regression: a » with no « stopped the lexer moving, so the request never returned."""
    with time_limit(5):
        try:
            tree = parser.parse(text)
        except BadQuery:
            tree = None
        response = seed_client.get("/api/search", query_string={"q": text})
    if "كوريا" in text:
        assert "كوريا" in repr(tree)
        assert response.status_code == 200 and response.get_json()["total"] == 5
    else:
        assert_error_shape(response, 400)


def test_query_length_limit_is_a_clean_refusal(seed_client):
    """A 100,000-character query is refused with the limit named, on the API and the page."""
    long = "كوريا " * 16_667
    assert len(long) > 100_000
    with pytest.raises(BadQuery, match=str(parser.MAX_QUERY_LENGTH)):
        parser.parse(long)
    response = seed_client.get("/api/search", query_string={"q": long})
    assert_error_shape(response, 400)
    assert str(parser.MAX_QUERY_LENGTH) in response.get_json()["error"]["message"]
    parse_page(seed_client.get("/", query_string={"q": long}), statuses=(400,))


def test_query_at_the_limit_is_searched(seed_client):
    """Exactly MAX_QUERY_LENGTH characters is allowed; one more is not."""
    at_limit = ("كوريا " * 200)[: parser.MAX_QUERY_LENGTH]
    assert seed_client.get("/api/search", query_string={"q": at_limit}).status_code == 200
    over = seed_client.get("/api/search", query_string={"q": at_limit + "x"})
    assert_error_shape(over, 400)


# --- Analyzer: properties on any text (tests/test_analysis.py covers the Arabic block) -----


@settings(max_examples=300, deadline=None, database=None)
@given(HOSTILE_TEXT)
def test_words_point_at_tokens_of_the_text(text):
    """Highlight offsets come from words(): each must cut a whole token out of the text."""
    found = list(words(text))
    spans = sorted({(word.start, word.end) for word in found})
    assert [(w.start, w.end) for w in found] == sorted((w.start, w.end) for w in found)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start  # tokens never overlap (a ligature's words share one span)
    for word in found:
        assert 0 <= word.start < word.end <= len(text)
        assert TOKEN_RE.fullmatch(text[word.start : word.end])
        assert word.exact and not any(char.isspace() for char in word.exact)
        assert all(stem and not any(char.isspace() for char in stem) for stem in word.stems)
    assert terms(text, stem=False) == [word.exact for word in found]
    assert terms(text) == [stem for word in found for stem in word.stems]


@settings(max_examples=300, deadline=None, database=None)
@given(HOSTILE_TEXT)
def test_normalize_is_idempotent_on_any_token(text):
    """A query word and an index term are each folded once and must meet: folding a token
    twice changes nothing (test_analysis.py checks Arabic-block strings; these hold other
    scripts' marks, controls, bidi embeddings and ligatures)."""
    for match in TOKEN_RE.finditer(text):
        once = normalize(match.group())
        assert normalize(once) == once


# --- Highlighter -----------------------------------------------------------------------------


def marks_from(text: str, data) -> Marks:
    """Marks a query could produce for this text: some of its words, stems and a phrase."""
    found = list(words(text))
    exacts = data.draw(st.sets(st.sampled_from([w.exact for w in found]))) if found else set()
    stems = [s for w in found for s in w.stems]
    chosen = data.draw(st.sets(st.sampled_from(stems))) if stems else set()
    phrases = ()
    if len(found) >= 2:
        i = data.draw(st.integers(0, len(found) - 2))
        phrases = ((found[i].exact, found[i + 1].exact),)
    return Marks(frozenset(exacts), frozenset(chosen), phrases)


@settings(max_examples=300, deadline=None, database=None)
@given(HOSTILE_TEXT, st.data())
def test_highlighted_title_shows_the_text_with_only_marks(text, data):
    """The title as the reader sees it is the stored title, marks only around words."""
    marks = marks_from(text, data)
    with time_limit(5):
        out = highlight_text(text, marks)
    assert assert_only_marks(out) == visible(text)
    for marked in re.findall(r"<mark>(.*?)</mark>", out):
        assert TOKEN_RE.fullmatch(html.unescape(marked)), out


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(HOSTILE_TEXT, max_size=12).map(" ".join), st.data())
def test_snippet_is_escaped_pieces_of_the_text(text, data):
    """A snippet is fragments of the article, escaped, with only <mark> markup in it."""
    marks = marks_from(text, data)
    with time_limit(5):
        out = snippet(text, marks)
    seen = assert_only_marks(out)
    whole = visible(text)
    for fragment in seen.split(ELLIPSIS):
        assert fragment.strip() in whole, (fragment, whole)
    if not list(words(text)):
        assert out == ""


@pytest.mark.parametrize("text", ["كوريا\n", "كوريا ", "عن كوريا \t", "عن كوريا.\n\n  "])
def test_snippet_of_text_ending_in_space_finishes(text):
    """Regression: trailing whitespace after the last clause mark made snippet() loop forever."""
    with time_limit(2):
        out = snippet(text, Marks(frozenset({"كوريا"})))
    assert "<mark>كوريا</mark>" in out
    assert text_of(out) == visible(text)


def test_ligature_is_marked_once():
    """Regression: ﷺ is four words at one place; marking each repeated the ligature."""
    marks = Marks(frozenset({"صلي", "الله", "عليه"}))
    assert highlight_text("محمد ﷺ قال", marks) == "محمد <mark>ﷺ</mark> قال"
    assert snippet("محمد ﷺ قال", marks) == "محمد <mark>ﷺ</mark> قال"


def test_control_characters_in_an_article_become_spaces():
    """Regression: a stray control character in a body broke the HTML of every page showing it."""
    text = "الزعفران\x00في\x01الحقول\x7f\ufdd0الشرقية"
    assert highlight_text(text, Marks(frozenset({"الزعفران"}))) == (
        "<mark>الزعفران</mark> في الحقول الشرقية"
    )
    assert snippet(text, Marks()) == "الزعفران في الحقول الشرقية"


# --- HTTP: the JSON API ----------------------------------------------------------------------

PARAMETER = st.one_of(
    hostile(CONTROLS, max_size=6),
    st.integers(-3, 20_000).map(str),
    st.sampled_from(["", " ", "0", "1", "٣", "۲", "1e3", " 2 ", "10_0", "+5", "٢٠٢٣", "9" * 5000]),
)
DATE = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["٢٠٢٣-١٠-٢٠", "2023-02-30", "0001-01-01", "9999-12-31", "2023-10-20T00:00"]),
    hostile(max_size=10),
)
# Parameters that are all valid, so hostile queries reach ranking and highlighting...
GOOD_PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "page": st.sampled_from(["1", "2", "٢", " 1 "]),
        "per_page": st.sampled_from(["1", "3", "100"]),
        "sort": st.sampled_from(["relevance", "date", ""]),
        "from": st.sampled_from(["0001-01-01", "2023-01-01", "٢٠٢٣-١٠-٢٠"]),
        "to": st.sampled_from(["9999-12-31", "2024-12-31"]),
        "source": st.sampled_from(SEED_SOURCES),
        "explain": st.sampled_from(["1", "0"]),
    },
)
# ...and parameters of any text, each on its own.
HOSTILE_PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "page": PARAMETER,
        "per_page": PARAMETER,
        "sort": st.sampled_from(["DATE", "تاريخ"]) | PARAMETER,
        "from": DATE,
        "to": DATE,
        "year": PARAMETER,
        "source": hostile(CONTROLS, MARKUP, max_size=8),
        "explain": st.sampled_from(["1", "yes", "نعم"]) | PARAMETER,
    },
)
SEED_ARTICLES = {article.id: article for article in read_paths([SEEDS])}
SEED_WORDS = sorted({m.group() for a in SEED_ARTICLES.values() for m in TOKEN_RE.finditer(a.body)})
SEED_QUERY = st.lists(
    st.sampled_from(SEED_WORDS) | OPERATORS | hostile(CONTROLS, MARKUP, max_size=3), max_size=8
).map(" ".join)


def check_hits(body: dict, articles: dict[str, Article] | None = None) -> None:
    for hit in body["results"]:
        assert assert_only_marks(hit["title_html"]) == visible(hit["title"])
        seen = assert_only_marks(hit["snippet_html"])
        if articles is not None:
            whole = visible(articles[hit["id"]].body)
            for fragment in seen.split(ELLIPSIS):
                assert fragment.strip() in whole


@settings(FAST, max_examples=120)
@given(q=SEED_QUERY | HOSTILE_QUERY, params=GOOD_PARAMS)
@example(q="كوريا", params={"from": "0001-01-01", "to": "9999-12-31", "sort": "date"})
def test_api_search_answers_json_never_500(seed_client, q, params):
    """Any query: results or a 400 in the error shape, never a server error."""
    body = assert_api_answer(seed_client.get("/api/search", query_string={"q": q, **params}))
    if body is not None:
        assert body["query"] == q
        check_hits(body, SEED_ARTICLES)


@FAST
@given(q=st.sampled_from(["كوريا", "بلينكن OR روسيا", '"حلف شمال"']), params=HOSTILE_PARAMS)
@example(q="كوريا", params={"page": "9" * 5000})
@example(q="كوريا", params={"from": "2024-01-01", "to": "2023-01-01"})
@example(q="كوريا", params={"year": "9999", "source": "\x00"})
def test_api_search_parameters_of_any_text_never_500(seed_client, q, params):
    """Any page, per_page, sort, date, year or source text: an answer or a clean 400."""
    body = assert_api_answer(seed_client.get("/api/search", query_string={"q": q, **params}))
    if body is not None:
        check_hits(body, SEED_ARTICLES)


@FAST
@given(doc_id=st.sampled_from(SEED_IDS) | hostile(CONTROLS, MARKUP, max_size=12), q=HOSTILE_QUERY)
@example(doc_id="000_02ae32e1ae9663b9", q="")
@example(doc_id="../../etc/passwd", q="")
@example(doc_id="x" * 5000, q="")
def test_api_document_is_found_or_404(seed_client, doc_id, q):
    """A document id of any text is the document or a 404 in the error shape; a query
    parameter the endpoint does not take (it takes none) is a 400 naming it."""
    path = "/api/documents/" + quote(doc_id, safe="")
    response = seed_client.get(path)
    assert response.status_code in (200, 404), response.data[:300]
    assert response.mimetype == "application/json"
    if response.status_code == 200:
        assert response.get_json()["id"] == doc_id
    else:
        assert_error_shape(response, 404)
    if response.status_code == 404 and "no document" not in response.get_json()["error"]["message"]:
        return  # no route matches (an empty id, one starting with /): 404 whatever is asked
    extra = seed_client.get(path, query_string={"q": q})
    assert_error_shape(extra, 400)
    assert extra.get_json()["error"]["code"] == "unknown_parameter"
    assert extra.get_json()["error"]["parameters"] == ["q"]


WORD_QUERY = st.lists(
    st.sampled_from(ARTICLE_WORDS) | OPERATORS | hostile(CONTROLS, MARKUP, max_size=3),
    min_size=1,
    max_size=6,
).map(" ".join)


@FAST
@given(q=WORD_QUERY)
@example(q="كوريا")
@example(q="الرئيس")
@example(q="script alert")
@example(q="صلى الله")
@example(q='"صلى الله عليه"')
@example(q="الزعفران الشرقية")
@example(q="mark amp")
@example(q="كو*")
def test_hostile_articles_highlight_with_only_marks(hostile_client, q):
    """Articles holding markup, entities, controls and bidi marks stay text when highlighted."""
    body = assert_api_answer(hostile_client.get("/api/search", query_string={"q": q}))
    if body is not None:
        check_hits(body, ARTICLES)


@pytest.mark.parametrize("q", ["script", "mark", "amp", "كوريا", "الزعفران", "سيول"])
def test_hostile_article_words_are_found_and_marked(hostile_client, q):
    """The word is found in the hostile articles and the highlight reaches it."""
    body = assert_api_answer(hostile_client.get("/api/search", query_string={"q": q}))
    assert body["total"] >= 1
    check_hits(body, ARTICLES)
    assert any("<mark>" in hit["title_html"] + hit["snippet_html"] for hit in body["results"])


# --- HTTP: lone surrogates and invalid UTF-8 ------------------------------------------------

INVALID_UTF8 = [
    "%ED%A0%80",
    "%ED%B0%80",
    "x%ED%A0%80y",
    "%FF%FE",
    "%C0%AF",
    "%E2%82",
    "%F4%90%80%80",
]


@pytest.mark.parametrize("raw", INVALID_UTF8)
@pytest.mark.parametrize(
    "path, template",
    [
        ("/api/search", "q={}"),
        ("/api/search", "q=كوريا&source={}"),
        ("/api/search", "q=كوريا&from={}"),
        ("/api/search", "q=كوريا&page={}"),
        ("/api/search", "q=كوريا&sort={}"),
        ("/api/documents/{}", ""),
        ("/", "q={}"),
        ("/articles/{}", ""),
        ("/articles/000_02ae32e1ae9663b9", "q={}"),
    ],
)
def test_invalid_utf8_in_a_url_is_never_a_server_error(seed_client, raw, path, template):
    """Bytes that are no UTF-8 (an encoded lone surrogate among them) decode or are refused."""
    response = seed_client.get(path.format(raw) + "?" + template.format(raw))
    assert response.status_code in (200, 400, 404), response.data[:300]
    if response.mimetype == "application/json":
        assert response.get_json() is not None
    else:
        parse_page(response, statuses=(200, 400, 404))


def test_lone_surrogate_through_the_test_client(seed_client):
    """A str lone surrogate cannot go on the wire (the client refuses to encode it); sent as
    its surrogatepass bytes, or typed as a JSON escape, the search still answers."""
    with pytest.raises(UnicodeEncodeError):
        seed_client.get("/api/search", query_string={"q": "\ud800"})
    encoded = quote("\ud800".encode("utf-8", "surrogatepass"))
    response = seed_client.get(f"/api/search?q=كوريا{encoded}")
    assert response.status_code == 200 and response.get_json()["total"] >= 1
    escaped = seed_client.get("/api/search", query_string={"q": "\\ud800 كوريا"})
    assert escaped.status_code == 200 and escaped.get_json()["total"] >= 1


@pytest.mark.parametrize(
    "args",
    [
        {"q": "\ud800"},
        {"q": "كوريا\udcff"},
        {"q": '"كوريا \ud800"'},
        {"q": "كوريا", "source": "\ud800"},
        {"q": "كوريا", "from": "\udced"},
        {"q": "كوريا", "sort": "\ud800"},
        {"q": "كوريا", "page": "\ud800"},
    ],
)
def test_lone_surrogate_in_python_callers_is_a_bad_parameter(find, args):
    """The CLI hands argv (surrogate-escaped bytes) to the same search: a clean error, no crash."""
    with pytest.raises(BadParameter):
        find(**args)


def test_lone_surrogate_document_id_is_not_found(hostile_searcher):
    """No stored id can hold a lone surrogate, so looking one up finds nothing."""
    reader = hostile_searcher
    assert document(reader, "\ud800") is None
    assert document(reader, "script") is not None


# --- HTTP: pages -----------------------------------------------------------------------------


@FAST
@given(
    q=PRINTABLE_QUERY | SEED_QUERY.map(printable),
    params=GOOD_PARAMS | HOSTILE_PARAMS.map(lambda d: {k: printable(v) for k, v in d.items()}),
)
@example(q="<script>alert(1)</script>", params={})
@example(q='"><img src=x onerror=alert(1)>', params={"source": '"><b>x</b>', "year": "<i>"})
@example(q="\u202eكوريا\u202c", params={"source": "أ ف ب", "year": "2023"})
def test_search_page_parses_for_any_query(seed_client, q, params):
    """The search page is valid HTML with no injected markup, whatever the query and filters
    (source and year are echoed back into the facet list)."""
    parse_page(seed_client.get("/", query_string={"q": q, **params}))


@FAST
@given(q=WORD_QUERY.map(printable))
@example(q="script alert mark")
@example(q="الزعفران")
def test_search_page_over_hostile_articles_parses(hostile_client, q):
    """Results whose titles and snippets hold markup and controls still make a valid page."""
    parse_page(hostile_client.get("/", query_string={"q": q}))


@FAST
@given(
    doc_id=st.sampled_from(["script", "controls", "marks-only", "long-<&>\"'"]),
    q=WORD_QUERY.map(printable),
)
@example(doc_id="controls", q="الزعفران")
@example(doc_id="script", q="script كوريا سيول")
def test_article_page_parses_and_marks_only_words(hostile_client, doc_id, q):
    """The article page shows the hostile text as text, whatever the highlighted query."""
    response = hostile_client.get("/articles/" + quote(doc_id, safe=""), query_string={"q": q})
    tree = parse_page(response, statuses=(200,))
    shown = " ".join("".join(tree.itertext()).split())
    title = visible(ARTICLES[doc_id].title)
    assert title in shown  # the title reads as stored (markup as text), marks or not


@FAST
@given(doc_id=hostile(CONTROLS, MARKUP, max_size=12).filter(lambda text: text not in ARTICLES))
def test_unknown_article_is_a_404_page(hostile_client, doc_id):
    """Any other id is the not-found page, valid HTML."""
    response = hostile_client.get("/articles/" + quote(doc_id, safe=""))
    parse_page(response, statuses=(404,))


@pytest.mark.parametrize("q", ["كوريا\x00", "كوريا\x01", "\x7fكوريا", "كوريا\x9f", "كوريا\ufdd0"])
def test_page_echoing_a_control_character_stays_valid_html(seed_client, q):
    parse_page(seed_client.get("/", query_string={"q": q}))


def test_article_with_a_control_character_in_its_title_is_valid_html(tmp_path):
    index_articles(tmp_path, [Article(id="c", title="عنوان\x01", body="نص المقال")])
    parse_page(Client(tmp_path).get("/articles/c"), statuses=(200,))


# --- The same properties through search() directly ----------------------------------------


@FAST
@given(q=SEED_QUERY | HOSTILE_QUERY, params=GOOD_PARAMS | HOSTILE_PARAMS)
def test_search_function_raises_only_search_errors(find, q, params):
    """The CLI, evaluation and bench call search() directly; it fails only in SearchError."""
    try:
        with time_limit(10):
            body = find(q, **params)
    except SearchError as error:
        assert error.status in (400, 404)
        return
    check_hits(body, SEED_ARTICLES)


def test_hostile_index_search_function(hostile_searcher):
    """search() over the hostile articles gives escaped, text-preserving hits."""
    reader = hostile_searcher
    body = search(reader, SearchRequest.from_args({"q": "كوريا سيول"}))
    assert {hit["id"] for hit in body["results"]} >= {"script", "long-<&>\"'"}
    check_hits(body, ARTICLES)
