"""Files -> `Article` values: seed .txt articles, JSON Lines exports (.jsonl, .jsonl.gz), CSV
files with a header row, and .json files holding an array.

Readers never raise on bad input. Each problem becomes a `Rejected(path, line, reason)` in the
same stream as the good articles, so one bad line never costs the lines around it, and the caller
(the CLI, the HTTP write API) decides whether to skip and count or to stop. This module knows
files and text only: no Whoosh, no analysis. Letters are kept as written; folding them for search
is the analyzer's job.
"""

import csv
import datetime
import gzip
import html
import json
import os
import re
import stat
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class Article:
    """One article as the index sees it: its own text, with publishing boilerplate lifted out."""

    id: str
    title: str
    body: str  # the article's own paragraphs, joined by "\n"
    date: datetime.date | None = None
    source: str | None = None  # publisher name: "وكالة الصحافة المستقلة", "أ ف ب"
    url: str | None = None
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()  # "read also" teasers of OTHER stories, kept out of the body


class FieldError(ValueError):
    """A JSON document's field is missing or malformed; ``field`` names it for API errors."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class TooLarge(FieldError):
    """A field holds more than a document may (`MAX_BODY_CHARS`, `MAX_TAGS`, ...)."""


@dataclass(frozen=True)
class Rejected:
    """Input that could not become an Article, and why; readers yield it instead of raising."""

    path: str
    line: int | None  # 1-based JSON Lines line; None when the whole file is the problem
    reason: str


# --- Characters -------------------------------------------------------------------------------
# Boilerplate labels, month and agency names are matched on folded text, so that "إقرأ أيضاً",
# "اقرأ ايضا" and "اقرأ أيضًا" are one marker. Values are always cut from the original line.

BOM = "\ufeff"
ALEF = "\u0627"
ALEF_MADDA = "\u0622"  # آ, as in "آخر تحديث" and the month "آب"
ALEF_HAMZA_ABOVE = "\u0623"  # أ
ALEF_HAMZA_BELOW = "\u0625"  # إ
ALEF_WASLA = "\u0671"  # ٱ
ALEF_MAKSURA = "\u0649"  # ى
YEH = "\u064a"
FARSI_YEH = "\u06cc"  # ی, as in the seeds' tag lines ("کوریا الشمالیة")
KAF = "\u0643"
KEHEH = "\u06a9"  # ک
TATWEEL = "\u0640"  # ـ, stretches letters: "اقـرأ"
HARAKAT = "".join(map(chr, range(0x064B, 0x0660))) + "\u0670"  # tanween, short vowels, marks
ARABIC_COMMA = "\u060c"  # ،
ARABIC_INDIC_DIGITS = "".join(map(chr, range(0x0660, 0x066A)))  # ٠١٢٣٤٥٦٧٨٩
PERSIAN_DIGITS = "".join(map(chr, range(0x06F0, 0x06FA)))  # ۰۱۲۳۴۵۶۷۸۹

SURROGATE = re.compile("[\ud800-\udfff]")
MAX_ID_LENGTH = 200

# What one document may hold. Every search that matches a document reads its body for a
# snippet, and every write merges its terms: a 9.7 MB body once cost each matching search
# 28 s, and 200,000 tags made every fourth write take 5 s. The largest of the 70k-article
# corpus is far below each limit (body 33,577 characters, title 180, no more than a few tags).
MAX_TITLE_CHARS = 1_000
MAX_BODY_CHARS = 100_000
MAX_TAGS = 100
MAX_TAG_CHARS = 100  # each tag
MAX_RELATED = 50  # "read also" teasers
MAX_RELATED_CHARS = 1_000  # each teaser
MAX_SOURCE_CHARS = 200
MAX_URL_CHARS = 2_000
# Characters no id may hold: controls (Cc), format characters (Cf: zero-width joiners, bidi
# overrides, the BOM), private use (Co), line and paragraph separators (Zl, Zp) and the
# noncharacters, as of Unicode 14 (Python 3.11; tests/test_write_ids.py checks the list).
# An id travels in URLs, links and logs, where each of these hides, reorders or breaks it.
FORBIDDEN_ID_CHARS = (
    "\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2"
    "\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ue000-\uf8ff\ufdd0-\ufdef"
    "\ufeff\ufff9-\ufffb\ufffe-\uffff\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U0001fffe-\U0001ffff\U0002fffe-\U0002ffff"
    "\U0003fffe-\U0003ffff\U0004fffe-\U0004ffff\U0005fffe-\U0005ffff\U0006fffe-\U0006ffff"
    "\U0007fffe-\U0007ffff\U0008fffe-\U0008ffff\U0009fffe-\U0009ffff\U000afffe-\U000affff"
    "\U000bfffe-\U000bffff\U000cfffe-\U000cffff\U000dfffe-\U000dffff\U000e0001"
    "\U000e0020-\U000e007f\U000efffe-\U0010ffff"
)
# The characters str.strip() takes off (str.isspace), spelled out: regex engines disagree on
# \s (ECMA's, which JSON Schema validators use, leaves out U+0085 and U+001C-U+001F).
WHITESPACE_CHARS = (
    "\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
# An id is path segments joined by "/". A segment is not empty, "." or "..", and neither
# starts nor ends with a space; no id holds a backslash (browsers read it as "/"). The
# OpenAPI description publishes this very pattern (Python and Rust regex syntax alike).
_FORBIDDEN_IN_ID = re.compile(f"[{FORBIDDEN_ID_CHARS}]|{SURROGATE.pattern}")
_EDGE = rf"[^{WHITESPACE_CHARS}/\\{FORBIDDEN_ID_CHARS}]"  # a segment's first and last character
_NOT_DOT = rf"[^.{WHITESPACE_CHARS}/\\{FORBIDDEN_ID_CHARS}]"
_MIDDLE = rf"[^/\\{FORBIDDEN_ID_CHARS}]"  # spaces allowed inside a segment
_SEGMENT = rf"(?:{_EDGE}{_MIDDLE}+{_EDGE}|{_NOT_DOT}{_EDGE}|\.{_NOT_DOT}|{_NOT_DOT})"
ID_PATTERN = rf"^{_SEGMENT}(?:/{_SEGMENT})*$"
# /api/documents/<id>/similar is an article's similar articles, so no id may end so (the
# OpenAPI description says it with "not": {"pattern": RESERVED_ID_END}).
RESERVED_ID_END = "/similar$"
ID_RE = re.compile(ID_PATTERN)

DIGITS = str.maketrans(ARABIC_INDIC_DIGITS + PERSIAN_DIGITS, "0123456789" * 2)
FOLD = str.maketrans(
    {ALEF_MADDA: ALEF, ALEF_HAMZA_ABOVE: ALEF, ALEF_HAMZA_BELOW: ALEF, ALEF_WASLA: ALEF}
    | {ALEF_MAKSURA: YEH, FARSI_YEH: YEH, KEHEH: KAF}
    | dict.fromkeys(HARAKAT + TATWEEL)
)


def fold(text: str) -> str:
    """Fold spelling variants (hamza, diacritics, tatweel, digits, case) for matching only.

    >>> fold("إقرأ أيضاً:")
    'اقرا ايضا:'
    >>> fold("٢٠ October")
    '20 october'
    """
    return unicodedata.normalize("NFKC", text).translate(FOLD).translate(DIGITS).casefold()


# --- Dates ------------------------------------------------------------------------------------

ENGLISH_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
ARABIC_MONTHS = {
    # Egyptian and Gulf names; fold() makes "أبريل" and "ابريل" one key
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6,
    "يوليو": 7, "يوليه": 7, "أغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Levantine and Iraqi names
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7,
    "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
}  # fmt: skip
MONTH_NUMBERS = (
    {name: number for number, name in enumerate(ENGLISH_MONTHS, start=1)}
    | {name[:3]: number for number, name in enumerate(ENGLISH_MONTHS, start=1)}
    | {"sept": 9}
    | {fold(name): number for name, number in ARABIC_MONTHS.items()}
)  # keys are folded, as the text they are looked up with
_MONTH = "|".join(
    re.escape(name).replace(r"\ ", r"\s+") for name in sorted(MONTH_NUMBERS, key=len, reverse=True)
)
# A month name as a whole word, optionally doubled: "نوفمبر/تشرين الثاني", "أغسطس (آب)", "Oct."
MONTH_NAME = rf"(?<![^\W\d_])(?P<month>{_MONTH})\.?(?:\s*[/(]\s*(?:{_MONTH})\s*\)?)?(?![^\W\d_])"
ORDINAL = r"(?:st|nd|rd|th)?"
SEPARATORS = rf"[\s,{ARABIC_COMMA}]"

ISO_DATE = re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)")
# "2023-10-20"
DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}}){ORDINAL}{SEPARATORS}*{MONTH_NAME}{SEPARATORS}*"
    r"(?P<year>\d{4})(?!\d)"
)  # "20th, October 2023 GMT", "9 تشرين الثاني 2023", "٢٠ أكتوبر ٢٠٢٣"
MONTH_DAY_YEAR = re.compile(
    rf"{MONTH_NAME}{SEPARATORS}*(?P<day>\d{{1,2}}){ORDINAL}{SEPARATORS}+(?P<year>\d{{4}})(?!\d)"
)  # "نوفمبر 9, 2023", "October 20, 2023"


def parse_date(text: str) -> datetime.date | None:
    """Find the first real calendar date in a publishing line, or None.

    Seed sites print dates in English, Egyptian or Levantine month names, with Western,
    Arabic-Indic or Persian digits; a day that does not exist (31 فبراير) is no date.
    """
    folded = fold(text)
    for pattern in (ISO_DATE, DAY_MONTH_YEAR, MONTH_DAY_YEAR):
        for match in pattern.finditer(folded):
            month = match["month"]
            number = int(month) if month.isdigit() else MONTH_NUMBERS[" ".join(month.split())]
            try:
                return datetime.date(int(match["year"]), number, int(match["day"]))
            except ValueError:
                continue
    return None


# --- Seed boilerplate -------------------------------------------------------------------------
# Each rule matches fold(line) from its start; the value is what follows the first colon.

PUBLISHED = re.compile(r"^تاريخ\s+(?:ال)?نشر\s*:")  # "تاريخ النشر: 20th, October 2023 GMT"
UPDATED = re.compile(r"^(?P<published>[^:]{0,40}?)\s*اخر\s+تحديث\s*:(?P<updated>.{0,40})$")
# "نوفمبر 9, 2023آخر تحديث: نوفمبر 9, 2023" (the site glues the two dates together)
SOURCE = re.compile(r"^(?:ال)?مصدر\s*:")  # "المصدر: وكالة تقدم الاخبارية", "المصدر:https://..."
TAGS = re.compile(r"^(?:(?:ال)?كلمات\s+(?:ال)?دلالية|(?:ال)?وسوم)\s*:")
# "كلمات دلالية: کوریا الشمالیة کوریا الجنوبیة"
READ_ALSO = re.compile(r"^\W*اقرا\s+(?:ايضا|كذلك)\s*(?::|$)")
# "إقرأ أيضاً:" (teasers follow to the end), "اقرأ ايضا: ما سر اهتمام إيطاليا ..." (one teaser)
COLON = re.compile(r"[:\uff1a]")
URL = re.compile(r"(?:https?://|www\.)\S+")  # "المصدر:https://www.reuters.com/world/..."
TAG_SEPARATOR = re.compile(rf"[,{ARABIC_COMMA}]")  # "روسيا، أوكرانيا, الناتو"

# Site furniture scraped along with the article; compared after casefold().
JUNK_LINES = frozenset({"exit mobile version", "skip to content", "back to top", "advertisement"})

# Datelines open the first paragraph, matched on the original text (the site marker is cut off).
SITE_DATELINE = re.compile(r"^(?P<source>[^\W\d_]+(?: [^\W\d_]+){0,2})\s*/\s*-\s*")
# "المستقلة/- قال وزير الخارجية الأمريكي ..."
AGENCIES = (
    "أ ف ب", "أ ب", "رويترز", "د ب أ", "يو بي آي", "واس", "قنا", "وام", "كونا", "بنا", "شينخوا",
    "سانا", "بترا", "واع", "وفا", "الأناضول", "سبوتنيك", "تاس", "يونهاب", "إفي",
)  # fmt: skip


def _agency_key(name: str) -> str:
    return re.sub(r"[\s.]+", "", fold(name))


AGENCY_NAMES = {_agency_key(name): name for name in AGENCIES}


def _agency_pattern(name: str) -> str:
    """Hamza forms written either way, letters spaced or dotted: "أ ف ب", "ا ف ب", "أ.ف.ب"."""
    alefs = f"[{ALEF}{ALEF_HAMZA_ABOVE}{ALEF_HAMZA_BELOW}{ALEF_MADDA}]"
    parts = (
        "".join(alefs if fold(char) == ALEF else re.escape(char) for char in part)
        for part in name.split()
    )
    return r"[\s.]*".join(parts)


_AGENCY = "|".join(map(_agency_pattern, sorted(AGENCIES, key=len, reverse=True)))
AGENCY_DATELINE = re.compile(rf"^[^()]{{0,80}}?\(\s*(?P<agency>{_AGENCY})\s*\)\s*[-–—:]")
# "سول ، كوريا الجنوبية (أ ف ب) – قامت الولايات المتحدة ..."


@dataclass
class _Boilerplate:
    """What the publishing lines of one seed said, first value of each kind winning."""

    date: datetime.date | None = None
    listed_date: datetime.date | None = None  # from the "آخر تحديث" line, used when no date
    source: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()
    related: list[str] = field(default_factory=list)

    def add_source(self, value: str) -> None:
        """A source line may hold a URL, a name, or both."""
        if match := URL.search(value):
            self.url = self.url or match.group().rstrip(f".,;{ARABIC_COMMA}")
        name = " ".join(URL.sub(" ", value).split()).strip(f"-–—|,:{ARABIC_COMMA} ")
        self.source = self.source or name or None


def split_tags(text: str) -> tuple[str, ...]:
    """Split a tag line on commas; without commas the whole text is ONE tag.

    The seed site lost the separators between its tags ("کوریا الشمالیة کوریا الجنوبیة" is two
    tags), and nothing tells where a multi-word tag ends, so the text stays one tag, whitespace
    collapsed. Its words still match in search; only the tag facet is coarse.
    """
    tags = (" ".join(part.split()) for part in TAG_SEPARATOR.split(text))
    return tuple(dict.fromkeys(tag for tag in tags if tag))


def _after_colon(line: str) -> str:
    parts = COLON.split(line, maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


def _sort_lines(lines: list[str]) -> tuple[list[str], _Boilerplate]:
    """Split the lines after the title into body paragraphs and publishing boilerplate."""
    body: list[str] = []
    found = _Boilerplate()
    teasers_only = False  # after a bare "إقرأ أيضاً:" line, the rest is other stories
    for line in lines:
        folded = fold(line)
        if READ_ALSO.match(folded):
            teaser = _after_colon(line)
            found.related.extend([teaser] if teaser else [])
            teasers_only = teasers_only or not teaser
        elif teasers_only:
            found.related.append(line)
        elif PUBLISHED.match(folded):
            found.date = found.date or parse_date(_after_colon(line))
        elif (match := UPDATED.match(folded)) and (
            listed := parse_date(match["published"]) or parse_date(match["updated"])
        ):
            found.listed_date = found.listed_date or listed
        elif SOURCE.match(folded):
            found.add_source(_after_colon(line))
        elif TAGS.match(folded):
            found.tags = tuple(dict.fromkeys(found.tags + split_tags(_after_colon(line))))
        else:
            body.append(line)
    return body, found


def _dateline(first: str) -> tuple[str, str | None]:
    """The first paragraph without a site marker, and the source its dateline names."""
    if match := SITE_DATELINE.match(first):
        return first[match.end() :].strip(), match["source"]
    if match := AGENCY_DATELINE.match(first):
        return first, AGENCY_NAMES[_agency_key(match["agency"])]
    return first, None


def parse_seed(text: str, id: str) -> Article:
    """Build an Article from a seed article's text: title line, then body and boilerplate.

    Raises ValueError for a file with no title or no body. Separate from read_seed so the
    rules can be tested on strings.
    """
    lines = (line.strip() for line in text.removeprefix(BOM).splitlines())
    lines = [line for line in lines if line and line.casefold() not in JUNK_LINES]
    if not lines:
        raise ValueError("empty file")
    title, *rest = lines
    body, found = _sort_lines(rest)
    dateline_source = None
    if body:
        body[0], dateline_source = _dateline(body[0])
        body = [line for line in body if line]
    if not body:
        raise ValueError("no body text after the title")
    return checked_article(
        id=id,
        title=title,
        body="\n".join(body),
        date=found.date or found.listed_date,
        source=found.source or dateline_source,  # an explicit المصدر name wins
        url=found.url,
        tags=found.tags,
        related=tuple(found.related),
    )


def read_seed(path: Path) -> Article | Rejected:
    """Read one seed .txt article; its id is the file name without the extension."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return Rejected(str(path), None, _cannot_read(error))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Rejected(str(path), None, f"invalid UTF-8 at byte {error.start}")
    try:
        return parse_seed(text, id=path.stem)
    except ValueError as error:
        return Rejected(str(path), None, str(error))


