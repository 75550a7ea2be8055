"""The HTML pages through Flask's test client: what a reader (and a screen reader) gets.

Pages are parsed into a small element tree (the standard library's HTMLParser) so the tests
assert on elements and attributes, not on the template's spacing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from search.documents import Article
from search.store import index_articles
from search.web import create_app
from search.web.filters import (
    arabic_date,
    arabic_number,
    page_numbers,
    results_count,
    text_dir,
)

QUERY = "كوريا"  # in all five seed articles
SOURCE = "وكالة الصحافة المستقلة"  # two of them (002, 003)
WESTERN_DIGIT = re.compile(r"[0-9]")

# --- A small element tree ---------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[Element]:
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag)
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(name.rstrip("_")) == value for name, value in attrs.items())
        ]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> Element:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag or '*'}> class={cls} {attrs}"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, {n: v or "" for n, v in attrs}))

    def handle_endtag(self, tag):
        assert tag not in VOID
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(response) -> Element:
    """The page's tree; every non-void element must be closed in order."""
    assert response.mimetype == "text/html"
    builder = _TreeBuilder()
    builder.feed(response.get_data(as_text=True))
    builder.close()
    assert [e.tag for e in builder.stack] == ["#document"]
    return builder.root


def page(client, path: str = "/", status: int = 200, **params) -> Element:
    response = client.get(path, query_string=params)
    assert response.status_code == status, response.data[:500]
    return parse(response)


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def squash(text: str) -> str:
    return " ".join(text.split())


# --- Every page --------------------------------------------------------------------------------


def test_home_is_an_arabic_right_to_left_page(client):
    root = page(client)
    html = root.find("html")
    assert (html.attrs["lang"], html.attrs["dir"]) == ("ar", "rtl")
    box = root.find("input", id="q")
    assert box.attrs["dir"] == "auto" and box.attrs["name"] == "q" and box.attrs["type"] == "search"
    assert root.find("label", for_="q").text.strip() == "كلمات البحث"
    assert root.find("form", role="search")
    for landmark in ("header", "main", "footer"):
        assert root.find(landmark)
    help_panel = root.find("details", cls="help")
    assert "open" in help_panel.attrs  # the syntax is shown on the empty page
    help_text = help_panel.text
    for syntax in ('"كوريا الشمالية"', "-روسيا", "OR", "title:"):
        assert syntax in help_text


@pytest.mark.parametrize(
    "path, params",
    [
        ("/", {}),
        ("/", {"q": QUERY}),
        ("/", {"q": "كورياتت"}),
        ("/", {"q": "("}),
        ("/articles/002_687531a2e5c0bf49", {"q": QUERY}),
        ("/articles/missing", {}),
    ],
)
def test_pages_carry_no_inline_script_style_or_handlers(client, path, params):
    response = client.get(path, query_string=params)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe" not in csp
    root = parse(response)
    assert not root.find_all("style")
    assert all(script.attrs.get("src") and not script.text for script in root.find_all("script"))
    for element in root.iter():
        assert "style" not in element.attrs, element.tag
        assert not [name for name in element.attrs if name.startswith("on")], element.tag
        assert not element.attrs.get("href", "").lower().startswith("javascript:")


def test_query_with_markup_is_escaped(client):
    q = "<script>alert(1)</script>"
    response = client.get("/", query_string={"q": q})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    root = parse(response)
    assert root.find("input", id="q").attrs["value"] == q  # kept in the box, as typed
    assert q in root.find("title").text


# --- Results -------------------------------------------------------------------------------------


