"""Search parameters as a client sends them (HTTP query strings, CLI options), validated.

A bad parameter is a `BadParameter` (400) that names it; nothing reaches the ranking until
every parameter has been read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..analysis import folded, normalize
from ..errors import BadParameter
from ..query import nodes as qn
from ..store import day_number

MAX_PER_PAGE = 100
MAX_RESULTS_DEPTH = 10_000  # page * per_page; deeper pages are refused
# "date" is the older spelling of "date:desc", still read.
SORTS = ("relevance", "date:desc", "date:asc", "date")
FACETS = ("source", "year", "tag")  # every facet a search can count, in the body's order
FACET_LIMIT = 10  # values of each facet counted in a response, the most frequent first
MAX_FACET_LIMIT = 100
MAX_FILTER_VALUES = 20  # values of one filter parameter (source=A&source=B ...)
# Parameters that take several values, each kept or left out: several values of one name
# are any of them (source=A&source=B), different names all apply, *_not excludes.
LIST_PARAMS = ("source", "source_not", "tag", "tag_not")
# A lone surrogate is no text: it cannot be encoded to look a term up, nor written out as
# JSON or UTF-8. HTTP cannot deliver one (werkzeug turns bytes that are not UTF-8 into U+FFFD
# or leaves them percent-encoded), but Python callers can: the CLI's argv holds
# surrogate-escaped bytes when they are not UTF-8.
SURROGATE_RE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class SearchRequest:
    """Validated search parameters (see `SearchRequest.from_args` for the HTTP names)."""

    q: str
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"  # relevance, date:desc or date:asc
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    year: int | None = None  # the page's year facet: a shorthand for from/to
    sources: tuple[str, ...] = ()
    sources_not: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    tags_not: tuple[str, ...] = ()
    facets: tuple[str, ...] = FACETS
    facet_limit: int = FACET_LIMIT
    explain: bool = False
    collapse: bool = True  # copies of one story shown once (search.query.stories)

    @classmethod
    def from_args(cls, args, *, strict: bool = False) -> SearchRequest:
        """Read ``q, page, per_page, sort, from, to, year, source, source_not, tag, tag_not,
        facets, facet_limit, explain, collapse`` from a mapping of strings (a werkzeug ``MultiDict``
        for the repeated ones, or a dict whose value is a list).

        ``strict`` (the JSON API) takes each parameter exactly as its OpenAPI description
        says: ASCII whole numbers, YYYY-MM-DD dates, ``explain`` true or false, and no empty
        values; the search page's form is read leniently (an empty field is no filter).
        """
        given = args  # the repeatable parameters are read from it, every value
        if hasattr(args, "to_dict"):  # a MultiDict's get raises and catches per absent name
            args = args.to_dict()  # each name's first value, as its get gives
        if strict:
            _check_strict(args)
        for name in ("q", "page", "per_page", "sort", "from", "to", "year", "facets"):
            if SURROGATE_RE.search(str(args.get(name) or "")):
                raise BadParameter(name, "is not valid text (it holds a lone surrogate)")
        lists = {name: _values(given, name) for name in LIST_PARAMS}
        q = args.get("q")
        if q is None:
            raise BadParameter("q", "missing; pass the words to search for as ?q=...")
        page = _integer(args, "page", 1, 1, None)
        per_page = _integer(args, "per_page", 10, 1, MAX_PER_PAGE)
        if page * per_page > MAX_RESULTS_DEPTH:
            raise BadParameter(
                "page", f"results beyond the first {MAX_RESULTS_DEPTH} are not served"
            )
        sort = args.get("sort") or "relevance"
        if sort not in SORTS:
            raise BadParameter("sort", f"must be one of {', '.join(SORTS[:3])}")
        sort = "date:desc" if sort == "date" else sort
        date_from = _date(args, "from")
        date_to = _date(args, "to")
        year = _integer(args, "year", 0, 1, 9999) or None
        facets = _facet_names(args.get("facets"))
        facet_limit = _integer(args, "facet_limit", FACET_LIMIT, 1, MAX_FACET_LIMIT)
        explain = str(args.get("explain") or "").lower() in ("1", "true", "yes")
        collapse = str(args.get("collapse") or "").lower() not in ("0", "false", "no")
        return cls(
            q,
            page,
            per_page,
            sort,
            date_from,
            date_to,
            year,
            sources=lists["source"],
            sources_not=lists["source_not"],
            tags=lists["tag"],
            tags_not=lists["tag_not"],
            facets=facets,
            facet_limit=facet_limit,
            explain=explain,
            collapse=collapse,
        )

    @property
    def source(self) -> str | None:
        """The one source filter (the first of several), as older callers read it."""
        return self.sources[0] if self.sources else None

    def filter(self, without: str | None = None) -> qn.Node | None:
        """The date, source and tag filters as a compiled query (None when there are none);
        ``without`` leaves one facet's own filters out (``source``, ``tag`` or ``year``), so
        the page can count the values a reader could switch to."""
        parts: list[qn.Node] = []
        date_from, date_to = self.date_from, self.date_to
        if self.year and without != "year":
            date_from = max(date_from or dt.date.min, dt.date(self.year, 1, 1))
            date_to = min(date_to or dt.date.max, dt.date(self.year, 12, 31))
        # A range that ends before it starts holds no day: no document matches it (a 200
        # with no results, as for any other filter that matches nothing).
        if date_from or date_to:
            first = day_number(date_from) if date_from else None
            last = day_number(date_to) if date_to else None
            parts.append(qn.DayRange(first, last))
        # Values are folded as the source: and tag: fields of a query are (أ ف ب = ا ف ب).
        for field, wanted, unwanted in (
            ("source", self.sources, self.sources_not),
            ("tag", self.tags, self.tags_not),
        ):
            if field == without:
                continue
            if wanted:
                parts.append(qn.ValueIs(field, tuple(folded(v) for v in wanted)))
            if unwanted:
                parts.append(qn.ValueIs(field, tuple(folded(v) for v in unwanted), negate=True))
        return qn.all_of(parts) if parts else None


# Every query parameter a search reads (`SearchRequest.from_args`); the API refuses others.
PARAMETERS = (
    "q", "page", "per_page", "sort", "from", "to", "year", "source", "source_not", "tag",
    "tag_not", "facets", "facet_limit", "explain", "collapse",
)  # fmt: skip

STRICT_FORMS = {
    "page": (re.compile("[0-9]+"), "a whole number written with the digits 0-9"),
    "per_page": (re.compile("[0-9]+"), "a whole number written with the digits 0-9"),
    "year": (re.compile("[0-9]+"), "a whole number written with the digits 0-9"),
    "sort": (re.compile("|".join(SORTS)), f"one of {', '.join(SORTS)}"),
    # An empty date or source is no filter, as the search form sends it.
    "from": (re.compile("(?:[0-9]{4}-[0-9]{2}-[0-9]{2})?"), "a date written YYYY-MM-DD"),
    "to": (re.compile("(?:[0-9]{4}-[0-9]{2}-[0-9]{2})?"), "a date written YYYY-MM-DD"),
    "explain": (re.compile("true|false"), "true or false"),
    "collapse": (re.compile("true|false"), "true or false"),
    "facet_limit": (re.compile("[0-9]+"), "a whole number written with the digits 0-9"),
    "facets": (
        re.compile(f"(?:(?:{'|'.join(FACETS)})(?:,(?:{'|'.join(FACETS)}))*)?"),
        f"a comma-separated list of {', '.join(FACETS)} (empty for none)",
    ),
}


def _check_strict(args) -> None:
    for name, (form, words) in STRICT_FORMS.items():
        raw = args.get(name)
        if raw is not None and not form.fullmatch(str(raw)):
            raise BadParameter(name, f"must be {words}, not {raw!r}")


def _values(args, name: str) -> tuple[str, ...]:
    """Every value of a repeatable parameter, stripped, empty ones and repeats left out."""
    if hasattr(args, "getlist"):
        raw = args.getlist(name)
    else:
        value = args.get(name)
        raw = [] if value is None else [value] if isinstance(value, str) else list(value)
    found: list[str] = []
    for value in raw:
        text = str(value)
        if SURROGATE_RE.search(text):
            raise BadParameter(name, "is not valid text (it holds a lone surrogate)")
        if text.strip() and text.strip() not in found:
            found.append(text.strip())
    if len(found) > MAX_FILTER_VALUES:
        raise BadParameter(name, f"takes at most {MAX_FILTER_VALUES} values")
    return tuple(found)


def _facet_names(raw) -> tuple[str, ...]:
    """The facets to count: all when absent, none for an empty value."""
    if raw is None:
        return FACETS
    names = [name.strip() for name in str(raw).split(",") if name.strip()]
    for name in names:
        if name not in FACETS:
            raise BadParameter("facets", f"must name facets among {', '.join(FACETS)}")
    return tuple(name for name in FACETS if name in names)


def _integer(args, name: str, default: int, low: int, high: int | None) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise BadParameter(name, f"must be a whole number, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise BadParameter(name, f"must be {bound}")
    return value


def _date(args, name: str) -> dt.date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(normalize(raw))
    except ValueError:
        raise BadParameter(name, f"must be a date written YYYY-MM-DD, not {raw!r}") from None