# --- JSON Lines -------------------------------------------------------------------------------


def read_jsonl(path: Path) -> Iterator[Article | Rejected]:
    """Stream articles from JSON Lines, plain or gzipped, one object per line.

    Lines are read as bytes and decoded one at a time, so an invalid UTF-8 byte costs its own
    line only and a 200 MB export never sits in memory. A broken gzip stream ends the file:
    nothing after the break can be read, so one Rejected names the line it was reached at.
    """
    path = Path(path)
    gzipped = path.name.lower().endswith(".gz")
    try:
        with gzip.open(path, "rb") if gzipped else path.open("rb") as stream:
            yield from _read_lines(stream, str(path), gzipped)
    except OSError as error:  # opening; read errors are reported by _read_lines
        yield Rejected(str(path), None, _cannot_read(error))


def _read_lines(stream: IO[bytes], path: str, gzipped: bool) -> Iterator[Article | Rejected]:
    number = 0
    try:
        for number, raw in enumerate(stream, start=1):
            if (item := _from_line(raw, path, number)) is not None:
                yield item
    except (OSError, EOFError, zlib.error) as error:
        problem = "corrupt gzip" if gzipped else "read error"
        yield Rejected(path, number + 1, f"{problem}, rest of file skipped: {error}")


def read_csv(path: Path) -> Iterator[Article | Rejected]:
    """Articles from a CSV file whose header row names the fields (id, title, body, date,
    source, url, tags as one string), UTF-8 with or without a BOM, fields quoted as CSV
    quotes them. An empty cell is a missing field; a bad row costs its own line only."""
    path = Path(path)
    name = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = csv.DictReader(handle)
            try:
                header = rows.fieldnames
                if not header:
                    yield Rejected(name, 1, "the CSV has no header row naming the fields")
                    return
                rows.fieldnames = [field.strip().lower() for field in header]
                for row in rows:
                    yield _from_row(row, name, rows.line_num)
            except UnicodeDecodeError as error:
                yield Rejected(
                    name, rows.line_num + 1, f"invalid UTF-8, rest of file skipped: {error.reason}"
                )
            except csv.Error as error:
                yield Rejected(name, rows.line_num, f"invalid CSV, rest of file skipped: {error}")
    except OSError as error:
        yield Rejected(name, None, _cannot_read(error))


