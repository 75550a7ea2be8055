"""The query language: user text -> a small syntax tree, forgiving where intent is clear.

    words           كوريا الشمالية            every word counts; more matched words rank higher
    "exact phrase"  "كوريا الشمالية"           normalised but unstemmed, in this order
    -word -"phrase" -روسيا                    exclude (also NOT روسيا, ليس روسيا, وليس روسيا)
    +word +"phrase" +روسيا                    must match (a plain word only ranks higher)
    a AND b         كوريا AND روسيا            both must match
    a OR b, a أو b  بيونغ OR سيول              alternatives
    field:word      title:بلينكن source:رويترز tag:كوريا (also عنوان: مصدر: وسم:)
    root:word       root:كتب                  words of that root: كاتب مكتوبة الكتب (also جذر:)
    prefix*         صاروخ*                    words that start so
    word~ word~2    كوريا~                    also words an edit or two away (query.fuzzy)
    wild?card       كور?ا                     ? is any one letter, * any letters, inside a word
    word^2          كوريا^2 "حلف الناتو"^3     weighs the word or phrase that many times
    "phrase"~N      "كوريا الصواريخ"~3         the words in order, at most N words apart
    ( ... )         (سيول OR طوكيو) -بكين      grouping

What the grammar does not support (a ``name:`` that is no field, ``word~9``) is searched as
plain words and said so in a notice (`parse_with_notices`), never silently.

An unclosed quote or parenthesis closes at the end, a stray ``)`` or a dangling operator is
ignored; text with nothing left to search raises `BadQuery` with a readable message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..analysis import TOKEN_RE
from ..errors import BadQuery

MAX_QUERY_LENGTH = 1000  # characters; longer input is refused, never truncated silently
MAX_DEPTH = 20  # nested parentheses
OR_WORDS = frozenset({"OR", "أو", "او", "|"})
AND_WORDS = frozenset({"AND", "&&"})
NOT_WORDS = frozenset({"NOT", "ليس", "وليس"})  # the Arabic ones as Alfanous reads them
MAX_BOOST = 100.0
MAX_SLOP = 20  # words a sloppy phrase may skip between two of its words
MAX_FUZZY = 2  # edits a fuzzy word (word~N) may be from the words it finds
BOOSTED_RE = re.compile(r"(?P<word>.+?)\^(?P<boost>\d{1,3}(?:\.\d{1,3})?)")  # كوريا^2
FUZZY_RE = re.compile(r"(?P<word>[^~]+)~(?P<distance>\d?)")  # كوريا~ كوريا~2
FIELD_LIKE_RE = re.compile(r"[A-Za-z_]{2,20}")  # date:2024, lang:ar: no such field
WILDCARD_RE = re.compile(r"[^\W\d_]+[?*][^\W\d_?*]*(?:[?*][^\W\d_?*]*)*")  # كور?ا, كو*يا
AFTER_PHRASE_RE = re.compile(r"(?:~(?P<slop>\d{1,2}))?(?:\^(?P<boost>\d{1,3}(?:\.\d{1,3})?))?")
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
    "root": "root",
    "جذر": "root",
    "الجذر": "root",
}
OPEN_QUOTES = {'"': '"', "“": "”", "”": "”", "«": "»", "„": "”"}
PREFIX_MARK = "*"
# Characters that end a word: parentheses and every quote mark, opening or closing.
WORD_BREAKS = frozenset("()") | OPEN_QUOTES.keys() | frozenset(OPEN_QUOTES.values())


@dataclass(frozen=True)
class Term:
    """One word as typed (``text`` holds no spaces); ``prefix`` for ``word*``; ``pattern``
    for a word with ``?`` or ``*`` inside (``text`` keeps them)."""

    text: str
    field: str | None = None
    prefix: bool = False
    boost: float = 1.0
    pattern: bool = False
    fuzzy: int | None = None  # word~ (0: the default distance) or word~N; None: exact


@dataclass(frozen=True)
class Phrase:
    """Words that must appear together, in order; with ``slop``, at most that many words
    apart."""

    words: tuple[str, ...]
    field: str | None = None
    slop: int = 0
    boost: float = 1.0


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


def _lex(text: str, notices: list[str]) -> list[_Token]:
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
            after = AFTER_PHRASE_RE.match(text, end + 1) if end < n else None
            slop = min(int(after["slop"]), MAX_SLOP) if after and after["slop"] else 0
            boost = min(float(after["boost"]), MAX_BOOST) if after and after["boost"] else 1.0
            tokens.append(_Token("phrase", (text[i + 1 : end], slop, boost)))
            i = (after.end() if after and after.group() else end + 1) if end < n else n
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
                    tokens.extend(_chunk_tokens(rest, notices))
                continue
            if colon and rest and FIELD_LIKE_RE.fullmatch(name):
                notices.append(
                    f"{name}: is not a field (title:, source:, tag: and root: are); "
                    f"{chunk} was searched as words"
                )
            tokens.extend(_chunk_tokens(chunk, notices))
    return tokens


def _chunk_tokens(chunk: str, notices: list[str]) -> list[_Token]:
    """The tokens of one whitespace-free chunk: an operator word, or its words."""
    if chunk in OR_WORDS:
        return [_Token("or")]
    if chunk in AND_WORDS:
        return [_Token("and")]
    if chunk in NOT_WORDS:
        return [_Token("not", chunk)]
    boost = 1.0
    if boosted := BOOSTED_RE.fullmatch(chunk):
        chunk, boost = boosted["word"], min(float(boosted["boost"]), MAX_BOOST)
    fuzzy = None
    if fuzzed := FUZZY_RE.fullmatch(chunk):
        chunk, given = fuzzed["word"], fuzzed["distance"]
        fuzzy = min(int(given), MAX_FUZZY) if given else 0
        if given == "0":
            fuzzy = None
        elif given and int(given) > MAX_FUZZY:
            notices.append(
                f"{fuzzed.group()}: at most {MAX_FUZZY} edits; searched {chunk}~{MAX_FUZZY}"
            )
    word = chunk.rstrip("?")  # a ? that ends a chunk ends a question, it is no wildcard
    inner = word.rstrip(PREFIX_MARK)
    if ("?" in inner or PREFIX_MARK in inner) and WILDCARD_RE.fullmatch(word):
        return [_Token("word", (word, False, boost, True, None))]
    found = []
    matches = list(TOKEN_RE.finditer(chunk))
    for index, match in enumerate(matches):
        is_last = index == len(matches) - 1
        prefix = is_last and chunk[match.end() :].startswith(PREFIX_MARK)
        found.append(_Token("word", (match.group(), prefix, boost, False, fuzzy)))
    if fuzzy is not None and len(found) != 1:  # ~ applies to one word (كوريا~, not F-16 2~)
        found = [_Token("word", (*token.value[:4], None)) for token in found]
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
        nodes: list[Node] = []
        require_next = False
        while (token := self.peek()) is not None and token.kind not in ("or", "close"):
            if token.kind == "and":  # a AND b: both must match; a dangling AND is ignored
                self.take()
                if nodes:
                    nodes[-1] = _required(nodes[-1])
                    require_next = True
                continue
            node = self.unary()
            if node is not None:
                nodes.append(_required(node) if require_next else node)
                require_next = False
        return _join(All, nodes)

    def unary(self) -> Node | None:
        token = self.take()
        if token.kind in ("not", "must"):
            following = self.peek()
            if following is None or following.kind in ("or", "close", "not", "must", "and"):
                # a lone minus or plus is nothing; a lone ليس or NOT is the word itself
                return Term(token.value) if token.value else None
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
            content, slop, boost = token.value
            words = tuple(m.group() for m in TOKEN_RE.finditer(content))
            if not words:
                return None
            return Phrase(words, slop=slop, boost=boost)
        if token.kind == "word":
            text, prefix, boost, pattern, fuzzy = token.value
            return Term(text, prefix=prefix, boost=boost, pattern=pattern, fuzzy=fuzzy)
        return None  # "or"/"close" are handled by the callers


def _join(kind, nodes: list[Node]) -> Node | None:
    if not nodes:
        return None
    if len(nodes) == 1:
        return nodes[0]
    return kind(tuple(nodes))


def _required(node: Node) -> Node:
    return node if isinstance(node, Not | Required) else Required(node)


def _with_field(node: Node | None, field: str) -> Node | None:
    if node is None:
        return None
    if isinstance(node, Term | Phrase):
        return replace(node, field=field)
    if isinstance(node, Not | Required):
        return type(node)(_with_field(node.node, field))
    return type(node)(tuple(_with_field(n, field) for n in node.nodes))


def parse(text: str) -> Node:
    """Parse user text; raise BadQuery when nothing searchable is left (`parse_with_notices`
    also says what the grammar read as plain words).

    >>> parse('title:بلينكن -روسيا')
    All(nodes=(Term(text='بلينكن', field='title', ...), Not(node=Term(text='روسيا', ...))))
    """
    return parse_with_notices(text)[0]


def parse_with_notices(text: str) -> tuple[Node, list[str]]:
    """The tree of `parse`, and a notice for each piece of syntax the grammar does not support
    and searched as plain words instead.

    >>> parse_with_notices("date:2024")[1]
    ['date: is not a field (title:, source:, tag: and root: are); date:2024 was searched as words']
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise BadQuery(f"the query is {len(text)} characters long; at most {MAX_QUERY_LENGTH}")
    if not text.strip():
        raise BadQuery("the query is empty; type a word to search for")
    notices: list[str] = []
    node = _Parser(_lex(text, notices)).parse()
    if node is None:
        raise BadQuery("the query has no words to search for")
    if not has_positive(node):
        raise BadQuery("the query only excludes words; add a word to search for")
    return node, notices


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