def test_results_list_with_marks_dates_and_sources(client):
    root = page(client, q=QUERY, per_page=2, sort="date")  # 004 then 002: both dated and tagged
    assert root.find("input", id="q").attrs["value"] == QUERY
    summary = root.find(id="summary")
    assert summary.attrs["aria-live"] == "polite"
    assert squash(summary.text).startswith("٥ نتائج في ")
    assert squash(summary.text).endswith("ملّي ثانية")
    hits = root.find_all("li", cls="hit")
    assert len(hits) == 2
    for hit in hits:
        heading = hit.find("h2")
        assert heading.attrs["dir"] == "rtl"  # the title is Arabic: set in markup, isolated
        link = heading.find("a")
        assert link.attrs["href"].startswith("/articles/")
        assert query_of(link.attrs["href"])["q"] == [QUERY]
        snippet = hit.find("p", cls="snippet")
        assert snippet.attrs["dir"] == "rtl"
        assert {m.text for m in snippet.find_all("mark")} <= {QUERY, "لكوريا", "وكوريا"}
        assert hit.find("span", cls="source").find("bdi").text.strip()
        for tag in hit.find("ul", cls="tags").find_all("li"):
            assert tag.find("bdi")
    assert hits[0].find("mark").text == QUERY
    first_date = hits[0].find("time")
    assert first_date.attrs["datetime"] == "2024-10-27"
    assert first_date.text == "٢٧ أكتوبر ٢٠٢٤"
    chrome = [summary.text, root.find("nav", cls="pages").text]
    chrome += [t.text for t in root.find_all("time")] + [c.text for c in root.find_all(cls="count")]
    assert not [text for text in chrome if WESTERN_DIGIT.search(text)]


def test_results_page_has_a_heading_and_labelled_controls(client):
    root = page(client, q=QUERY)
    assert QUERY in root.find("h1").text
    assert root.find("label", for_="sort")
    for fieldset in root.find_all("fieldset"):
        assert fieldset.find("legend").text.strip()
        for radio in fieldset.find_all("input", type="radio"):
            assert any(radio in label.iter() for label in fieldset.find_all("label"))


def test_pagination_links_keep_query_sort_source_and_size(client):
    root = page(client, q=QUERY, per_page=1, sort="date", source=SOURCE)
    pages = root.find("nav", cls="pages")
    assert pages.attrs["aria-label"]
    assert pages.find("span", **{"aria-current": "page"}).text == "١"
    following = query_of(pages.find("a", rel="next").attrs["href"])
    assert following == {
        "q": [QUERY],
        "per_page": ["1"],
        "sort": ["date"],
        "source": [SOURCE],
        "page": ["2"],
    }
    second = page(client, q=QUERY, per_page=1, sort="date", source=SOURCE, page=2)
    back = query_of(second.find("a", rel="prev").attrs["href"])
    assert "page" not in back  # page one has a single address
    assert back["source"] == [SOURCE] and back["sort"] == ["date"]
    assert not second.find_all("a", rel="next")


def test_links_carry_only_search_parameters(client):
    # url_for would take these as its own arguments (a 500, or an absolute link).
    root = page(client, q=QUERY, per_page=1, endpoint="x", _external="1", utm_source="y")
    following = root.find("a", rel="next").attrs["href"]
    assert following.startswith("/?")
    assert query_of(following) == {"q": [QUERY], "per_page": ["1"], "page": ["2"]}


def test_page_window_numbers_pages_in_arabic(client):
    root = page(client, q=QUERY, per_page=1)
    numbers = [a.text for a in root.find("nav", cls="pages").find_all("a") if "rel" not in a.attrs]
    assert numbers == ["٢", "٣", "٤", "٥"]


def test_sort_by_date_orders_newest_first(client):
    root = page(client, q=QUERY, sort="date")
    dates = [t.attrs["datetime"] for t in root.find_all("time")]
    assert dates == sorted(dates, reverse=True)
    assert root.find("option", value="date:desc").attrs.get("selected") is not None


def test_sort_oldest_first(client):
    root = page(client, q=QUERY, sort="date:asc")
    dates = [t.attrs["datetime"] for t in root.find_all("time")]
    assert dates == sorted(dates) and len(dates) == 3
    assert root.find("option", value="date:asc").attrs.get("selected") is not None
    assert [o.attrs["value"] for o in root.find_all("option")] == [
        "relevance",
        "date:desc",
        "date:asc",
    ]