def _from_row(row: dict, path: str, line: int) -> Article | Rejected:
    if None in row:  # DictReader files the cells past the header under None
        return Rejected(path, line, "the row has more cells than the header names")
    fields = {key: value for key, value in row.items() if key and value not in (None, "")}
    try:
        return article_from_mapping(fields)
    except ValueError as error:
        return Rejected(path, line, str(error))


def read_json_array(path: Path) -> Iterator[Article | Rejected]:
    """Articles from a .json file holding one array of document objects (read whole: for
    large exports JSON Lines streams). A bad document is rejected with its position."""
    path = Path(path)
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as error:
        yield Rejected(str(path), None, f"invalid UTF-8 at byte {error.start}")
        return
    except OSError as error:
        yield Rejected(str(path), None, _cannot_read(error))
        return
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        yield Rejected(
            str(path), error.lineno, f"invalid JSON: {error.msg} at column {error.colno}"
        )
        return
    except RecursionError:
        yield Rejected(str(path), None, "invalid JSON: nested too deeply")
        return
    if not isinstance(value, list):
        yield Rejected(
            str(path), None, f"expected a JSON array of documents, got {_json_type(value)}"
        )
        return
    for position, item in enumerate(value, 1):
        try:
            yield article_from_mapping(item)
        except ValueError as error:
            yield Rejected(str(path), None, f"document {position}: {error}")


