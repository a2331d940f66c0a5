"""Bilingual analysis: text to index terms, for Chinese and English at once.

The pipeline follows charabia (Meilisearch): normalise first
(:mod:`zhen.normalize`), then split the text into runs by script and send each
run to the segmenter made for it: Han runs to jieba (through rjieba, the same
model in Rust, see ``tests/test_jieba_equivalence.py``), Latin and digit runs
to the English pipeline.

Two analyzers build the index (both are Whoosh analyzers, stored by import
path in the index schema, so the names here must stay stable):

* :class:`WordAnalyzer` -- the ranking view: jieba words for Chinese,
  Snowball stems without stop words for English.
* :class:`GramAnalyzer` -- the recall and phrase view: every Han character
  and every Han bigram (the bigram at the position of its first character, as
  Lucene's CJKAnalyzer does), and English words exactly as written, in lower
  case and with stop words kept. Any Chinese substring is a phrase of bigrams
  here, so sub-words, single characters, out-of-vocabulary strings and quoted
  phrases all match.

Both honour Whoosh's token contract: ``pos`` counts tokens in order (a
unigram shares its position with the bigram that starts there), ``startchar``
and ``endchar`` index the original, un-normalised text, and the ``positions``,
``chars``, ``start_pos``, ``start_char`` and ``removestops`` arguments work.
"""

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import rjieba
import Stemmer
from whoosh.analysis import Analyzer, Token
from whoosh.analysis.filters import STOP_WORDS

from .normalize import normalize

HAN_RANGES = ("\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
              "\U00020000-\U0003134f")
# Han runs, decimals such as 1.1, words (letters and digits, not Han) with an
# optional ++ or # for names like C++ and C#.
_RUNS = re.compile(
    r"(?P<han>[%s]+)|(?P<num>\d+(?:\.\d+)+)|(?P<word>[^\W_%s]+(?:\+\+|#(?!\w))?)"
    % (HAN_RANGES, HAN_RANGES))
HAN_RUN = re.compile(r"[%s]+" % HAN_RANGES)
ENGLISH_STOP_WORDS = frozenset(STOP_WORDS)
# A Han run longer than this in a query reads as a sentence (a question), not
# one word: it is searched and highlighted by its words.
SENTENCE_CHARS = 8


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


@lru_cache(maxsize=1)
def _stemmer():
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=100_000)
def stem(word):
    """The Snowball stem of an English word (cached: words repeat a lot)."""
    return _stemmer().stemWord(word)


def script_runs(text):
    """(kind, start, end) of each Han run, decimal and word in ``text``."""
    for match in _RUNS.finditer(text):
        yield match.lastgroup, match.start(), match.end()


def han_words(run, userdict=None):
    """jieba's words for a Han run, as (word, start, end) within the run."""
    start = 0
    for word in segmenter(userdict).cut(run, hmm=True):
        end = start + len(word)
        yield word, start, end
        start = end


class _BilingualAnalyzer(Analyzer):
    """Shared machinery: normalise, split into runs, emit Whoosh tokens."""

    def __init__(self, userdict=None):
        self.userdict = userdict

    def __eq__(self, other):
        return type(self) is type(other) and self.userdict == other.userdict

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode,
                      **kwargs)
        norm = normalize(value)
        pos = start_pos
        for text, npos, start, end in self.terms(norm.text, removestops):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = pos + npos
            if chars:
                ostart, oend = norm.span(start, end)
                token.startchar = start_char + ostart
                token.endchar = start_char + oend
            yield token

    def terms(self, text, removestops=True):
        """(term, relative position, start, end) over normalised text."""
        pos = 0
        for kind, start, end in script_runs(text):
            if kind == "han":
                emit = self.han_terms(text[start:end], start, pos)
            else:
                emit = self.latin_terms(text[start:end], start, pos,
                                        kind == "word", removestops)
            for item in emit:
                yield item
                pos = item[1] + 1

    def han_terms(self, run, offset, pos):
        raise NotImplementedError

    def latin_terms(self, word, offset, pos, is_word, removestops):
        raise NotImplementedError


class WordAnalyzer(_BilingualAnalyzer):
    """Ranking view: jieba words; English stems without stop words."""

    def han_terms(self, run, offset, pos):
        for i, (word, start, end) in enumerate(han_words(run, self.userdict)):
            yield word, pos + i, offset + start, offset + end

    def latin_terms(self, word, offset, pos, is_word, removestops):
        if removestops and word in ENGLISH_STOP_WORDS:
            return
        term = stem(word) if is_word and word.isalpha() else word
        yield term, pos, offset, offset + len(word)


class GramAnalyzer(_BilingualAnalyzer):
    """Recall and phrase view: Han unigrams and bigrams; exact English words."""

    def han_terms(self, run, offset, pos):
        last = len(run) - 1
        for i, char in enumerate(run):
            start = offset + i
            yield char, pos + i, start, start + 1
            if i < last:
                yield run[i:i + 2], pos + i, start, start + 2

    def latin_terms(self, word, offset, pos, is_word, removestops):
        yield word, pos, offset, offset + len(word)


def han_bigrams(run):
    """The bigrams of a Han run in order, or the run itself when it is one char."""
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]