def test_facets_list_sources_and_years_with_counts(client):
    root = page(client, q=QUERY, per_page=2)
    form = root.find("aside", cls="filters").find("form")
    assert form.attrs["method"] == "get"
    hidden = {i.attrs["name"]: i.attrs["value"] for i in form.find_all("input", type="hidden")}
    assert hidden == {"q": QUERY, "per_page": "2"}
    dates = {i.attrs["name"]: i for i in form.find_all("input", type="date")}
    assert set(dates) == {"from", "to"}  # the date range, each with its label
    assert {lab.attrs["for"] for lab in form.find_all("label") if "for" in lab.attrs} >= {
        "from",
        "to",
    }
    sources = {r.attrs["value"]: r for r in form.find_all("input", name="source")}
    assert {r.attrs["type"] for r in sources.values()} == {"checkbox"}  # several may be chosen
    assert not any("checked" in r.attrs for r in sources.values())
    label = next(lab for lab in form.find_all("label") if sources[SOURCE] in lab.iter())
    assert label.find("bdi").text == SOURCE
    assert label.find("span", cls="count").text == "٢"
    years = [r.attrs["value"] for r in form.find_all("input", name="year")]
    assert years == ["", "2024", "2023"]
    assert form.find("button", type="submit")  # without JavaScript, this applies the filters


def test_choosing_a_source_filters_and_keeps_the_other_choices(client):
    root = page(client, q=QUERY, source=SOURCE)
    assert squash(root.find(id="summary").text).startswith("نتيجتان في")
    assert {s.text for s in root.find_all("span", cls="source")} == {SOURCE}
    boxes = root.find("aside", cls="filters").find_all("input", name="source")
    assert len(boxes) == 3  # the three sources, counted as if unfiltered
    assert [r.attrs["value"] for r in boxes if "checked" in r.attrs] == [SOURCE]
    clear = root.find("a", cls="clear")
    assert query_of(clear.attrs["href"]) == {"q": [QUERY]}


def test_two_sources_and_an_excluded_one(client):
    root = page(client, q=QUERY, source=[SOURCE, "أ ف ب"])
    assert {s.text for s in root.find_all("span", cls="source")} == {SOURCE, "أ ف ب"}
    boxes = root.find("aside", cls="filters").find_all("input", name="source")
    assert {r.attrs["value"] for r in boxes if "checked" in r.attrs} == {SOURCE, "أ ف ب"}
    exclude = root.find("a", cls="exclude", **{"aria-label": f"استبعاد {SOURCE}"})
    assert query_of(exclude.attrs["href"]) == {
        "q": [QUERY],
        "source": [SOURCE, "أ ف ب"],
        "source_not": [SOURCE],
    }
    root = page(client, q=QUERY, source_not=SOURCE)
    assert SOURCE not in {s.text for s in root.find_all("span", cls="source")}
    (undo,) = root.find("aside", cls="filters").find_all("input", name="source_not")
    assert (undo.attrs["value"], "checked" in undo.attrs) == (SOURCE, True)  # unticked: back


def test_a_tag_facet_and_filter(client):
    root = page(client, q=QUERY)
    tags = root.find(id="facet-tag").find_all("input", name="tag")
    assert len(tags) == 3  # 001, 002 and 004 carry one tag line each
    chosen = tags[0].attrs["value"]
    root = page(client, q=QUERY, tag=chosen)
    assert squash(root.find(id="summary").text).startswith("نتيجة واحدة")


def test_a_date_range_from_the_form(client):
    root = page(client, q=QUERY, **{"from": "2023-11-01", "to": "2023-12-31"})
    assert [t.attrs["datetime"] for t in root.find_all("time")] == ["2023-11-09"]
    dates = {i.attrs["name"]: i.attrs["value"] for i in root.find_all("input", type="date")}
    assert dates == {"from": "2023-11-01", "to": "2023-12-31"}


def test_year_filter(client):
    root = page(client, q=QUERY, year="2023")
    assert {t.attrs["datetime"][:4] for t in root.find_all("time")} == {"2023"}
    chosen = [r for r in root.find_all("input", name="year") if "checked" in r.attrs]
    assert [r.attrs["value"] for r in chosen] == ["2023"]
    assert len(root.find_all("input", name="year")) == 3


