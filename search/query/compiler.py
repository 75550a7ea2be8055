"""Parsed query -> compiled query (`search.query.nodes`) against one index's vocabulary.

Every weight is a named setting; docs/relevance.md records the figure behind each one.
A plain word becomes a small disjunction over the two forms of the text:

    exact form   title_exact^TITLE*EXACT   body_exact^EXACT   (what the reader typed, folded)
    stems        title^TITLE               body                (and clitic alternatives)
    variants     title^TITLE*VARIANT       body^VARIANT        (other spellings of a name)

so an article holding the very word outranks one holding only a relative of it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from ..analysis import compound_words, is_stopword, light_stems, normalize, stems
from ..analysis.roots import root_of
from ..errors import BadQuery
from ..store import Reader
from . import nodes as qn
from . import parser as p
from .fuzzy import close_words, default_distance, one_edit_words
from .synonyms import NO_SYNONYMS, Synonyms
from .variants import spelling_variants

TITLE_WEIGHT = 2.0  # a word in the headline says more about the topic than one in the body
ROOT_WEIGHTS = {"title_root": TITLE_WEIGHT, "body_root": 1.0}  # root:كتب, as a word is weighed
EXACT_WEIGHT = 0.25  # added on top of the stem match when the folded surface form matches too
# Another reading of the word's stem: its first letter taken as a clitic (وزير -> زير), or
# Snowball's stem beside ours; the best reading of a word counts (docs/relevance.md).
CLITIC_WEIGHT = 0.75
STEM_TEXT_FIELDS = ("body", "title")  # where a stem's document count is counted
EXACT_TEXT_FIELDS = ("body_exact", "title_exact")  # and a word's as written
VARIANT_WEIGHT = 0.5  # another spelling of a name (بيونج for بيونغ)
FUZZY_WEIGHT = 0.5  # a word within word~N edits, less for each edit (query.fuzzy)
# A synonym from the synonyms file (query.synonyms): another word for the same thing, read
# after every reading of the word itself, so it never outranks the word as typed
# (nodes.Readings); weighed as another spelling of a name is.
SYNONYM_WEIGHT = 0.5
MAX_GUESS_LETTERS = 20  # a longer unknown "word" is noise: no fuzzy guess (suggest's bound)
MAX_GUESS_WORDS = 4  # unknown words guessed at per query (suggest's bound); the rest as typed
# Snowball's stem of a word counts as the word as typed (True) or as another word's reading
# (False); docs/relevance.md, "Precision", has both measurements.
SNOWBALL_TYPED = False
MAX_PREFIX_TERMS = 200  # a prefix expands to at most this many of its most frequent words
# What a query's prefixes may cost together. Reading a word of the vocabulary and its
# frequency takes about 13 us (20k-article index), scoring an expanded word a posting list;
# ال* repeated 60 times once held a worker past its 30 s timeout. Repeats of one prefix are
# expanded once.
MAX_PREFIXES = 10  # distinct prefix searches (word*) in one query
# Likewise for fuzzy words: each reads up to fuzzy.MAX_FUZZY_SCAN words of the vocabulary
# (about 0.09 s on the 70k index), and الحكومه~2 typed 60 times took 5.4 s.
MAX_FUZZY_WORDS = 10  # distinct fuzzy words (word~, word~N) in one query; repeats read once
MAX_EXPANDED_TERMS = 1000  # words the query's prefixes expand to, all fields together
MAX_PREFIX_SCAN = 50_000  # vocabulary words the query's prefixes may read, all together
MIN_PREFIX_LETTERS = 2


@dataclass(frozen=True)
class Marks:
    """What a query matched, for the highlighter: normalised forms, stems and phrases
    (tuples of normalised forms)."""

    exacts: frozenset[str] = frozenset()
    stems: frozenset[str] = frozenset()
    phrases: tuple[tuple[str, ...], ...] = field(default=())
    roots: frozenset[str] = frozenset()  # root: searches; `search.results` marks their words

    def __bool__(self) -> bool:
        return bool(self.exacts or self.stems or self.phrases or self.roots)


@dataclass
class Origin:
    """What one typed word or phrase compiled to, for `search.query.explain`: its node (whose
    score is what it adds), and for a word its scored forms (the exact form, each reading)
    and the `nodes.Readings` of which only the best counts."""

    text: str  # as typed
    node: qn.Node
    form: str  # "word", "phrase", "field", "prefix"
    parts: tuple[tuple[qn.FieldedTerm, str], ...] = ()
    readings: qn.Readings | None = None
    boost: float = 1.0  # word^N: the parts' scores are multiplied by it


@dataclass
class Compiled:
    """A compiled query plus what the highlighter should mark."""

    query: qn.Node
    exacts: set[str] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # for the proximity bonus
    # each scored form of a typed word: (its query node, the word as typed, the form name)
    origins: list[Origin] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # what the compiler did unasked
    roots: set[str] = field(default_factory=set)

    def marks(self) -> Marks:
        return Marks(
            frozenset(self.exacts),
            frozenset(self.stems),
            tuple(self.phrases),
            frozenset(self.roots),
        )


class Compiler:
    """Turns a parsed query into a compiled one against one reader's vocabulary."""

    def __init__(
        self, reader: Reader, *, soft_phrases: bool = False, synonyms: Synonyms = NO_SYNONYMS
    ):
        self.reader = reader
        self.soft_phrases = soft_phrases
        self.synonyms = synonyms
        self.stemmer = reader.stemmer
        self.exacts: set[str] = set()
        self.stems: set[str] = set()
        self.phrases: list[tuple[str, ...]] = []
        self.pairs: list[tuple[str, str]] = []
        self.origins: list[Origin] = []
        self.notices: list[str] = []
        self.roots: set[str] = set()
        self._guesses = 0  # unknown words given fuzzy readings so far
        self._close: dict[tuple[str, float], list[tuple[str, float]]] = {}  # word~N, once
        # each distinct prefix's node and the words it expanded to, and the budget spent
        self._prefixes: dict[tuple[str, str | None], tuple[qn.Node, list[str]]] = {}
        self._scanned = 0
        self._expanded = 0

    def compile(self, node: p.Node) -> Compiled:
        query = self.node(node, marking=True)
        if query is None:
            raise BadQuery("the query has no words to search for")
        return Compiled(
            query,
            self.exacts,
            self.stems,
            self.phrases,
            self.pairs,
            self.origins,
            self.notices,
            self.roots,
        )

    # -- nodes ----------------------------------------------------------------------------

    def node(self, node: p.Node, *, marking: bool) -> qn.Node | None:
        if isinstance(node, p.Term):
            return self.term(node, marking=marking, keep_stopwords=True)
        if isinstance(node, p.Phrase):
            return self.phrase(node, marking=marking)
        if isinstance(node, p.Any):
            parts = [q for n in node.nodes if (q := self.node(n, marking=marking)) is not None]
            return qn.AnyOf(_distinct(parts)) if parts else None
        if isinstance(node, p.All):
            return self.all(node, marking=marking)
        if isinstance(node, p.Required):  # only reached for a Required outside an All
            return self.node(node.node, marking=marking)
        if isinstance(node, p.Not):  # only reached for a Not outside an All
            return None
        raise TypeError(node)

    def all(self, node: p.All, *, marking: bool) -> qn.Node | None:
        """Plain words are soft (more matched words rank higher); the rest must match."""
        plain = [n for n in node.nodes if _is_plain(n)]
        loose, relaxed = [], []
        if self.soft_phrases and plain:  # a relaxed phrase: its words count, the phrase adds
            loose = [n for n in node.nodes if isinstance(n, p.Phrase) and not n.field]
            relaxed = [p.Term(word) for phrase in loose for word in phrase.words]
            plain += relaxed
        excluded = [n.node for n in node.nodes if isinstance(n, p.Not)]
        required = [
            n for n in node.nodes if n not in plain and n not in loose and not isinstance(n, p.Not)
        ]
        # Words that must match (+word) are plain words otherwise: stop words among other
        # words drop out, and they count for proximity in the order typed.
        required_words = [
            n.node for n in required if isinstance(n, p.Required) and _is_plain(n.node)
        ]
        words = plain + required_words
        only_stopwords = all(is_stopword(normalize(t.text)) for t in words)
        soft = [
            q
            for t in plain
            if (q := self.term(t, marking=marking, keep_stopwords=only_stopwords)) is not None
        ]
        soft += [q for n in loose if (q := self.phrase(n, marking=marking)) is not None]
        soft += self.synonym_runs(plain, marking=marking)
        if marking:
            typed = [
                n.node if isinstance(n, p.Required) else n
                for n in node.nodes
                if _is_plain(n) or (isinstance(n, p.Required) and _is_plain(n.node))
            ]
            self.pairs += self.proximity(typed + relaxed)
        must = []
        for n in required:
            if isinstance(n, p.Required) and _is_plain(n.node):
                found = self.term(n.node, marking=marking, keep_stopwords=only_stopwords)
            else:
                found = self.node(n, marking=marking)
            if found is not None:
                must.append(found)
        must, soft = list(_distinct(must)), _distinct(soft)  # a repeated prefix counts once
        if must and soft:
            positive = qn.AndMaybe(qn.all_of(must), qn.AnyOf(soft))
        elif must:
            positive = qn.all_of(must)
        elif soft:
            positive = qn.AnyOf(soft)
        else:
            return None
        negative = [q for n in excluded if (q := self.node(n, marking=False)) is not None]
        return qn.AndNot(positive, qn.AnyOf(_distinct(negative))) if negative else positive

    def term(self, term: p.Term, *, marking: bool, keep_stopwords: bool) -> qn.Node | None:
        exact = normalize(term.text)
        if not exact:
            return None
        if term.prefix or term.pattern:
            node = self.prefix(exact, term.field, marking=marking, pattern=term.pattern)
            node = node if term.boost == 1.0 else qn.AnyOf((node,), boost=term.boost)
            if marking:
                self.origins.append(Origin(term.text, node, "prefix"))
            return node
        if term.field == "source":
            node = qn.Term("source_text", exact, boost=term.boost)
            if marking:
                self.origins.append(Origin(term.text, node, "field"))
            return node
        if term.field == "root":
            return self.root(term, exact, marking=marking)
        stop = is_stopword(exact)
        if stop and not keep_stopwords:
            return None
        fields = ("title",) if term.field == "title" else ("title", "body")
        if term.field == "tag":
            fields = ("tag_text",)
        weights = {name: TITLE_WEIGHT if name == "title" else 1.0 for name in fields}
        exact_weights = {f"{n}_exact": w for n, w in weights.items() if n != "tag_text"}
        word_stems = () if stop else stems(exact, self.stemmer)
        variants = self.variants(word_stems[0]) if word_stems else []
        forms: list[tuple[qn.FieldedTerm, str]] = []
        if exact_weights:
            forms.append((qn.FieldedTerm(exact, exact_weights, boost=EXACT_WEIGHT), "exact"))
        typed, others = self.readings(exact, word_stems, variants, weights)
        close = self.close(term, exact, word_stems, variants, exact_weights)
        others += close
        others += self.synonym_readings((exact,), weights, marking=marking)
        readings = typed + others
        clauses: list[qn.Node] = [node for node, _ in forms]
        group = None
        if readings:
            # One word read several ways (its stem, a clitic reading, another spelling)
            # counts once: the best reading, not their sum, and the word as typed first.
            group = qn.Readings(tuple(n for n, _ in typed), tuple(n for n, _ in others))
            clauses.append(group)
        spaced = self.spaced(exact, weights)
        if spaced is not None:  # كوفيد-19 also as the text may write it: كوفيد 19
            clauses.append(spaced)
        compiled = qn.AnyOf(tuple(clauses), boost=term.boost)
        if marking:
            if spaced is not None:
                self.phrases.append(compound_words(exact)[1:])
                self.origins.append(Origin(term.text, spaced, "spaced", boost=term.boost))
            self.exacts.add(exact)
            self.stems.update(word_stems[:1])
            self.stems.update(variants)
            self.exacts.update(node.text for node, _ in close)
            parts = tuple(forms + readings)
            self.origins.append(Origin(term.text, compiled, "word", parts, group, term.boost))
        return compiled

    def root(self, term: p.Term, exact: str, *, marking: bool) -> qn.Node:
        """``root:كتب``: the words of one root, through the root fields, which nothing else
        searches. The typed word is read as a root when the index holds it as one (كتب),
        else its root is taken (مكتوبة -> كتب)."""
        held = any(self.reader.doc_frequency(name, exact) for name in ROOT_WEIGHTS)
        root = exact if held else (root_of(term.text) or exact)
        node = qn.FieldedTerm(root, ROOT_WEIGHTS, boost=term.boost)
        if marking:
            self.roots.add(root)
            self.origins.append(Origin(term.text, node, "root", ((node, "root"),)))
        return node

    def readings(
        self, exact: str, word_stems: tuple[str, ...], variants: list[str], weights: dict
    ) -> tuple[list[tuple[qn.FieldedTerm, str]], list[tuple[qn.FieldedTerm, str]]]:
        """The typed word's own readings, and the others, each other weighted by evidence.

        Another reading is another word: ب + وتن for بوتن, Snowball's سعود for السعودية,
        بوتين for بوتن. Each is weighted by the evidence for it against the typed word,
        weight x min(1, df(reading) / df(typed stem)): a common typed word leaves its rare
        look-alikes next to nothing (السعودية and سعدي), a reading at least as common keeps
        its weight. The others come likeliest (most documents) first: `nodes.Readings` ranks
        a later reading's documents below the best of the earlier ones', so a common spelling
        of a name (بوتين) comes before a rare clitic parse (ب + وتن).
        """
        if not word_stems:
            return [], []
        clitics = set(light_stems(exact)[1:]) if "light" in self.stemmer else set()
        typed = [(qn.FieldedTerm(word_stems[0], weights), "stem")]
        typed_df = self.frequency(word_stems[0])
        others = []
        for stem in word_stems[1:]:
            form = "clitic" if stem in clitics else "snowball"
            if form == "snowball" and SNOWBALL_TYPED:
                typed.append((qn.FieldedTerm(stem, weights), form))
                continue
            others.append((stem, form, CLITIC_WEIGHT))
        others += [(variant, "variant", VARIANT_WEIGHT) for variant in variants]
        found = [self.frequency(text) for text, _, _ in others]
        likeliest_first = sorted(
            ((df, i) for i, df in enumerate(found) if df), key=lambda item: (-item[0], item[1])
        )
        weighted = []
        for df, i in likeliest_first:
            text, form, weight = others[i]
            evidence = min(1.0, df / max(typed_df, 1))
            weighted.append((qn.FieldedTerm(text, weights, boost=weight * evidence), form))
        return typed, weighted

    def close(
        self,
        term: p.Term,
        exact: str,
        word_stems: tuple[str, ...],
        variants: list[str],
        exact_weights: dict[str, float],
    ) -> list[tuple[qn.FieldedTerm, str]]:
        """Fuzzy readings: the index's words within ``word~N`` edits of the word, or within one
        edit of a word no article holds (and no variant either), said so in a notice. They
        come after every other reading, the closest first (`nodes.Readings`)."""
        within = term.fuzzy
        unknown = False
        if within is None:
            found = self.frequency(word_stems[0]) if word_stems else 1
            unknown = not found and not variants and exact.isalpha() and not term.field
            if not unknown or self._exact_frequency(exact):
                return []
            within = 1
        within = within or default_distance(exact)
        if unknown:  # a guess the reader did not ask for: a few lookups, never a scan
            if len(exact) > MAX_GUESS_LETTERS or self._guesses >= MAX_GUESS_WORDS:
                return []
            self._guesses += 1
            words = one_edit_words(self.reader, exact)
        else:
            key = (exact, within)
            if key not in self._close:
                if len(self._close) == MAX_FUZZY_WORDS:
                    raise BadQuery(
                        f"a query may hold at most {MAX_FUZZY_WORDS} different fuzzy words (word~)"
                    )
                self._close[key] = close_words(self.reader, exact, within)
            words = self._close[key]
        if unknown and words:
            shown = "، ".join(word for word, _ in words[:3])
            self.notices.append(
                f"no article holds {term.text}; words one edit from it were searched ({shown})"
            )
        return [
            (
                qn.FieldedTerm(word, exact_weights, boost=FUZZY_WEIGHT * (1 - cost / (within + 1))),
                "fuzzy",
            )
            for word, cost in words
            if exact_weights
        ]

    def _exact_frequency(self, exact: str) -> int:
        return self.reader.frequency_in(EXACT_TEXT_FIELDS, exact)

    def spaced(self, exact: str, weights: dict[str, float]) -> qn.Node | None:
        """A letter-digit compound (f16, كوفيد19) as a phrase of its runs, for texts that
        write it with a space (F 16, كوفيد 19); None for any other word."""
        runs = compound_words(exact)[1:]
        if not runs:
            return None
        names = [name for name in weights if name != "tag_text"]
        return qn.AnyOf(
            tuple(  # another way of writing the word: weighed as a spelling variant
                qn.Phrase(f"{name}_exact", runs, boost=weights[name] * VARIANT_WEIGHT)
                for name in names
            )
        )

    def frequency(self, stem: str) -> int:
        """Documents holding a stem in the title or the body (deleted ones included)."""
        return self.reader.frequency_in(STEM_TEXT_FIELDS, stem)

    def variants(self, stem: str) -> list[str]:
        reader = self.reader
        return spelling_variants(stem, lambda term: reader.frequency_in(STEM_TEXT_FIELDS, term))

    def prefix(
        self, exact: str, field_name: str | None, *, marking: bool, pattern: bool = False
    ) -> qn.Node:
        """A prefix search (word*), or with ``pattern`` a wildcard one (كور?ا, كو*يا): the
        words of the vocabulary it matches, within the query's budgets."""
        start, matcher = (exact, None) if not pattern else _wildcard(exact)
        if len(start) < MIN_PREFIX_LETTERS:
            shown = exact if pattern else f"{exact}*"
            raise BadQuery(
                f"a prefix or wildcard search needs at least {MIN_PREFIX_LETTERS} letters "
                f"before its first * or ?: {shown}"
            )
        key = (exact if pattern else f"{exact}*", field_name)
        if key not in self._prefixes:
            if len(self._prefixes) == MAX_PREFIXES:
                raise BadQuery(
                    f"a query may hold at most {MAX_PREFIXES} different prefix searches (word*)"
                )
            self._prefixes[key] = self._expand(start, field_name, matcher)
        node, marked = self._prefixes[key]
        if marking:
            self.exacts.update(marked)
        return node

    def _expand(
        self, exact: str, field_name: str | None, matcher: re.Pattern | None = None
    ) -> tuple[qn.Node, list[str]]:
        """A prefix's most frequent words in each field it searches (those ``matcher`` takes,
        when given), within the budgets."""
        names = {
            "title": ["title_exact"],
            "source": ["source_text"],
            "tag": ["tag_text"],
            "root": list(ROOT_WEIGHTS),
        }.get(field_name or "", ["title_exact", "body_exact"])
        clauses, marked = [], []
        for name in names:
            room = MAX_PREFIX_SCAN - self._scanned
            found = self.reader.expand_prefix(name, exact, limit=room + 1)
            if len(found) > room:
                raise BadQuery(
                    f"{exact}* matches too many words; type more of the word (the prefixes "
                    f"of one query may match at most {MAX_PREFIX_SCAN} words in all)"
                )
            self._scanned += len(found)
            if matcher is not None:
                found = [term for term in found if matcher.fullmatch(term)]
            keep = min(MAX_PREFIX_TERMS, MAX_EXPANDED_TERMS - self._expanded)
            if len(found) > keep:
                found.sort(key=lambda t: -self.reader.doc_frequency(name, t))
                found = found[:keep]
            self._expanded += len(found)
            weight = TITLE_WEIGHT if name == "title_exact" else 1.0
            clauses += [qn.Term(name, t, boost=weight) for t in found]
            if name in ("title_exact", "body_exact"):
                marked += found
        return (qn.AnyOf(tuple(clauses)) if clauses else qn.NOTHING), marked

    def phrase(self, phrase: p.Phrase, *, marking: bool) -> qn.Node | None:
        folded = tuple(w for w in (normalize(x) for x in phrase.words) if w)
        if not folded:
            return None
        if phrase.field == "root":  # root:"كتب درس": each root must match
            parts = [self.root(p.Term(w, field="root"), w, marking=marking) for w in folded]
            return qn.all_of(parts)
        if phrase.field == "source":
            names = ["source_text"]
        elif phrase.field == "tag":
            names = ["tag_text"]
        elif phrase.field == "title":
            names = ["title_exact"]
        else:
            names = ["title_exact", "body_exact"]
        clauses = []
        for name in names:
            weight = TITLE_WEIGHT if name == "title_exact" else 1.0
            if name == "tag_text":  # tags are indexed stemmed, without positions
                words = [
                    s for w in folded if not is_stopword(w) for s in stems(w, self.stemmer)[:1]
                ]
                clauses.append(
                    qn.all_of([qn.Term(name, w) for w in words]) if words else qn.NOTHING
                )
            elif len(folded) == 1:
                clauses.append(qn.Term(name, folded[0], boost=weight))
            else:
                clauses.append(qn.Phrase(name, folded, boost=weight, slop=phrase.slop))
        compiled = qn.AnyOf(tuple(clauses), boost=phrase.boost)
        weights = {
            n.removesuffix("_exact"): TITLE_WEIGHT if n == "title_exact" else 1.0 for n in names
        }
        also = (
            []
            if phrase.field in ("source", "tag")
            else self.synonym_readings(folded, weights, marking=marking)
        )
        quoted = '"' + " ".join(phrase.words) + '"'
        if marking:
            if len(folded) == 1 or phrase.slop:  # a sloppy phrase's words are marked each
                self.exacts.update(folded)
            else:
                self.phrases.append(folded)
            if not also:
                self.origins.append(Origin(quoted, compiled, "phrase"))
        if not also:
            return compiled
        group = qn.Readings((compiled,), tuple(node for node, _ in also))
        if marking:
            parts = ((compiled, "phrase"), *also)
            self.origins.append(Origin(quoted, group, "word", parts, group))
        return group

    # -- synonyms -------------------------------------------------------------------------

    def synonym_readings(
        self, words: tuple[str, ...], weights: dict[str, float], *, marking: bool
    ) -> list[tuple[qn.Node, str]]:
        """What the synonyms file says ``words`` (folded) also find, as readings after the
        word's own: a word through its stem in the word's fields, several words as a phrase
        of the exact fields; marked for the highlighter too."""
        found: list[tuple[qn.Node, str]] = []
        stem_weights = {n: w for n, w in weights.items() if n in ("title", "body")}
        exact_names = [f"{n}_exact" for n in stem_weights]
        for other in self.synonyms.of(words):
            if len(other) == 1:
                word_stems = () if is_stopword(other[0]) else stems(other[0], self.stemmer)
                if not word_stems or not stem_weights:
                    continue
                node = qn.FieldedTerm(word_stems[0], stem_weights, boost=SYNONYM_WEIGHT)
                if marking:
                    self.exacts.add(other[0])
                    self.stems.add(word_stems[0])
            else:
                if not exact_names:
                    continue
                node = qn.AnyOf(
                    tuple(
                        qn.Phrase(name, other, boost=weights[name.removesuffix("_exact")])
                        for name in exact_names
                    ),
                    boost=SYNONYM_WEIGHT,
                )
                if marking:
                    self.phrases.append(other)
            found.append((node, "synonym"))
        return found

    def synonym_runs(self, plain: list[p.Term], *, marking: bool) -> list[qn.Node]:
        """Runs of typed words that the synonyms file names as one entry (حلف شمال الأطلسي):
        each the run as a phrase, and what the entry also finds after it (`nodes.Readings`),
        the longest run first."""
        if self.synonyms.longest < 2:
            return []
        folded = [normalize(term.text) for term in plain]
        clauses, at = [], 0
        while at < len(plain):
            for size in range(min(self.synonyms.longest, len(plain) - at), 1, -1):
                run = tuple(folded[at : at + size])
                if all(run) and self.synonyms.of(run):
                    words = tuple(term.text for term in plain[at : at + size])
                    node = self.phrase(p.Phrase(words), marking=marking)
                    if node is not None:
                        clauses.append(node)
                    at += size
                    break
            else:
                at += 1
        return clauses

    def proximity(self, plain: list[p.Term]) -> list[tuple[str, str]]:
        """Consecutive content words; found close together, they earn a bonus."""
        content = [e for t in plain if (e := normalize(t.text)) and not is_stopword(e)]
        return [(a, b) for a, b in itertools.pairwise(content) if a != b]


def _is_plain(node: p.Node) -> bool:
    """A word with no field and no prefix mark."""
    return isinstance(node, p.Term) and not (node.field or node.prefix)


def _distinct(nodes: list[qn.Node]) -> tuple[qn.Node, ...]:
    """The nodes without repeats of one node object (a prefix typed twice is one node)."""
    return tuple({id(node): node for node in nodes}.values())


def _wildcard(pattern: str) -> tuple[str, re.Pattern]:
    """The letters before a wildcard pattern's first ? or *, and the pattern as a regex over
    folded words: ? is one letter, * any letters.

    >>> start, matcher = _wildcard("كور?ا")
    >>> start, bool(matcher.fullmatch("كوريا")), bool(matcher.fullmatch("كوررا")), bool(matcher.fullmatch("كورا"))
    ('كور', True, True, False)
    """  # noqa: E501
    pieces = re.split(r"([?*])", pattern)
    start = pieces[0]
    regex = "".join({"?": ".", "*": ".*"}.get(piece, re.escape(piece)) for piece in pieces)
    return start, re.compile(regex)
