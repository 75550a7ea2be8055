"""The compiled query: a small tree the engine scores, built by `compiler.Compiler`.

The parser's tree (`search.query.parser`) says what the reader typed; this one says what to
look up in which field, with which weight. It is plain data: the engine (`engine.Engine`)
evaluates it over the store's arrays, and ``explain`` reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, eq=False)
class Term:
    """One term of one field, scored with BM25."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True, eq=False)
class FieldedTerm:
    """One term looked up in several fields and scored as BM25F: each field's frequency is
    weighted and length-normalised, and the sum saturates once, so a word in both title and
    body counts for more than in one, but not twice as much."""

    text: str
    weights: dict[str, float]
    boost: float = 1.0


@dataclass(frozen=True, eq=False)
class AnyOf:
    """Documents matching any child; the children's scores add up."""

    children: tuple
    boost: float = 1.0


@dataclass(frozen=True, eq=False)
class AllOf:
    """Documents matching every child; the children's scores add up."""

    children: tuple
    boost: float = 1.0


@dataclass(frozen=True, eq=False)
class BestOf:
    """Documents matching any child, scored by the best child (plus ``tiebreak`` times the
    others): one word read several ways counts once."""

    children: tuple
    tiebreak: float = 0.0


@dataclass(frozen=True, eq=False)
class Readings:
    """One typed word read several ways, the likeliest first: ``typed`` is the word itself
    (its stems), each of ``others`` the reading of another word (a first letter taken as a
    clitic, another stemmer's cut, a spelling variant), in order of the evidence for it.

    A document holding the typed word scores by its best reading. A document found only
    through a later reading never outranks the best `TYPED_FIRST_DEPTH` documents found
    through the readings before it (`search.query.engine`): its score is scaled below theirs,
    keeping its order among its own reading's documents.
    """

    typed: tuple
    others: tuple


@dataclass(frozen=True, eq=False)
class AndMaybe:
    """Documents matching ``required``; ``optional`` only adds to their scores."""

    required: object
    optional: object


@dataclass(frozen=True, eq=False)
class AndNot:
    """Documents matching ``positive`` and not ``negative``."""

    positive: object
    negative: object


@dataclass(frozen=True, eq=False)
class Phrase:
    """Words one after another in a field with positions; with ``slop``, each word at most
    that many words after the one before it."""

    field: str
    words: tuple[str, ...]
    boost: float = 1.0
    slop: int = 0


@dataclass(frozen=True, eq=False)
class DayRange:
    """Dated documents whose day (yyyymmdd) lies within the bounds, each inclusive."""

    first: int | None = None
    last: int | None = None


@dataclass(frozen=True, eq=False)
class ValueIs:
    """Documents whose ``field`` (a sortable column, or the tags) holds any of ``values``,
    both folded (`search.analysis.folded`), or, with ``negate``, none of them: a filter,
    not scored."""

    field: str
    values: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True, eq=False)
class Nothing:
    """Matches no document."""


NOTHING = Nothing()
Node = (
    Term
    | FieldedTerm
    | AnyOf
    | AllOf
    | BestOf
    | Readings
    | AndMaybe
    | AndNot
    | Phrase
    | DayRange
    | ValueIs
    | Nothing
)


def all_of(children: list) -> Node:
    """One child as itself, several as `AllOf`."""
    return children[0] if len(children) == 1 else AllOf(tuple(children))