def _from_line(raw: bytes, path: str, number: int) -> Article | Rejected | None:
    """One JSON Lines line -> Article, Rejected, or None for a blank line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return Rejected(path, number, f"invalid UTF-8 at byte {error.start} of the line")
    if number == 1:
        text = text.removeprefix(BOM)
    text = text.rstrip()  # so an error at the end of the line has a useful column
    if not text.strip():
        return None
    try:
        return article_from_mapping(json.loads(text))
    except json.JSONDecodeError as error:
        return Rejected(path, number, f"invalid JSON: {error.msg} at column {error.colno}")
    except RecursionError:
        return Rejected(path, number, "invalid JSON: nested too deeply")
    except ValueError as error:
        return Rejected(path, number, str(error))


def article_from_mapping(obj: Mapping[str, object], *, strict: bool = False) -> Article:
    """Build an Article from a decoded JSON object, checking every field's type.

    Shared by the JSON Lines reader and the HTTP write API, so both accept and refuse the same
    input with the same messages. Raises ValueError naming the field ("missing field 'body'").
    Unknown fields are ignored, so exports may carry extras. ``strict`` (the write API) takes
    the fields exactly as the OpenAPI description's Document: a string id, lists of tags,
    dates written YYYY-MM-DD, lengths counted as sent (`check_as_sent`).
    """
    if not isinstance(obj, Mapping):
        raise ValueError(f"expected a JSON object, got {_json_type(obj)}")
    if strict:
        check_as_sent(obj)
    return checked_article(
        id=check_id(_required("id", _id_text(obj.get("id")))),
        title=_text(obj, "title") or "",
        body=_required("body", _text(obj, "body")),
        date=_date(obj.get("date")),
        source=_text(obj, "source") or None,
        url=_text(obj, "url") or None,
        tags=_strings(obj, "tags", split_tags),
        related=_strings(obj, "related", lambda text: (text.strip(),) if text.strip() else ()),
    )


def checked_article(**fields: object) -> Article:
    """An Article, its text decoded of HTML entities, once every field is within what a
    document may hold (`TooLarge`).

    Scraped exports carry entities (233 of the shared news articles hold &quot;, &#8220;,
    &amp;…), which a page would show literally; every reader of articles (seed files, JSON
    Lines, the write API) comes through here, so each text is decoded exactly once. The id is
    kept exactly as given.

    >>> checked_article(id="a&amp;b", title="ارتفاع &quot;فلكي&quot;", body="x &amp;amp; y").title
    'ارتفاع "فلكي"'
    """
    for name in ("title", "body", "source", "url"):
        fields[name] = _unescaped(fields.get(name))
    for name in ("tags", "related"):
        if fields.get(name):
            fields[name] = tuple(dict.fromkeys(_unescaped(item) for item in fields[name]))
    article = Article(**fields)
    for name, value, limit in (
        ("title", article.title, MAX_TITLE_CHARS),
        ("body", article.body, MAX_BODY_CHARS),
        ("source", article.source or "", MAX_SOURCE_CHARS),
        ("url", article.url or "", MAX_URL_CHARS),
    ):
        if len(value) > limit:
            raise TooLarge(name, f"field '{name}' is {len(value)} characters long; at most {limit}")
    for name, items, count, each in (
        ("tags", article.tags, MAX_TAGS, MAX_TAG_CHARS),
        ("related", article.related, MAX_RELATED, MAX_RELATED_CHARS),
    ):
        _check_count(name, len(items), count)
        longest = max(map(len, items), default=0)
        if longest > each:
            raise TooLarge(
                name, f"field '{name}' holds an item of {longest} characters; at most {each} each"
            )
    return article


def _unescaped(text):
    """Text with its HTML character references decoded once (None stays None)."""
    return html.unescape(text) if text and "&" in text else text


TEXT_LIMITS = {
    "title": MAX_TITLE_CHARS,
    "body": MAX_BODY_CHARS,
    "source": MAX_SOURCE_CHARS,
    "url": MAX_URL_CHARS,
}
LIST_LIMITS = {"tags": (MAX_TAGS, MAX_TAG_CHARS), "related": (MAX_RELATED, MAX_RELATED_CHARS)}
API_DATE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_as_sent(obj: Mapping[str, object]) -> None:
    """The write API's document, field by field as its JSON Schema says (before any text is
    stripped or any tag split): `FieldError`, or `TooLarge` for a length or count."""
    if "id" in obj and not isinstance(obj["id"], str):
        raise FieldError("id", f"field 'id' must be a string, got {_json_type(obj['id'])}")
    for name, limit in TEXT_LIMITS.items():
        value = obj.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise TooLarge(name, f"field '{name}' is {len(value)} characters long; at most {limit}")
    for name, (count, each) in LIST_LIMITS.items():
        value = obj.get(name)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise FieldError(
                name, f"field '{name}' must be a list of strings, got {_json_type(value)}"
            )
        _check_count(name, len(value), count)
        if (longest := max(map(len, value), default=0)) > each:
            raise TooLarge(
                name, f"field '{name}' holds an item of {longest} characters; at most {each} each"
            )
    date = obj.get("date")
    if date is not None:
        if not isinstance(date, str):
            raise FieldError(
                "date", f"field 'date' must be an ISO 8601 string, got {_json_type(date)}"
            )
        if not API_DATE.fullmatch(date):
            raise FieldError("date", f"invalid date {date!r}: expected YYYY-MM-DD, as 2023-10-20")


def _check_count(name: str, found: int, limit: int) -> None:
    if found > limit:
        raise TooLarge(name, f"field '{name}' holds {found} items; at most {limit}")


def _text(obj: Mapping[str, object], name: str) -> str | None:
    """A string field, stripped; None when missing or null."""
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return _checked(name, value).strip()
    raise FieldError(name, f"field '{name}' must be a string, got {_json_type(value)}")


def _id_text(value: object) -> str | None:
    """The id as given: a string kept exactly (never stripped: it must round-trip), or an
    integer of a JSON Lines export as its digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None or isinstance(value, str):
        return value
    raise FieldError("id", f"field 'id' must be a string, got {_json_type(value)}")


