"""Highlighted snippets: matches marked on the original characters.

Matching happens on normalised text (the same normalisation as the index, so
``中華民國`` in a document matches the query ``中华民国`` and ``ＡＰＩ２０２４``
matches ``API2024``); the spans are then mapped back through the offsets kept
by :func:`zhen.normalize.normalize`, so the marks land on the characters as
written. Fragments are measured in characters, which suits Chinese (no
spaces) and English alike.
"""

import re
import unicodedata
from array import array
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .analysis import HAN_RANGES, HAN_RUN, han_words, reads_as_question, script_runs
from .english import ranking_term
from .normalize import FULL_WIDTH, normalize

FRAGMENT_CHARS = {"zh": 90, "en": 240}
CONTEXT_BEFORE = 0.3  # share of a fragment shown before its first match
CHUNK_CHARS = 1000  # bodies are searched for a snippet this much at a time
_SPACES = re.compile(r"\s+")
_FOLDABLE = re.compile(r"\s\s|[^\S ]|^\s|\s$")  # what folding spaces changes
_SHIFTING = re.compile(r"^\s+|\s{2,}")
_ASCII_BYTES = bytes(range(0x80))
_HIGH_BYTES = bytes(range(0x80, 0x100))
_BELOW_ASTRAL_LEAD = bytes(range(0xF0))  # every byte but the leads of 4-byte characters
_ASTRAL_UTF8 = re.compile(rb"[\xf0-\xf4][\x80-\xbf]{3}")  # a 4-byte UTF-8 character


@dataclass(frozen=True)
class Needles:
    """What to mark: Han strings, exact English words and English stems."""

    han: frozenset = frozenset()
    words: frozenset = frozenset()
    stems: frozenset = frozenset()

    @classmethod
    def from_texts(cls, texts, userdict=None):
        han, words, stems = set(), set(), set()
        for text in texts:
            norm = normalize(text).text
            runs = HAN_RUN.findall(norm)
            if not reads_as_question(runs):
                han.update(runs)
            else:
                han.update(w for run in runs for w, _, _ in han_words(run, userdict) if len(w) > 1)
            for kind, start, end in script_runs(norm):
                if kind != "han":
                    word = norm[start:end]
                    words.add(word)
                    if ranking_term(word):
                        stems.add(ranking_term(word))
        return cls(frozenset(han), frozenset(words), frozenset(stems))

    def __bool__(self):
        return bool(self.han or self.words or self.stems)

    @cached_property
    def candidates(self):
        """A regex for words that may match: the exact words, and words that
        begin like a stem (Snowball stems are nearly prefixes: ministri ->
        ministr), so a long text is scanned by the regex engine and only its
        candidates are stemmed."""
        prefixes = set(self.words)
        prefixes.update(s[: max(3, len(s) - 1)] for s in self.stems)
        if not prefixes:
            return None
        body = "|".join(sorted(map(re.escape, prefixes), key=len, reverse=True))
        letter = r"[^\W_%s]" % HAN_RANGES  # a word character that is not Han
        return re.compile(r"(?<!%s)(?:%s)%s*(?:\+\+|#(?!\w))?" % (letter, body, letter))

    @cached_property
    def latin_filter(self):
        """A :class:`_LatinFilter` for the candidates' prefixes, or None when
        one of them is not ASCII (then the slower general test applies)."""
        if self.candidates is None:
            return None
        prefixes = set(self.words) | {s[: max(3, len(s) - 1)] for s in self.stems}
        if not all(p.isascii() for p in prefixes):
            return None
        return _LatinFilter.of(prefixes)


