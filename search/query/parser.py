"""The query language: user text -> a small syntax tree, forgiving where intent is clear.

    words           كوريا الشمالية            every word counts; more matched words rank higher
    "exact phrase"  "كوريا الشمالية"           normalised but unstemmed, in this order
    -word -"phrase" -روسيا                    exclude
    +word +"phrase" +روسيا                    must match (a plain word only ranks higher)
    a OR b, a أو b  بيونغ OR سيول              alternatives
    field:word      title:بلينكن source:رويترز tag:كوريا (also عنوان: مصدر: وسم:)
    prefix*         صاروخ*                    words that start so
    ( ... )         (سيول OR طوكيو) -بكين      grouping

An unclosed quote or parenthesis closes at the end, a stray ``)`` or a dangling operator is
ignored; text with nothing left to search raises `BadQuery` with a readable message.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis import TOKEN_RE
from ..errors import BadQuery

MAX_QUERY_LENGTH = 1000  # characters; longer input is refused, never truncated silently
MAX_DEPTH = 20  # nested parentheses
OR_WORDS = frozenset({"OR", "أو", "او", "|"})
FIELDS = {
    "title": "title",
    "عنوان": "title",
    "العنوان": "title",
    "source": "source",
    "مصدر": "source",
    "المصدر": "source",
    "tag": "tag",
    "tags": "tag",
    "وسم": "tag",
}
OPEN_QUOTES = {'"': '"', "“": "”", "”": "”", "«": "»", "„": "”"}
PREFIX_MARK = "*"
# Characters that end a word: parentheses and every quote mark, opening or closing.
WORD_BREAKS = frozenset("()") | OPEN_QUOTES.keys() | frozenset(OPEN_QUOTES.values())


@dataclass(frozen=True)
class Term:
    """One word as typed (``text`` holds no spaces); ``prefix`` for ``word*``."""

    text: str
    field: str | None = None
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Words that must appear together, in order."""

    words: tuple[str, ...]
    field: str | None = None


@dataclass(frozen=True)
class Not:
    """Documents matching ``node`` are excluded."""

    node: Node


@dataclass(frozen=True)
class Required:
    """``node`` must match (``+word``), where a plain word alone would only rank higher."""

    node: Node


@dataclass(frozen=True)
class All:
    """Implicit conjunction: plain terms are soft, phrases and fields must match."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Any:
    nodes: tuple[Node, ...]


Node = Term | Phrase | Not | Required | All | Any


# --- Lexer -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "phrase", "open", "close", "or", "not", "must", "field"
    value: object = None


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in OPEN_QUOTES:
            close = OPEN_QUOTES[char]
            end = text.find(close, i + 1)
            end = n if end < 0 else end  # an unclosed quote runs to the end
            tokens.append(_Token("phrase", text[i + 1 : end]))
            i = end + 1
        elif char == "(":
            tokens.append(_Token("open"))
            i += 1
        elif char == ")":
            tokens.append(_Token("close"))
            i += 1
        elif char == "-" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != "-":
            tokens.append(_Token("not"))
            i += 1
        elif char == "+" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != "+":
            tokens.append(_Token("must"))
            i += 1
        elif char in WORD_BREAKS:  # a closing quote with no opening one (»): skipped
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in WORD_BREAKS:
                j += 1
            chunk = text[i:j]
            i = j
            name, colon, rest = chunk.partition(":")
            if colon and name.lower() in FIELDS:
                tokens.append(_Token("field", FIELDS[name.lower()]))
                if rest:
                    tokens.extend(_chunk_tokens(rest))
                continue
            tokens.extend(_chunk_tokens(chunk))
    return tokens


def _chunk_tokens(chunk: str) -> list[_Token]:
    if chunk in OR_WORDS:
        return [_Token("or")]
    found = []
    matches = list(TOKEN_RE.finditer(chunk))
    for index, match in enumerate(matches):
        is_last = index == len(matches) - 1
        prefix = is_last and chunk[match.end() :].startswith(PREFIX_MARK)
        found.append(_Token("word", (match.group(), prefix)))
    return found


# --- Parser ------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.at = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Node | None:
        node = self.alternatives()
        while self.peek() is not None:  # a stray ")" ends a group that was never opened
            self.take()
            more = self.alternatives()
            node = _join(All, [n for n in (node, more) if n is not None])
        return node

    def alternatives(self) -> Node | None:
        options = []
        while True:
            node = self.sequence()
            if node is not None:
                options.append(node)
            token = self.peek()
            if token is None or token.kind != "or":
                break
            self.take()
        return _join(Any, options)

    def sequence(self) -> Node | None:
        nodes = []
        while (token := self.peek()) is not None and token.kind not in ("or", "close"):
            node = self.unary()
            if node is not None:
                nodes.append(node)
        return _join(All, nodes)

    def unary(self) -> Node | None:
        token = self.take()
        if token.kind in ("not", "must"):
            following = self.peek()
            if following is None or following.kind in ("or", "close", "not", "must"):
                return None  # a lone minus or plus
            inner = self.unary()
            if inner is None:
                return None
            return Not(inner) if token.kind == "not" else Required(inner)
        if token.kind == "field":
            following = self.peek()
            if following is None or following.kind in ("or", "close", "not"):
                return None
            return _with_field(self.unary(), token.value)
        if token.kind == "open":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise BadQuery(f"too many nested parentheses (at most {MAX_DEPTH})")
            inner = self.alternatives()
            if self.peek() is not None and self.peek().kind == "close":
                self.take()
            self.depth -= 1
            return inner
        if token.kind == "phrase":
            words = tuple(m.group() for m in TOKEN_RE.finditer(token.value))
            if not words:
                return None
            return Phrase(words)
        if token.kind == "word":
            text, prefix = token.value
            return Term(text, prefix=prefix)
        return None  # "or"/"close" are handled by the callers


def _join(kind, nodes: list[Node]) -> Node | None:
    if not nodes:
        return None
    if len(nodes) == 1:
        return nodes[0]
    return kind(tuple(nodes))


def _with_field(node: Node | None, field: str) -> Node | None:
    if node is None:
        return None
    if isinstance(node, Term):
        return Term(node.text, field, node.prefix)
    if isinstance(node, Phrase):
        return Phrase(node.words, field)
    if isinstance(node, Not | Required):
        return type(node)(_with_field(node.node, field))
    return type(node)(tuple(_with_field(n, field) for n in node.nodes))


def parse(text: str) -> Node:
    """Parse user text; raise BadQuery when nothing searchable is left.

    >>> parse('title:بلينكن -روسيا')
    All(nodes=(Term(text='بلينكن', field='title', prefix=False), Not(node=Term(text='روسيا', field=None, prefix=False))))
    """  # noqa: E501
    if len(text) > MAX_QUERY_LENGTH:
        raise BadQuery(f"the query is {len(text)} characters long; at most {MAX_QUERY_LENGTH}")
    if not text.strip():
        raise BadQuery("the query is empty; type a word to search for")
    node = _Parser(_lex(text)).parse()
    if node is None:
        raise BadQuery("the query has no words to search for")
    if not has_positive(node):
        raise BadQuery("the query only excludes words; add a word to search for")
    return node


def has_positive(node: Node) -> bool:
    """True when the node can match something by itself (not only exclusions)."""
    if isinstance(node, Not):
        return False
    if isinstance(node, Required):
        return has_positive(node.node)
    if isinstance(node, All):
        return any(has_positive(n) for n in node.nodes)
    if isinstance(node, Any):
        return all(has_positive(n) for n in node.nodes)
    return True
