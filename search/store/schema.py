"""The Whoosh schema: which fields an article becomes, and how each is analysed.

Two forms of the text: stemmed for recall, normalised surface forms for precision. Only the
stemmed fields store text (the highlighter reads it back). Both keep positions: the exact
fields for phrase and proximity queries, and both for the highlighter, which finds a hit's
matched words as positions and their offsets in the stored token table (`spans`). A third
form, each word's root, is searched only by ``root:`` queries.
"""

from __future__ import annotations

import datetime as dt

from whoosh.analysis import RegexTokenizer
from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from ..analysis import DEFAULT_STEMMER
from ..analysis.filters import analyzer_stemmer, arabic_analyzer, root_analyzer
from ..analysis.fingerprint import SIGNATURE_SIZE, signature_bytes
from ..documents import Article
from .spans import SPANS_FIELD, document_spans

TAG_TOKEN = r"[^,]+"


class Fingerprint(COLUMN):
    """A column of each article's MinHash signature (`search.analysis.fingerprint`), made
    from its body as the document is written: by the bulk writer's workers and by Whoosh's
    own writer alike, each calls ``to_column_value`` once per document."""

    def __init__(self) -> None:
        super().__init__(FixedBytesColumn(SIGNATURE_SIZE * 4))

    def to_column_value(self, value):
        return signature_bytes(value) if isinstance(value, str) else value


def make_schema(stemmer: str = DEFAULT_STEMMER) -> Schema:
    """The fields of every article, the stem fields analysed with ``stemmer``."""
    stem = arabic_analyzer(stem=True, stemmer=stemmer)
    exact = arabic_analyzer(stem=False)
    roots = root_analyzer()
    return Schema(
        # a column too: a ranking's ids read without its articles' stored fields
        id=ID(stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=stem, stored=True, phrase=True),
        body=TEXT(analyzer=stem, stored=True, phrase=True),
        title_exact=TEXT(analyzer=exact, phrase=True),
        body_exact=TEXT(analyzer=exact, phrase=True),
        # each word's root (كتب for مكتوبة), searched only by root: queries; positions for
        # the highlighter, which marks a root's words as it marks any other (`located`)
        title_root=TEXT(analyzer=roots, phrase=True),
        body_root=TEXT(analyzer=roots, phrase=True),
        source=ID(stored=True, sortable=True),
        source_text=TEXT(analyzer=exact, phrase=True),
        tags=STORED(),
        tag_text=TEXT(analyzer=stem, phrase=False),
        # Each tag whole, as written, for the tag filter and facet (documents.split_tags
        # leaves no comma in a tag). A bare tokenizer, so the bulk writer indexes it with
        # Whoosh's own field.index, not the Arabic chain.
        tag=KEYWORD(analyzer=RegexTokenizer(TAG_TOKEN), scorable=False),
        date=DATETIME(stored=True),
        # yyyymmdd, 0 when undated: sorting newest first then puts undated articles last
        # (a DATETIME column fills gaps with its largest value, which sorts them first), and
        # a date filter is a range over this column.
        day=NUMERIC(int, bits=32, sortable=True),
        year=ID(sortable=True),
        url=STORED(),
        related=STORED(),
        spans=STORED(),  # each text's token offsets (search.store.spans)
        # The body's fingerprint, for grouping copies of one story (search.query.stories).
        fingerprint=Fingerprint(),
    )


def schema_stemmer(schema: Schema) -> str:
    """The stemmer a schema's stem fields apply (the schema pickles the analyzer)."""
    return analyzer_stemmer(schema["body"].analyzer) or DEFAULT_STEMMER


def article_fields(article: Article) -> dict:
    """The Whoosh document for one article."""
    fields = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "title_exact": article.title,
        "body_exact": article.body,
        "title_root": article.title,
        "body_root": article.body,
        "source": article.source or "",
        "source_text": article.source or "",
        "tags": list(article.tags),
        "tag_text": " ".join(article.tags),
        "tag": ",".join(article.tags) or None,
        "url": article.url or "",
        "related": list(article.related),
        "fingerprint": article.body,  # the same string: pickled once for a bulk worker
        "day": 0,
    }
    if article.date:
        fields["date"] = dt.datetime.combine(article.date, dt.time())
        fields["year"] = str(article.date.year)
        fields["day"] = int(article.date.strftime("%Y%m%d"))
    return fields


def whoosh_document(article: Article, stemmer: str = DEFAULT_STEMMER) -> dict:
    """An article as Whoosh's writer takes it: its fields and their token offsets (the bulk
    writer makes the same offsets from its own analysis of a batch)."""
    fields = article_fields(article)
    fields[SPANS_FIELD] = document_spans(fields, stemmer)
    return fields


def day_number(date: dt.date) -> int:
    """A date as the ``day`` column holds it: yyyymmdd.

    >>> day_number(dt.date(2024, 10, 27))
    20241027
    """
    return date.year * 10_000 + date.month * 100 + date.day


def day_text(day: int) -> str | None:
    """A ``day`` column's yyyymmdd as an ISO date, None for 0 (undated): `day_number` read
    back without making a date.

    >>> day_text(20241027), day_text(0)
    ('2024-10-27', None)
    """
    return f"{day // 10_000:04d}-{day // 100 % 100:02d}-{day % 100:02d}" if day else None
