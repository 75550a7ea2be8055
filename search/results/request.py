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
SORTS = ("relevance", "date")
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
    sort: str = "relevance"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    source: str | None = None
    explain: bool = False

    @classmethod
    def from_args(cls, args, *, strict: bool = False) -> SearchRequest:
        """Read ``q, page, per_page, sort, from, to, year, source, explain`` from a mapping of
        strings.

        ``strict`` (the JSON API) takes each parameter exactly as its OpenAPI description
        says: ASCII whole numbers, YYYY-MM-DD dates, ``explain`` true or false, and no empty
        values; the search page's form is read leniently (an empty field is no filter).
        """
        if strict:
            _check_strict(args)
        for name in ("q", "page", "per_page", "sort", "from", "to", "year", "source"):
            if SURROGATE_RE.search(str(args.get(name) or "")):
                raise BadParameter(name, "is not valid text (it holds a lone surrogate)")
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
            raise BadParameter("sort", f"must be one of {', '.join(SORTS)}")
        date_from = _date(args, "from")
        date_to = _date(args, "to")
        year = _integer(args, "year", 0, 1, 9999)
        if year:  # the page's year facet: a shorthand for from/to
            date_from = max(date_from or dt.date.min, dt.date(year, 1, 1))
            date_to = min(date_to or dt.date.max, dt.date(year, 12, 31))
        # A range that ends before it starts holds no day: no document matches it (a 200
        # with no results, as for any other filter that matches nothing).
        source = (args.get("source") or "").strip() or None
        explain = str(args.get("explain") or "").lower() in ("1", "true", "yes")
        return cls(q, page, per_page, sort, date_from, date_to, source, explain)

    def filter(self) -> qn.Node | None:
        """The date and source filters as a compiled query (None when there are none)."""
        parts: list[qn.Node] = []
        if self.date_from or self.date_to:
            first = day_number(self.date_from) if self.date_from else None
            last = day_number(self.date_to) if self.date_to else None
            parts.append(qn.DayRange(first, last))
        if self.source:  # folded as the source: field of a query is (أ ف ب = ا ف ب)
            parts.append(qn.ValueIs("source", folded(self.source)))
        return qn.all_of(parts) if parts else None


STRICT_FORMS = {
    "page": (re.compile("[0-9]+"), "a whole number written with the digits 0-9"),
    "per_page": (re.compile("[0-9]+"), "a whole number written with the digits 0-9"),
    "year": (re.compile("[0-9]+"), "a whole number written with the digits 0-9"),
    "sort": (re.compile("|".join(SORTS)), f"one of {', '.join(SORTS)}"),
    # An empty date or source is no filter, as the search form sends it.
    "from": (re.compile("(?:[0-9]{4}-[0-9]{2}-[0-9]{2})?"), "a date written YYYY-MM-DD"),
    "to": (re.compile("(?:[0-9]{4}-[0-9]{2}-[0-9]{2})?"), "a date written YYYY-MM-DD"),
    "explain": (re.compile("true|false"), "true or false"),
}


def _check_strict(args) -> None:
    for name, (form, words) in STRICT_FORMS.items():
        raw = args.get(name)
        if raw is not None and not form.fullmatch(str(raw)):
            raise BadParameter(name, f"must be {words}, not {raw!r}")


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