def _required(name: str, value: str | None) -> str:
    if value is None:
        raise FieldError(name, f"missing field '{name}'")
    if not value:
        raise FieldError(name, f"field '{name}' is empty")
    return value


def check_id(value: str) -> str:
    """An id exactly as it will be stored, served and linked to, or `FieldError` saying why
    it cannot be one: ids travel in URLs, page links and logs.

    >>> check_id("snn-20150721-00000")
    'snn-20150721-00000'
    >>> check_id("../etc/passwd")
    Traceback (most recent call last):
    ...
    search.documents.FieldError: field 'id' holds the path segment '..'; ids may not
    """
    if not value:
        raise FieldError("id", "field 'id' is empty")
    if len(value) > MAX_ID_LENGTH:
        raise FieldError(
            "id", f"field 'id' is {len(value)} characters long; at most {MAX_ID_LENGTH}"
        )
    if value != value.strip():
        raise FieldError("id", "field 'id' starts or ends with a space; ids are kept exactly")
    if found := _FORBIDDEN_IN_ID.search(value):  # the first such character, in one scan
        char = found.group()
        kind = (
            "a control character"
            if unicodedata.category(char) == "Cc"
            else "an invisible character"
        )
        raise FieldError(
            "id", f"field 'id' holds {kind} (U+{ord(char):04X}), which ids may not hold"
        )
    if "\\" in value:
        raise FieldError("id", "field 'id' holds a backslash, which browsers read as '/'")
    for segment in value.split("/"):
        if segment in ("", ".", ".."):
            shown = (
                "an empty path segment ('//', or '/' at an end)"
                if not segment
                else (f"the path segment {segment!r}")
            )
            raise FieldError("id", f"field 'id' holds {shown}; ids may not")
        if segment != segment.strip():
            raise FieldError(
                "id", "field 'id' holds a path segment that starts or ends with a space"
            )
    if re.search(RESERVED_ID_END, value):
        raise FieldError(
            "id", "field 'id' ends in '/similar', the address of an article's similar articles"
        )
    if not ID_RE.match(value):  # the rules above name every way to miss it
        raise FieldError("id", f"field 'id' is not an id (the pattern {ID_PATTERN})")
    return value