@dataclass(frozen=True)
class _LatinFilter:
    """A quick, exact test that a text cannot match ASCII needles.

    A match in the normalised text is made of characters that were either
    ASCII as written (lower-cased: then they stand together in the text's
    ASCII bytes, which bytes.translate extracts at C speed) or written as
    another character that folds to ASCII (full-width ``ｔａｘ``, ``①``,
    ``𝐭``): ``bmp`` and ``astral`` hold every such character that folds to a
    character of a prefix. Neither found: no match, without normalising.
    """

    prefixes: re.Pattern  # bytes: any prefix, lower case
    bmp: re.Pattern | None  # str: a BMP character folding to a prefix character
    astral: frozenset  # the same above U+FFFF (a regex of those is slow)

    @classmethod
    def of(cls, prefixes):
        body = b"|".join(re.escape(p.encode()) for p in sorted(prefixes, key=len, reverse=True))
        folding = _folding_to_ascii()
        chars = {c for p in prefixes for a in set(p) for c in folding.get(a, ())}
        bmp = "".join(sorted(c for c in chars if c <= "\uffff"))
        return cls(
            re.compile(body),
            re.compile("[%s]" % re.escape(bmp)) if bmp else None,
            frozenset(c for c in chars if c > "\uffff"),
        )

    def may_match(self, text):
        encoded = text.encode("utf-8", "surrogatepass")
        if self.prefixes.search(encoded.translate(None, _HIGH_BYTES).lower()):
            return True
        if text.isascii():
            return False
        if self.bmp is not None and self.bmp.search(_non_ascii(text, encoded)):
            return True
        if not self.astral or not encoded.translate(None, _BELOW_ASTRAL_LEAD):
            return False  # (no 4-byte UTF-8 character at all: the usual case)
        return any(found.decode("utf-8") in self.astral for found in _ASTRAL_UTF8.findall(encoded))


@lru_cache(maxsize=1)
def _folding_to_ascii():
    """{ASCII character: the non-ASCII characters whose normalised form
    (NFKC, lower case, as :func:`zhen.normalize.normalize`) contains it}.
    NFKC never yields ASCII by composing, nor deletes a character, so these
    are the only ways to an ASCII character but writing it."""
    table = defaultdict(set)
    for block in range(0, 0x110000, 256):  # a block that neither case nor NFKC
        if 0xD800 <= block < 0xE000:  # changes is skipped whole
            continue
        chars = array("I", range(max(block, 0x80), block + 256)).tobytes().decode("utf-32-le")
        if _unchanged(chars):
            continue
        for char in chars:
            if not _unchanged(char):
                for folded in unicodedata.normalize("NFKC", char).lower():
                    if folded.isascii():
                        table[folded].add(char)
    return table


def _unchanged(text):
    return unicodedata.is_normalized("NFKC", text) and text.lower() == text


def _non_ascii(text, encoded):
    """``text`` to search for non-ASCII characters: only those of them when
    they are few (English text), else the text itself (Chinese text)."""
    rest = encoded.translate(None, _ASCII_BYTES)
    return rest.decode("utf-8", "surrogatepass") if 2 * len(rest) < len(encoded) else text


def _has_han(text):
    """Whether ``text`` has a Han character: searched among its non-ASCII
    characters (an English body of 500,000 characters in 1 ms, not 14)."""
    if text.isascii():
        return False
    return HAN_RUN.search(_non_ascii(text, text.encode("utf-8", "surrogatepass"))) is not None


def first_spans(text, needles):
    """The spans of the first stretch of ``text`` that has any match.

    A snippet shows one fragment, so a long body is normalised and searched
    a chunk at a time and the search stops at the first chunk that matches:
    the cost follows the position of the first match, not the length of the
    document. Chunks overlap by the longest needle, so no match is cut.
    """
    if not needles or not _may_match(text, needles):
        return []
    overlap = max(map(len, needles.han), default=0) + 32
    for start in range(0, len(text), CHUNK_CHARS):
        piece = text[start : start + CHUNK_CHARS + overlap]
        spans = [
            (s + start, e + start)
            for s, e in match_spans(piece, needles)
            if s < CHUNK_CHARS or start + len(piece) >= len(text)
        ]
        if spans:
            return spans
    return []


