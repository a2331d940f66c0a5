"""The one rule for English words, at index and query time: a word's
Snowball stem, or nothing for a stop word in ranking views. Analyzers,
compiler, highlighter and suggestions all ask these functions, so a word
always meets itself."""

from functools import lru_cache

import Stemmer
from whoosh.analysis.filters import STOP_WORDS

ENGLISH_STOP_WORDS = frozenset(STOP_WORDS)


@lru_cache(maxsize=1)
def _stemmer():
    return Stemmer.Stemmer("english")


# English word -> its index term (stem, or _STOP), filled as words are met
# (bounded; words repeat a lot, so most are looked up, not stemmed).
_WORD_TERMS: dict[str, object] = {}
_STOP = object()


def ranking_term(word):
    """The one rule for English words: the index term of a Latin-script
    word (normalised), its Snowball stem (a word with digits as written),
    or None for a stop word, which ranking leaves out. Index and query
    time, analyzers, compiler and highlighter all ask this function."""
    term = _WORD_TERMS.get(word) or _word_term(word)
    return None if term is _STOP else term


def english_term(word):
    """The term of a word in an English field, which keeps stop words as
    written (for exact phrases): :func:`ranking_term`, or the word."""
    return ranking_term(word) or word


def _word_term(word):
    term = _STOP if word in ENGLISH_STOP_WORDS else (stem(word) if word.isalpha() else word)
    if len(_WORD_TERMS) < 200_000:
        _WORD_TERMS[word] = term
    return term


@lru_cache(maxsize=100_000)
def stem(word):
    """The Snowball stem of an English word."""
    return _stemmer().stemWord(word)