def test_suggestion_link_and_helpful_empty_state(client):
    root = page(client, q="كورياتت", sort="date")
    assert squash(root.find(id="summary").text).startswith("لا نتائج")
    link = root.find("p", cls="suggestion").find("a")
    assert link.find("bdi").text == QUERY
    assert query_of(link.attrs["href"]) == {"q": [QUERY], "sort": ["date"]}
    empty = root.find("div", cls="empty")
    assert empty.find("bdi").text == "كورياتت"
    tips = squash(empty.text)
    for advice in ("الإملاء", "كلمات أقل", "علامات التنصيص"):
        assert advice in tips
    assert not root.find_all("ol", cls="hits")


def test_empty_state_offers_to_drop_filters(client):
    root = page(client, q="الناتو", source="أ ف ب")
    empty = root.find("div", cls="empty")
    widen = [a for a in empty.find_all("a") if "كل المصادر" in a.text]
    assert query_of(widen[0].attrs["href"]) == {"q": ["الناتو"]}


def test_unreadable_query_is_an_arabic_notice(client):
    root = page(client, "/", 400, q="(")
    notice = root.find("section", role="alert")
    assert notice.find("h1").text == "تعذّر فهم البحث"
    assert notice.find("p", cls="detail").attrs["lang"] == "en"
    page(client, "/", 400, q=QUERY, page="abc")


def test_page_past_the_end_offers_the_first(client):
    root = page(client, q=QUERY, page=9)
    link = root.find("div", cls="empty").find("a")
    assert query_of(link.attrs["href"]) == {"q": [QUERY]}


# --- Article page --------------------------------------------------------------------------------


def test_article_page_marks_the_query_words(client):
    root = page(client, "/articles/002_687531a2e5c0bf49", q=QUERY)
    heading = root.find("h1")
    assert heading.attrs["dir"] == "rtl"
    assert [m.text for m in heading.find_all("mark")] == [QUERY]
    marks = [m.text for m in root.find("div", cls="body").find_all("mark")]
    assert len(marks) > 10 and set(marks) <= {QUERY, "لكوريا"}
    for paragraph in root.find("div", cls="body").find_all("p"):
        assert paragraph.attrs["dir"] == "rtl"
    meta = root.find("dl", cls="meta")
    assert meta.find("time").text == "٩ نوفمبر ٢٠٢٣"
    assert meta.find("bdi").text == SOURCE
    original = meta.find("a", cls="url")
    assert original.attrs["href"].startswith("https://www.reuters.com/")
    assert original.find("bdi").attrs["dir"] == "ltr" and original.text == "reuters.com"
    back = root.find("p", cls="back").find("a")
    assert query_of(back.attrs["href"]) == {"q": [QUERY]}
    assert back.find("bdi").text == QUERY


def test_article_page_without_a_query_marks_nothing(client):
    root = page(client, "/articles/002_687531a2e5c0bf49")
    assert not root.find_all("mark")
    assert not root.find_all("p", cls="back")


@pytest.mark.parametrize("path", ["/no-such-page", "/articles/no-such-article"])
def test_not_found_is_an_arabic_html_page(client, path):
    root = page(client, path, 404)
    assert root.find("html").attrs["lang"] == "ar"
    assert root.find("h1").text == "الصفحة غير موجودة"
    assert root.find("section", role="alert")
    assert root.find("a", href="/")


# --- Mixed-direction text ------------------------------------------------------------------------

MIXED = [
    Article(
        id="f16",
        title="F-16 تصل إلى أوكرانيا مع 3000 جندي",
        body="قال المتحدث إن طائرات F-16 ستصل، وفق https://example.com/a?b=1 وعددها 3000.\n"
        "Reuters reported the delivery on Monday.",
        date=dt.date(2024, 7, 31),
        source="Reuters",
        url="javascript:alert(1)",
        tags=("NATO", "أوكرانيا"),
    ),
    Article(
        id="markup",
        title='عنوان <script>alert(1)</script> & "اقتباس"',
        body="نص <img src=x onerror=alert(1)> و<b>عريض</b> <mark>مزيف</mark>.",
    ),
]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mixed-index")
    index_articles(folder, MIXED)
    return create_app({"TESTING": True, "INDEX_DIR": str(folder)}).test_client()