def _may_match(text, needles):
    """False when ``text`` cannot match: it has no Han character for Han
    needles, and neither the Latin needles' letters nor any full-width form
    for Latin ones. (Normalising a long body to find nothing costs far more:
    a Chinese query on an English body.)"""
    if needles.han and _has_han(text):
        return True
    if needles.latin_filter is not None:
        return needles.latin_filter.may_match(text)
    return needles.candidates is not None and bool(
        needles.candidates.search(text.lower()) or FULL_WIDTH.search(text)
    )


def match_spans(text, needles):
    """Sorted, merged (start, end) spans of ``text`` that match ``needles``."""
    norm = normalize(text)
    spans = []
    for needle in needles.han:
        start = norm.text.find(needle)
        while start >= 0:
            spans.append(norm.span(start, start + len(needle)))
            start = norm.text.find(needle, start + len(needle))
    if needles.candidates is not None:
        for match in needles.candidates.finditer(norm.text):
            word = match.group()
            if word in needles.words or ranking_term(word) in needles.stems:
                spans.append(norm.span(*match.span()))
    return _merge(spans)


def _merge(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def best_window(spans, length, size):
    """The [start, end) window of ``size`` chars holding the most matches."""
    if not spans or length <= size:
        return 0, min(length, size)
    best, best_count = spans[0][0], 0
    j = 0
    for i, (start, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= start + size:
            j += 1
        if j - i > best_count:
            best, best_count = start, j - i
    begin = max(0, min(best - int(size * CONTEXT_BEFORE), length - size))
    return begin, begin + size


@dataclass(frozen=True)
class Fragment:
    """What a front end shows of one field: a stretch of its text and the
    matches in it, as ``(start, end)`` offsets into ``text``. ``clipped_start``
    and ``clipped_end`` say whether the field goes on before or after it
    (an ellipsis). The library gives spans; the CLI colours them, the web
    app and the JSON mark them up (:mod:`zhen.render`)."""

    text: str
    marks: tuple = ()
    clipped_start: bool = False
    clipped_end: bool = False


def snippet(text, needles, lang="zh", whole=False, around=None):
    """(:class:`Fragment` or None, first match offset or None) for one
    field: the best fragment of a body, or all of a title. Without a match,
    a body's fragment starts at ``around`` (the place matching the other
    language's passage) if given."""
    if not text:
        return None, None
    if whole:
        spans = match_spans(text, needles) if needles else []
        return Fragment(text, tuple(spans)), (spans[0][0] if spans else None)
    spans = first_spans(text, needles)
    first = spans[0][0] if spans else None
    size = FRAGMENT_CHARS[lang]
    if spans or around is None:
        begin, end = best_window(spans, len(text), size)
    else:
        begin = max(0, min(around, len(text) - size))
        end = begin + size
    end = min(end, len(text))
    inside = [
        (max(s, begin) - begin, min(e, end) - begin) for s, e in spans if e > begin and s < end
    ]
    shown, marks = _fold_spaces(text[begin:end], inside)
    return Fragment(shown, marks, begin > 0, end < len(text)), first


def _fold_spaces(text, spans):
    """``text`` with each run of white space made one space (and none at
    the ends), and ``spans`` moved to match."""
    if not _FOLDABLE.search(text):
        return text, tuple(spans)  # nothing to fold: the common case of English
    # Only a run at the start or of two or more characters moves what follows.
    runs = [m.span() for m in _SHIFTING.finditer(text)]
    starts, places, shifts = [], [], []  # per run: start, its place in the output,
    removed = 0  # and how many characters are gone after it
    for start, end in runs:
        place = start - removed
        removed += end - start - (1 if place > 0 else 0)
        starts.append(start)
        places.append(place)
        shifts.append(removed)
    folded = _SPACES.sub(" ", text)
    folded = folded[1:] if folded.startswith(" ") else folded
    folded = folded[:-1] if folded.endswith(" ") else folded
    size = len(folded)

    def moved(at):
        k = bisect_right(starts, at) - 1
        if k < 0:
            return min(at, size)
        if at < runs[k][1]:
            return min(places[k], size)
        return min(at - shifts[k], size)

    return folded, tuple((moved(s), moved(e)) for s, e in spans if moved(s) < moved(e))
