"""Bilingual analysis: text to index terms, for Chinese and English at once.

Like charabia (Meilisearch), the text is split into runs by script and each
run goes to the segmenter made for it: Han runs to jieba (through rjieba, the
same model in Rust: ``tests/test_shared_corpus.py`` proves identical words on
every Han run of twlaw), Latin and digit runs to the English pipeline. Unlike
charabia, zhen normalises *before* segmenting (:mod:`zhen.normalize`: NFKC,
case, Traditional to Simplified), because jieba's dictionary and model are
Simplified: segmenting 中華民國 as written would give other words than
中华民国, and the two must meet in one index. Offsets map every term back to
the original characters, so highlights still land on the text as written.

Three analyzers build the index (Whoosh analyzers, stored by import path in
the index schema, so the names here must stay stable). Chinese fields are
indexed twice, English fields once:

* :class:`WordAnalyzer` -- the ranking view of Chinese fields: jieba words
  (English words in them as Snowball stems without stop words).
* :class:`GramAnalyzer` -- the recall and phrase view of Chinese fields: Han
  bigrams (as Lucene's CJKAnalyzer does, plus each run's last character) and
  English words exactly as written. Any Chinese substring is a phrase of
  bigrams here (a single character, a prefix), so sub-words, single
  characters, out-of-vocabulary strings and quoted phrases all match.
* :class:`EnglishAnalyzer` -- English fields: Snowball stems with positions,
  stop words kept, so one view serves ranking, stemmed matching and exact
  phrases.

All honour Whoosh's token contract: ``pos`` counts tokens in order, ``startchar``
and ``endchar`` index the original, un-normalised text, and the ``positions``,
``chars``, ``start_pos``, ``start_char`` and ``removestops`` arguments work.
"""

import hashlib
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import rjieba
from whoosh.analysis import Analyzer

from .english import english_term, ranking_term
from .normalize import HAN_RANGES, normalize

# Han runs, decimals such as 1.1, words (letters and digits, not Han) with an
# optional ++ or # for names like C++ and C#.
_RUNS = re.compile(
    r"(?P<han>[%s]+)|(?P<num>\d+(?:\.\d+)+)|(?P<word>[^\W_%s]+(?:\+\+|#(?!\w))?)"
    % (HAN_RANGES, HAN_RANGES)
)
HAN_RUN = re.compile(r"[%s]+" % HAN_RANGES)
# A query reads as a question, not keywords, when it has more plain words than
# QUESTION_WORDS, or a word with more Han characters than QUESTION_HAN_CHARS (in
# one run, or in runs split by punctuation): it is then searched, ranked and
# highlighted by its words, none of them required.
QUESTION_WORDS = 4
QUESTION_HAN_CHARS = 8


def reads_as_question(han_runs):
    """Whether these Han runs of one query word read as a question (a
    sentence), not a word to find as written."""
    return sum(map(len, han_runs)) > QUESTION_HAN_CHARS


def userdict_fingerprint(path):
    """SHA-1 of a user dictionary's bytes, or None without one."""
    if not path:
        return None
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


@lru_cache(maxsize=8)
def segmenter(userdict=None):
    """The jieba segmenter, with a user dictionary's words if one is given.

    Built once per process and dictionary: loading costs about half a
    second, far too much for every query.
    """
    jieba = rjieba.Jieba()
    if userdict:
        for word, freq, tag in read_userdict(userdict):
            jieba.add_word(word, freq, tag)
    return jieba


def read_userdict(path):
    """(word, freq or None, tag or None) for each line of a jieba dictionary."""
    entries = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        parts = line.split()
        if not parts:
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        entries.append((normalize(parts[0]).text, freq, tag))
    return entries


def script_runs(text):
    """(kind, start, end) of each Han run, decimal and word in ``text``."""
    for match in _RUNS.finditer(text):
        yield match.lastgroup, match.start(), match.end()


def han_words(run, userdict=None):
    """jieba's words for a Han run, as (word, start, end) within the run."""
    return segmenter(userdict).tokenize(run)


