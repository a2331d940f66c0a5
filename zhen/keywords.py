"""Keyword queries evaluated on postings arrays: every match and its score.

An exact total needs every match, and Whoosh finds them a document at a time
through a tree of matchers, several Python calls per match and node: on
100,000 generated documents a keyword query took 71 ms at the median and
``人民`` (26,309 of STARD's 58,637 articles) 254 ms. Here the same compiled
query is evaluated a term at a time on numpy arrays of postings
(:mod:`zhen.postings`): each term's BM25F score of every document it is in,
then unions, intersections, optional parts, exclusions and phrases as array
operations. The matches are Whoosh's and so are the scores, to the rounding
of a sum taken in another order (``tests/test_keywords.py`` compares them on
generated queries). A query with a part not handled here (a match-everything
query, a kind the compiler does not make) is left to Whoosh: :func:`evaluate`
returns None.
"""

from itertools import chain

import numpy as np
from whoosh import query as wq
from whoosh import scoring

from . import postings
from .whoosh_internals import AndNot, UnionOr, numeric_range_query, phrase_positions

_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


class Unsupported(Exception):
    """A query part this module does not evaluate (Whoosh will)."""


def evaluate(searcher, query):
    """(global document numbers ascending, their scores) of every live
    document ``query`` matches, as Whoosh's BM25F would score them; None
    when the query has a part only Whoosh evaluates."""
    try:
        docs, scores = _evaluate(searcher, query)
    except Unsupported:
        return None
    live = postings.live_mask(searcher)[docs]
    return docs[live], scores[live]


def _evaluate(searcher, query):
    kind = type(query)
    if isinstance(query, wq.CompoundQuery) and query.boost != 1.0:
        raise Unsupported("a boosted compound query")
    if kind is wq.Or and (query.minmatch or query.scale):
        raise Unsupported("a scaled or minimum-match OR")
    if kind is wq.Term:
        return _term(searcher, query.fieldname, query.text, query.boost)
    if kind is postings.CharacterPrefix:
        docs, _ = postings.char_postings(searcher, (query.fieldname,), query.text)
        return docs.astype(np.int64), np.full(len(docs), float(query.boost))
    if kind is wq.Phrase and query.slop == 1:
        return _phrase(searcher, query)
    if kind in (UnionOr, wq.Or):
        return _union([_evaluate(searcher, q) for q in query.subqueries])
    if kind is wq.And:
        return _intersection([_evaluate(searcher, q) for q in query.subqueries])
    if kind is wq.AndMaybe:
        return _and_maybe(_evaluate(searcher, query.a), _evaluate(searcher, query.b))
    if kind is AndNot:
        docs, scores = _evaluate(searcher, query.a)
        excluded, _ = _evaluate(searcher, query.b)
        keep = ~np.isin(docs, excluded, assume_unique=True)
        return docs[keep], scores[keep]
    if kind is wq.ConstantScoreQuery:
        docs, _ = _evaluate(searcher, query.child)
        return docs, np.full(len(docs), float(query.score))
    if kind is wq.DateRange:  # Whoosh's own terms of the range, every one
        return _evaluate(searcher, numeric_range_query(query, searcher.reader()))
    if kind is wq.TermRange:  # a part of a numeric range: any term, unscored
        return _any_term(searcher, query)
    if query is wq.NullQuery:
        return _EMPTY
    raise Unsupported(kind.__name__)