def test_latin_led_arabic_title_stays_right_to_left(mixed):
    root = page(mixed, q="أوكرانيا")
    hit = root.find("li", cls="hit")
    assert hit.find("h2").attrs["dir"] == "rtl"  # dir="auto" would pick ltr from "F-16"
    assert hit.find("span", cls="source").find("bdi").text == "Reuters"
    article = page(mixed, "/articles/f16", q="أوكرانيا")
    directions = [p.attrs["dir"] for p in article.find("div", cls="body").find_all("p")]
    assert directions == ["rtl", "ltr"]
    assert [t.text for t in article.find("ul", cls="tags").find_all("bdi")] == ["NATO", "أوكرانيا"]


def test_stored_javascript_url_is_not_linked(mixed):
    root = page(mixed, "/articles/f16")
    assert not root.find_all("a", cls="url")


def test_article_markup_is_escaped(mixed):
    response = mixed.get("/articles/markup", query_string={"q": "عريض"})
    text = response.get_data(as_text=True)
    assert "<script>alert" not in text and "<img" not in text and "<b>" not in text
    root = parse(response)
    assert [m.text for m in root.find("div", cls="body").find_all("mark")] == ["عريض"]
    results = mixed.get("/", query_string={"q": "اقتباس"}).get_data(as_text=True)
    assert "<script>alert" not in results and "&lt;script&gt;" in results


# --- Helpers the templates use -------------------------------------------------------------------


@pytest.mark.parametrize(
    "count, phrase",
    [
        (0, "لا نتائج"),
        (1, "نتيجة واحدة"),
        (2, "نتيجتان"),
        (5, "٥ نتائج"),
        (10, "١٠ نتائج"),
        (11, "١١ نتيجة"),  # 11-99: singular accusative
        (100, "١٠٠ نتيجة"),
        (103, "١٠٣ نتائج"),  # agreement follows the last two digits
    ],
)
def test_results_count(count, phrase):
    assert results_count(count) == phrase


@pytest.mark.parametrize(
    "text, direction",
    [
        ("كوريا الشمالية", "rtl"),
        ("F-16 تصل إلى أوكرانيا", "rtl"),  # first strong letter is Latin, most are Arabic
        ("CNN: بلينكن في سيول", "rtl"),
        ("Reuters", "ltr"),
        ("North Korea فقط", "ltr"),
        ("<mark>كوريا</mark>", "rtl"),  # markup is not text
        ("3000", "auto"),
        ("", "auto"),
    ],
)
def test_text_dir(text, direction):
    assert text_dir(text) == direction


def test_arabic_numbers_and_dates():
    assert arabic_number(2023) == "٢٠٢٣"
    assert arabic_date("2023-10-20") == "٢٠ أكتوبر ٢٠٢٣"
    assert arabic_date("2024-01-05") == "٥ يناير ٢٠٢٤"
    assert arabic_date("not a date") == "not a date"


@pytest.mark.parametrize(
    "current, last, shown",
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 40, list(range(1, 11))),
        (9, 40, list(range(5, 15))),  # current -4 .. +5, as SearXNG
        (40, 40, list(range(31, 41))),
    ],
)
def test_page_numbers(current, last, shown):
    assert page_numbers(current, last) == shown


# --- Validity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, params",
    [
        ("/", {}),
        ("/", {"q": QUERY, "per_page": 2, "source": SOURCE}),
        ("/", {"q": "كورياتت"}),
        ("/", {"q": "("}),
        ("/articles/002_687531a2e5c0bf49", {"q": QUERY}),
        ("/articles/missing", {}),
    ],
)
def test_pages_parse_without_html5_errors(client, path, params):
    html5lib = pytest.importorskip("html5lib")
    text = client.get(path, query_string=params).get_data(as_text=True)
    html5lib.HTMLParser(strict=True).parse(text)