def _checked(name: str, value: str) -> str:
    """Refuse text that cannot be stored as UTF-8 (a lone surrogate from a JSON escape):
    UTF-8's encoder refuses exactly the surrogate code points, five times faster than a
    search for them (a news body: 3 against 15 us)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FieldError(
            name, f"field '{name}' contains a lone surrogate, which is not text"
        ) from None
    return value


def _strings(
    obj: Mapping[str, object], name: str, from_text: Callable[[str], tuple[str, ...]]
) -> tuple[str, ...]:
    """A list of strings, or one string that `from_text` turns into a tuple."""
    value = obj.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        return from_text(_checked(name, value))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        _check_count(name, len(value), {"tags": MAX_TAGS, "related": MAX_RELATED}[name])
        items = (" ".join(_checked(name, item).split()) for item in value)
        return tuple(dict.fromkeys(item for item in items if item))
    raise FieldError(name, f"field '{name}' must be a list of strings, got {_json_type(value)}")


def _date(value: object) -> datetime.date | None:
    """ISO 8601 date or datetime -> its calendar date, as written (no time zone shift)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FieldError(
            "date", f"field 'date' must be an ISO 8601 string, got {_json_type(value)}"
        )
    text = value.strip().translate(DIGITS)
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.datetime.fromisoformat(text).date()
    except ValueError:
        raise FieldError(
            "date", f"invalid date {value!r}: expected ISO 8601 such as 2023-10-20"
        ) from None


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number" if isinstance(value, int | float) else "object")