def _term(searcher, field, text, boost=1.0):
    """A term's documents and scores by the searcher's weighting: BM25F
    (``BM25FScorer``: global idf and average length, each document's
    one-byte length), or the frequency for a field that is not scorable."""
    if field not in searcher.schema:
        return _EMPTY
    try:
        textbytes = searcher.schema[field].to_bytes(text)
        term = textbytes.decode("utf-8")
    except ValueError:  # not a value of the field (UnicodeDecodeError too)
        return _EMPTY
    docs, tf = postings.term_postings(searcher, (field,), term)
    docs, tf = docs.astype(np.int64), tf.astype(np.float64)
    if not len(docs):
        return _EMPTY
    scorer = searcher.weighting.scorer(searcher, field, textbytes)
    if isinstance(scorer, scoring.WeightScorer):
        scores = tf
    elif type(scorer) is scoring.BM25FScorer:
        b, k1 = scorer.B, scorer.K1
        lengths = postings.group_lengths(searcher, (field,))[docs]
        norm = tf + k1 * ((1 - b) + b * lengths / scorer.avgfl)
        scores = scorer.idf * ((tf * (k1 + 1)) / norm)
    else:
        raise Unsupported(type(scorer).__name__)
    return docs, scores * boost if boost != 1.0 else scores


def _any_term(searcher, query):
    """The documents with any of the terms a range query expands to (only
    met inside a constant-score query: scores are not used)."""
    found = [
        postings.term_postings(searcher, (field,), term)[0]
        for field, term in query.expanded_terms(searcher.reader())
    ]
    if not found:
        return _EMPTY
    docs = np.unique(np.concatenate(found)).astype(np.int64)
    return docs, np.zeros(len(docs))


def _union(found):
    found = [f for f in found if len(f[0])]
    if not found:
        return _EMPTY
    docs = np.unique(np.concatenate([d for d, _ in found]))
    scores = np.zeros(len(docs))
    for part_docs, part_scores in found:
        scores[np.searchsorted(docs, part_docs)] += part_scores
    return docs, scores


def _intersection(found):
    docs = found[0][0]
    for part_docs, _ in found[1:]:
        docs = np.intersect1d(docs, part_docs, assume_unique=True)
    scores = np.zeros(len(docs))
    for part_docs, part_scores in found:
        scores += part_scores[np.searchsorted(part_docs, docs)]
    return docs, scores


def _and_maybe(required, optional):
    docs, scores = required
    scores = scores.copy()
    extra_docs, extra_scores = optional
    at = np.searchsorted(extra_docs, docs)
    inside = at < len(extra_docs)
    hit = np.zeros(len(docs), dtype=bool)
    hit[inside] = extra_docs[at[inside]] == docs[inside]
    scores[hit] += extra_scores[at[hit]]
    return docs, scores


def _phrase(searcher, query):
    """Whoosh's phrase (``SpanNear2``, adjacent and in order): the documents
    with every word, the words at consecutive positions; scored as the sum
    of the words' own scores, times the phrase's boost."""
    field = query.fieldname
    words = [_term(searcher, field, word) for word in query.words]
    if any(not len(docs) for docs, _ in words):
        return _EMPTY
    docs, scores = _intersection(words)
    if not len(docs):
        return _EMPTY
    keep = _consecutive(searcher, field, query.words, docs)
    docs, scores = docs[keep], scores[keep]
    return docs, scores * query.boost if query.boost != 1.0 else scores


def _consecutive(searcher, field, words, docs):
    """For each of ``docs`` (which hold every word): whether the words
    occur one after the other somewhere in ``field``. A start is a
    (document, position) key; each word keeps the starts it continues, and
    only the documents with a start left are read for the next word."""
    fieldobj = searcher.schema[field]
    alive = np.arange(len(docs))
    starts = None
    for shift, word in enumerate(words):
        positions = phrase_positions(searcher, field, fieldobj.to_bytes(word), docs[alive])
        counts = np.fromiter(map(len, positions), dtype=np.int64, count=len(positions))
        owners = np.repeat(alive, counts)
        at = np.fromiter(chain.from_iterable(positions), dtype=np.int64, count=int(counts.sum()))
        at -= shift
        keys = (owners[at >= 0] << 32) + at[at >= 0]
        starts = keys if starts is None else np.intersect1d(starts, keys, assume_unique=True)
        alive = np.unique(starts >> 32)
        if not len(alive):
            break
    keep = np.zeros(len(docs), dtype=bool)
    keep[alive] = True
    return keep
