"""Synonyms at query time, from a file in Solr's synonyms format.

    # a comment; blank lines are skipped
    كورونا, كوفيد                       equivalent: each finds the others
    الناتو, حلف شمال الأطلسي            an entry may be several words
    مونديال => كأس العالم               one way: مونديال also finds كأس العالم, not the reverse
    a, b => c, d                        a and b each also find c and d

Entries are folded as search folds words (`search.analysis.normalize`), so أ/ا, ة/ه and
diacritics never matter. Unlike Solr, ``=>`` keeps what the reader typed: a synonym only adds
readings, and the compiler ranks them below the words typed (`compiler.SYNONYM_WEIGHT`, and
`nodes.Readings`: a document found only through a synonym never outranks the best ten found
through the word itself). Nothing is indexed, so the file can change without a rebuild;
`SynonymFile` reloads it when it changes.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis import TOKEN_RE, normalize
from ..errors import SearchError

log = logging.getLogger(__name__)
MAX_ENTRY_WORDS = 8  # words in one entry: longer is a sentence, not a name
MAX_LINES = 100_000  # a synonyms file is a list a person keeps, not a dictionary dump


class SynonymError(SearchError):
    """A synonyms file that cannot be read or parsed; the message names the file and line."""

    status = 500
    code = "synonyms_invalid"


Words = tuple[str, ...]


@dataclass(frozen=True)
class Synonyms:
    """Folded entries and what each also finds: ``expansions[("كورونا",)]`` holds
    ``(("كوفيد",),)``. ``longest`` is the most words of any entry (runs of typed words are
    matched longest first)."""

    expansions: dict[Words, tuple[Words, ...]] = field(default_factory=dict)
    source: str = ""

    @property
    def longest(self) -> int:
        return max((len(key) for key in self.expansions), default=0)

    def __bool__(self) -> bool:
        return bool(self.expansions)

    def of(self, words: Words) -> tuple[Words, ...]:
        """What the folded ``words`` also find (nothing when no entry names them)."""
        return self.expansions.get(words, ())


NO_SYNONYMS = Synonyms()


def _entry(text: str, where: str) -> Words:
    words = tuple(w for w in (normalize(m.group()) for m in TOKEN_RE.finditer(text)) if w)
    if not words:
        raise SynonymError(f"{where}: an empty entry (two commas, or nothing beside =>)")
    if len(words) > MAX_ENTRY_WORDS:
        raise SynonymError(f"{where}: an entry of {len(words)} words; at most {MAX_ENTRY_WORDS}")
    return words


def parse_synonyms(text: str, source: str = "synonyms") -> Synonyms:
    """Parse the file's text; `SynonymError` names ``source`` and the line at fault.

    >>> parse_synonyms("كورونا, كوفيد\\nمونديال => كأس العالم").of(("مونديال",))
    (('كاس', 'العالم'),)
    """
    found: dict[Words, list[Words]] = {}
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise SynonymError(f"{source}: {len(lines)} lines; at most {MAX_LINES}")
    for number, line in enumerate(lines, start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        where = f"{source}, line {number}"
        if content.count("=>") > 1:
            raise SynonymError(f"{where}: more than one => in «{line.strip()}»")
        if "=>" in content:
            left, right = content.split("=>")
            keys = [_entry(part, where) for part in left.split(",")]
            targets = [_entry(part, where) for part in right.split(",")]
        else:
            keys = targets = [_entry(part, where) for part in content.split(",")]
            if len(keys) < 2:
                raise SynonymError(
                    f"{where}: «{line.strip()}» names one entry; write a, b for equivalents "
                    "or a => b for one way"
                )
        for key in keys:
            into = found.setdefault(key, [])
            into += [target for target in targets if target != key and target not in into]
    return Synonyms({key: tuple(value) for key, value in found.items() if value}, source)


def load_synonyms(path: str | Path) -> Synonyms:
    """Read and parse a synonyms file (UTF-8); `SynonymError` says what is wrong where."""
    try:
        text = Path(path).read_text("utf-8")
    except UnicodeDecodeError as error:
        line = Path(path).read_bytes()[: error.start].count(b"\n") + 1
        raise SynonymError(f"{path}, line {line}: not UTF-8 text") from None
    except OSError as error:
        raise SynonymError(f"{path}: {error.strerror or error}".lower()) from None
    return parse_synonyms(text, str(path))


class SynonymFile:
    """The synonyms of one file, reloaded when it changes (its size or modification time, a
    stat per request): a serving worker sees an edited file on its next search. A file
    that breaks after the start keeps the last good synonyms and logs why."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._synonyms = NO_SYNONYMS
        self.version = ""  # the loaded file's size and modification time (search ETags)
        if self.path is not None:
            self._stamp = self._stat()
            self._synonyms = load_synonyms(self.path)  # a bad file stops the start
            self.version = f"{self._stamp}"

    def _stat(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size

    def get(self) -> Synonyms:
        if self.path is None:
            return NO_SYNONYMS
        stamp = self._stat()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._stamp = stamp
                    try:
                        self._synonyms = load_synonyms(self.path)
                        self.version = f"{stamp}"
                    except SynonymError as error:
                        log.error("synonyms not reloaded, the last good ones stay: %s", error)
        return self._synonyms