class SlotToken:
    """Whoosh's token interface with fixed slots.

    Analyzers yield one token object again and again, changing its
    attributes per term (Whoosh's own convention); attribute writes to slots
    are cheaper than to Whoosh's dict-based ``Token``, and tens of millions
    of them are made when indexing a corpus.
    """

    __slots__ = (
        "text",
        "pos",
        "startchar",
        "endchar",
        "boost",
        "stopped",
        "positions",
        "chars",
        "removestops",
        "mode",
        "original",
    )

    def __init__(self, positions=False, chars=False, removestops=True, mode=""):
        self.positions, self.chars = positions, chars
        self.removestops, self.mode = removestops, mode
        self.boost, self.stopped = 1.0, False
        self.text = self.original = ""
        self.pos = self.startchar = self.endchar = 0

    def copy(self):
        other = SlotToken(self.positions, self.chars, self.removestops, self.mode)
        for name in self.__slots__:
            setattr(other, name, getattr(self, name))
        return other

    def __repr__(self):
        return f"SlotToken({self.text!r}, pos={self.pos}, chars={self.startchar}:{self.endchar})"


_prepared = (None, None)


def prepare(value):
    """(Normalized, runs) of a value: runs are (kind, start, end, text).

    The last result is kept: indexing analyses each value twice in a row
    (word view, then gram view), and the second analysis reuses the first's
    normalisation and script runs. A one-entry cache held in one tuple, so
    threads can at worst miss it, never see half of it.
    """
    global _prepared
    last_value, result = _prepared
    if last_value is value:
        return result
    norm = normalize(value)
    runs = [(m.lastgroup, m.start(), m.end(), m.group()) for m in _RUNS.finditer(norm.text)]
    _prepared = (value, (norm, runs))
    return norm, runs


class _BilingualAnalyzer(Analyzer):
    """Shared machinery: normalise, split into runs, emit Whoosh tokens.

    :meth:`terms` builds the whole term list of a value first; ``__call__``
    then only copies it into the one reused Token, which keeps the cost per
    token small.
    """

    def __init__(self, userdict=None):
        self.userdict = userdict

    def __eq__(self, other):
        return type(self) is type(other) and self.userdict == other.userdict

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = SlotToken(positions, chars, removestops, mode)
        norm, runs = prepare(value)
        terms = self.terms(runs, removestops)
        if keeporiginal or (chars and norm.offsets is not None):
            yield from self._general(
                token, norm, terms, positions, chars, keeporiginal, start_pos, start_char
            )
            return
        # The common cases, without per-token branches.
        if chars:
            for text, pos, start, end in terms:
                token.text = text
                token.pos = start_pos + pos
                token.startchar = start_char + start
                token.endchar = start_char + end
                yield token
        else:
            for text, pos, _, _ in terms:
                token.text = text
                token.pos = start_pos + pos
                yield token

    @staticmethod
    def _general(token, norm, terms, positions, chars, keeporiginal, start_pos, start_char):
        for text, pos, start, end in terms:
            token.text = text
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                start, end = norm.span(start, end)
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token

    def terms(self, runs, removestops=True):
        """[(term, position, start, end)] from the script runs of a value."""
        raise NotImplementedError

    def term_texts(self, value):
        """Every index term of ``value``, in order."""
        return [term[0] for term in self.terms(prepare(value)[1])]

    def term_counts(self, value):
        """Each index term of ``value`` and how often it occurs (for
        :class:`zhen.codec.TermFrequency`)."""
        return Counter(self.term_texts(value))

    def term_positions(self, value):
        """Index term -> its positions in ``value`` (for
        :class:`zhen.codec.TermPositions`)."""
        positions = defaultdict(list)
        for text, pos, _, _ in self.terms(prepare(value)[1]):
            positions[text].append(pos)
        return positions