# --- Files and folders ------------------------------------------------------------------------

SEED_SUFFIX = ".txt"
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
CSV_SUFFIX = ".csv"
JSON_SUFFIX = ".json"
ARTICLE_SUFFIXES = (SEED_SUFFIX, *JSONL_SUFFIXES, CSV_SUFFIX, JSON_SUFFIX)


def read_paths(paths: Iterable[str | Path]) -> Iterator[Article | Rejected]:
    """Read every article in the given files and folders (recursively, in sorted order).

    Folders contribute only .txt, .jsonl, .jsonl.gz, .csv and .json files and skip hidden
    names (".git");
    a file named explicitly with another extension is Rejected, since it was asked for.
    """
    for given in paths:
        path = Path(given)
        try:
            mode = path.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            yield Rejected(str(path), None, "no such file or folder")
        except OSError as error:
            yield Rejected(str(path), None, _cannot_read(error))
        else:
            if stat.S_ISDIR(mode):
                yield from _read_folder(path)
            elif stat.S_ISREG(mode):
                yield from _read_file(path)
            else:  # a FIFO or device would block or never end
                yield Rejected(str(path), None, "not a regular file or folder")


def _read_folder(folder: Path) -> Iterator[Article | Rejected]:
    errors: list[OSError] = []
    files = _folder_files(folder, errors)
    for error in errors:
        yield Rejected(str(error.filename or folder), None, _cannot_read(error))
    for path in files:
        yield from _read_file(path)


