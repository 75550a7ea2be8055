"""The page's Jinja helpers: Arabic numbers and dates, number agreement, text direction,
links that keep the search's parameters. Plain functions, each with its example."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlencode, urlsplit

from flask import request, url_for
from markupsafe import Markup

from ..results.highlight import NOT_HTML_RE

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MONTHS = (  # Egyptian (Gregorian-derived) month names, January first
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip
PAGE_WINDOW = 10  # numbered page links shown at once, as SearXNG does
TAG_RE = re.compile(r"<[^>]*>")
SEARCH_PARAMS = (  # link order
    "q",
    "sort",
    "source",
    "source_not",
    "tag",
    "tag_not",
    "year",
    "from",
    "to",
    "collapse",
    "per_page",
    "page",
)
REPEATED_PARAMS = ("source", "source_not", "tag", "tag_not")


def html_text(value):
    """Every ``{{ ... }}`` of a page, with the characters HTML forbids turned into spaces.

    Jinja's ``finalize`` hook runs on each printed value before it is escaped, so a query,
    a stored title or an error message echoed anywhere (``<title>``, an attribute, the text)
    cannot carry a NUL, a C0/C1 control or a noncharacter into the page. The rule is the
    highlighter's, so ``title_html`` and the plain ``title`` agree. Markup stays markup.

    >>> html_text("كوريا\x01"), html_text(3)
    ('كوريا ', 3)
    """
    if hasattr(value, "__html__"):
        return Markup(NOT_HTML_RE.sub(" ", value.__html__()))
    if isinstance(value, str):
        return NOT_HTML_RE.sub(" ", value)
    if value is None or isinstance(value, int | float):
        return value
    return NOT_HTML_RE.sub(" ", str(value))  # an exception or other object, as Jinja prints it


def arabic_number(value) -> str:
    """Numbers in the page's chrome are written with Arabic-Indic digits: ٢٠٢٣.

    >>> arabic_number(2023)
    '٢٠٢٣'
    """
    return str(value).translate(ARABIC_DIGITS)


def arabic_date(iso: str | None) -> str:
    """2023-10-20 -> ٢٠ أكتوبر ٢٠٢٣ (Egyptian month names, the most widely read).

    >>> arabic_date("2023-10-20")
    '٢٠ أكتوبر ٢٠٢٣'
    """
    try:
        year, month, day = (int(part) for part in str(iso).split("-"))
        return arabic_number(f"{day} {MONTHS[month - 1]} {year}")
    except (ValueError, IndexError):
        return str(iso or "")


def results_word(count: int) -> str:
    """The noun after a number, by Arabic number agreement."""
    if count == 1:
        return "نتيجة"
    if count == 2:
        return "نتيجتان"
    if 3 <= count % 100 <= 10:
        return "نتائج"
    return "نتيجة"


def results_count(count: int) -> str:
    """The whole count phrase: لا نتائج, نتيجة واحدة, نتيجتان, ٥ نتائج, ١١ نتيجة.

    >>> results_count(5)
    '٥ نتائج'
    """
    if count == 0:
        return "لا نتائج"
    if count == 1:
        return "نتيجة واحدة"
    if count == 2:
        return "نتيجتان"
    return f"{arabic_number(count)} {results_word(count)}"


def took_phrase(ms: float) -> str:
    """Search time for the summary line: ٣ ملّي ثانية, or أقل من ملّي ثانية."""
    if ms < 0.5:
        return "أقل من ملّي ثانية"
    return f"{arabic_number(round(ms))} ملّي ثانية"


def text_dir(text) -> str:
    """``rtl`` or ``ltr`` by the majority of strong letters, ``auto`` when there are none.

    ``dir="auto"`` looks only at the first strong letter, so an Arabic headline that opens
    with "F-16" or "CNN:" would be laid out left to right; counting letters does not.
    Markup (the highlighter's ``<mark>``) is ignored.

    >>> text_dir("F-16 تصل إلى أوكرانيا"), text_dir("Reuters"), text_dir("3000")
    ('rtl', 'ltr', 'auto')
    """
    plain = TAG_RE.sub("", str(text or ""))
    rtl = ltr = 0
    for char in plain:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            rtl += 1
        elif kind == "L":
            ltr += 1
    if not rtl and not ltr:
        return "auto"
    return "rtl" if rtl >= ltr else "ltr"


def url_host(url: str | None) -> str:
    """The host name shown for an article's original link (www. dropped)."""
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.")


def web_url(url: str | None) -> str | None:
    """The URL when it is http(s), so a stored ``javascript:`` link never becomes a link."""
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def page_url(page: int | None = None, **changes) -> str:
    """This search's URL with ``page`` and other parameters changed; empty values dropped.

    Every link on the results page goes through here, so q, sort, the filters and
    per_page survive pagination, facets and suggestions. A repeated filter (source, tag and
    their exclusions) takes a list. Any other change starts again at page one, and page one
    has a single address (no ``page=1``).
    """
    values: dict = {name: request.args.get(name) for name in SEARCH_PARAMS}
    for name in REPEATED_PARAMS:
        values[name] = request.args.getlist(name)
    values.update(changes, page=page)
    if str(values["page"]) == "1":
        values["page"] = None
    kept = []
    for name, value in values.items():
        for one in value if isinstance(value, list | tuple) else [value]:
            if one not in (None, ""):
                kept.append((name, str(one)))
    return f"{url_for('pages.search_page')}?{urlencode(kept)}"


def page_numbers(page: int, last: int) -> list[int]:
    """A window of at most PAGE_WINDOW page numbers around ``page``.

    >>> page_numbers(1, 3), page_numbers(9, 40)[:2]
    ([1, 2, 3], [5, 6])
    """
    first = max(1, min(page - 4, last - PAGE_WINDOW + 1))
    return list(range(first, min(last, first + PAGE_WINDOW - 1) + 1))


FILTERS = {
    "arabic_number": arabic_number,
    "arabic_date": arabic_date,
    "results_word": results_word,
    "results_count": results_count,
    "took_phrase": took_phrase,
    "text_dir": text_dir,
    "url_host": url_host,
    "web_url": web_url,
}
GLOBALS = {"page_url": page_url, "page_numbers": page_numbers}