class WordAnalyzer(_BilingualAnalyzer):
    """Ranking view: jieba words; English stems without stop words."""

    def term_texts(self, value):
        # the words alone: jieba's cut, without the offsets terms() keeps
        cut, out = segmenter(self.userdict).cut, []
        for kind, _, _, text in prepare(value)[1]:
            if kind == "han":
                out += cut(text)
            else:
                term = ranking_term(text)
                if term is not None:
                    out.append(term)
        return out

    def terms(self, runs, removestops=True):
        out, pos = [], 0
        tokenize = segmenter(self.userdict).tokenize
        for kind, start, end, text in runs:
            if kind == "han":
                words = tokenize(text)
                out.extend(
                    [(word, pos + i, start + s, start + e) for i, (word, s, e) in enumerate(words)]
                )
                pos += len(words)
                continue
            term = ranking_term(text)
            if term is None:
                if removestops:
                    continue
                term = text
            out.append((term, pos, start, end))
            pos += 1
        return out


def run_grams(text):
    """The gram view's terms of a Han run, one per character: its bigrams,
    then its last character alone."""
    last = len(text) - 1
    grams = [text[i : i + 2] for i in range(last)]
    grams.append(text[last])
    return grams


def _add_grams(out, pos, start, text):
    """Append a Han run's gram terms with positions and offsets; the next
    position."""
    grams = run_grams(text)
    out.extend([(gram, pos + i, start + i, start + i + len(gram)) for i, gram in enumerate(grams)])
    return pos + len(grams)


class GramAnalyzer(_BilingualAnalyzer):
    """Recall and phrase view of Chinese fields: Han bigrams; exact English
    words.

    A Han run of n characters gives its n-1 bigrams and then its last
    character alone, one token per position. Every character thus starts a
    term (a bigram, or the run-final unigram), so a single-character query is
    a prefix query and any longer string a phrase of bigrams.
    """

    def terms(self, runs, removestops=True):
        out, pos = [], 0
        for kind, start, end, text in runs:
            if kind == "han":
                pos = _add_grams(out, pos, start, text)
            else:
                out.append((text, pos, start, end))
                pos += 1
        return out

    def term_positions(self, value):
        # grouped as they are made, without the offsets terms() keeps
        positions, pos = defaultdict(list), 0
        for kind, _, _, text in prepare(value)[1]:
            if kind != "han":
                positions[text].append(pos)
                pos += 1
                continue
            grams = run_grams(text)
            for at, gram in enumerate(grams, pos):
                positions[gram].append(at)
            pos += len(grams)
        return positions


class CharAnalyzer(_BilingualAnalyzer):
    """Character view of Chinese fields: every Han character, once per
    occurrence, and nothing else. These are the first characters of the
    :class:`GramAnalyzer` terms at each Han position, so a character's
    postings here are what the postings of every bigram it starts (and the
    run-final unigram) add up to, in one term: the question ranker's
    character view (:mod:`zhen.rank`) reads one term per segment instead
    of the hundreds of bigrams a character starts (seconds per question at
    a million documents)."""

    def terms(self, runs, removestops=True):
        out, pos = [], 0
        for kind, start, _, text in runs:
            if kind == "han":
                out.extend(
                    [(char, pos + i, start + i, start + i + 1) for i, char in enumerate(text)]
                )
                pos += len(text)
        return out

    def term_texts(self, value):
        return [char for kind, _, _, text in prepare(value)[1] if kind == "han" for char in text]

    def term_counts(self, value):
        """Each Han character of ``value`` and how often it occurs (counted
        a run at a time, in C)."""
        counts = Counter()
        for kind, _, _, text in prepare(value)[1]:
            if kind == "han":
                counts.update(text)
        return counts


class EnglishAnalyzer(_BilingualAnalyzer):
    """English fields, one view for ranking and phrases: Snowball stems with
    positions, stop words kept as written (they are part of the analyzer's
    vocabulary, not filtered, so ``removestops`` has nothing to remove), so
    a quoted phrase stays exact ("Ministry of Commerce" is not "Ministry for
    Commerce"). Han text in an English field is indexed as in
    :class:`GramAnalyzer`.
    """

    def terms(self, runs, removestops=True):
        out, pos = [], 0
        for kind, start, end, text in runs:
            if kind == "han":
                pos = _add_grams(out, pos, start, text)
                continue
            out.append((english_term(text), pos, start, end))
            pos += 1
        return out


def han_bigrams(run):
    """The bigrams of a Han run in order, or the run itself when it is one char."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]