def _folder_files(folder: Path, errors: list[OSError]) -> list[Path]:
    """The article files of a folder, recursively, sorted; hidden names skipped."""
    files: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=errors.append):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        files.extend(
            Path(root, name)
            for name in names
            if not name.startswith(".") and name.lower().endswith(ARTICLE_SUFFIXES)
        )
    return sorted(files)


def expected_documents(paths: Iterable[str | Path]) -> int | None:
    """About how many articles `read_paths` will yield: one per seed file, one per JSON Lines
    line (counted at C speed; a .gz is decompressed for it). For a progress bar's total and
    ETA; None when a path cannot be read for it."""
    total = 0
    try:
        for given in paths:
            path = Path(given)
            for file in _folder_files(path, []) if path.is_dir() else [path]:
                name = file.name.lower()
                if name.endswith(SEED_SUFFIX):
                    total += 1
                elif name.endswith(JSON_SUFFIX):
                    return None  # an array: its length is known once it is read
                elif name.endswith((*JSONL_SUFFIXES, CSV_SUFFIX)):  # a CSV: less its header
                    total -= name.endswith(CSV_SUFFIX)
                    opener = gzip.open if name.endswith(".gz") else open
                    with opener(file, "rb") as handle:
                        while chunk := handle.read(1 << 20):
                            total += chunk.count(b"\n")
    except (OSError, EOFError, zlib.error):
        return None
    return total


def _read_file(path: Path) -> Iterator[Article | Rejected]:
    name = path.name.lower()
    if name.endswith(SEED_SUFFIX):
        yield read_seed(path)
    elif name.endswith(JSONL_SUFFIXES):
        yield from read_jsonl(path)
    elif name.endswith(CSV_SUFFIX):
        yield from read_csv(path)
    elif name.endswith(JSON_SUFFIX):
        yield from read_json_array(path)
    else:
        yield Rejected(
            str(path), None, "unknown file type; expected .txt, .jsonl, .jsonl.gz, .csv or .json"
        )


def _cannot_read(error: OSError) -> str:
    return f"cannot read: {(error.strerror or str(error)).lower()}"
