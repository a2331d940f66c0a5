"""Pseudo-relevance feedback for a question's results after its first few.

A question's best-ranked documents use words the question does not: a
statute answering "把货物弄丢了，应该怎么要求赔偿" speaks of 灭失 and 承运人. Terms
that are frequent in the first page and rare in the collection (RM3-style
feedback, Lavrenko & Croft) find more answers among the documents ranked
after the question's most confident ones. The question's own best (the first
``KEPT``) keep their order: feedback re-ordering them cost precision
(nDCG@10 −0.002 to −0.03), while re-ranking everything after them raises
both the rest of the first page and the top 100 (``bench/RESULTS.md``: STARD
train nDCG@10 0.366 → 0.371 and Recall@100 0.650 → 0.667, on each half;
Cranfield nDCG@10 0.389 → 0.408).

The feedback terms come from the stored text of the first page's documents,
analysed as the index analyses them (Han bigrams, English stems), and are
scored by BM25 as another view of the question (:mod:`zhen.rank`); it only
re-ranks documents the question already matches, so totals do not change.

Both engines use the same functions: :func:`first_page_weights`,
:func:`candidate_terms` and :func:`pick_terms` select the terms from the
first page's records, the index's analyzers and document frequencies the
engine supplies (:func:`feedback_terms` for Whoosh; the cluster's in
:mod:`zhen.engines.opensearch.feedback`), and :func:`rerank_after_kept`
orders what follows the question's first ``KEPT``.
"""

from collections import Counter

import numpy as np

from . import postings
from .schema import TEXT_FIELDS
from .stopwords import is_stop_word

# Documents feedback terms are drawn from: the question's first page.
SOURCE = 10
# The question's best documents, which keep its own order; every one after
# them is re-ranked with feedback (chosen on the STARD tune half: 3 to 7
# alike, 10 — the whole first page — worse).
KEPT = 5
# Feedback terms added, and the weight of their view against the question's
# fused score (whose best is 1), chosen on the STARD tune half.
TERMS = 30
WEIGHT = 0.4
# A first-page document's say in the feedback terms: its score relative to
# the best, to this power (relevance models weigh documents by the
# question's likelihood, far more peaked than BM25's scale; 2 to 8 alike,
# 1 worse: bench/RESULTS.md).
SHARPNESS = 4
# Terms in more than this share of documents carry no topic.
COMMON = 0.05
# Candidates (by weight in the first page, function words and the
# question's own terms aside) whose document frequency is read.
CANDIDATES = 100
# The first re-ranked document's score, relative to the last kept one's.
TAIL_SCALE = 0.999
# Document frequencies kept, by (segments, fields, term).
CACHED_FREQUENCIES = 200_000


def feedback_groups(found):
    """The groups of a question's views (:func:`zhen.rank.views`) feedback
    terms are drawn for: the bigram view's (Chinese feedback terms are
    bigrams) and the English words'."""
    grams = list(found.get("grams", ()))
    return grams + [group for group in found.get("words", ()) if group.lang == "en"]


def feedback_terms(searcher, group, scores, first, question_terms):
    """{term: weight} of the terms of ``group``'s fields most typical of the
    documents ``first`` (weighted by their ``scores``) against the whole
    collection of the Whoosh ``searcher``; empty when there are none."""
    records = [searcher.stored_fields(int(docnum)).get("record") or {} for docnum in first]
    analyzers = {field: searcher.schema[field].analyzer for field in group.fields}
    weights = first_page_weights(records, [scores[d] for d in first], group.fields, analyzers)
    candidates = candidate_terms(weights, question_terms)
    frequencies = {term: _doc_frequency(searcher, group.fields, term) for term, _ in candidates}
    return pick_terms(candidates, frequencies, searcher.doc_count_all())


def candidate_terms(weights, question_terms):
    """[(term, weight)] of the first page's terms (:func:`first_page_weights`)
    whose document frequency decides whether they are picked: the
    ``CANDIDATES`` heaviest, function words, single characters and the
    question's own terms aside."""
    candidates = [
        (term, weight)
        for term, weight in weights.most_common()
        if term not in question_terms and len(term) > 1 and not is_stop_word(term)
    ]
    return candidates[:CANDIDATES]


def pick_terms(candidates, frequencies, count):
    """{term: weight} of the ``TERMS`` best :func:`candidate_terms` by weight
    times idf, given each one's document ``frequencies`` (as the engine
    counts them) among ``count`` documents; the best weighs 1, terms in no
    document or in more than ``COMMON`` of them are left out."""
    picked = []
    for term, weight in candidates:
        df = frequencies.get(term, 0)
        if 0 < df <= COMMON * count:
            picked.append((weight * np.log(1 + count / df), term))
    picked = sorted(picked, reverse=True)[:TERMS]
    return {term: weight / picked[0][0] for weight, term in picked}


def _doc_frequency(searcher, fields, term):
    """Documents with ``term`` in any of ``fields`` (a document in several
    counts more than once: a close bound, as feedback needs), cached."""
    key = (postings.segments(searcher), fields, term)
    found = _FREQUENCIES.get(key)
    if found is None:
        found = sum(searcher.doc_frequency(field, term) for field in fields)
        if len(_FREQUENCIES) >= CACHED_FREQUENCIES:
            _FREQUENCIES.clear()
        _FREQUENCIES[key] = found
    return found


_FREQUENCIES: dict = {}


def first_page_weights(records, scores, fields, analyzers):
    """Each term's share of each first-page document's text, weighted by
    the document's score relative to the best (to the ``SHARPNESS``),
    added up: ``records`` are the first page's stored records in rank
    order, ``scores`` theirs, ``analyzers`` each field's index analyzer (the
    engine's own, so the terms are those it holds)."""
    weights = Counter()
    best = scores[0]
    for record, score in zip(records, scores):
        terms = Counter()
        for field in fields:
            text = record.get(TEXT_FIELDS[field.removesuffix("_x")])
            if text:
                terms.update(analyzers[field].term_texts(text))
        total = sum(terms.values()) or 1
        share = (score / best) ** SHARPNESS
        for term, tf in terms.items():
            weights[term] += share * tf / total
    return weights


def rerank_after_kept(order, scores, extra, k, best=None):
    """(``order`` with its first ``KEPT`` as they are and the rest re-ranked
    by ``scores`` plus ``extra``, a view scored by feedback terms divided by
    its ``best`` (over the whole collection; ``extra``'s own by default);
    ``k`` documents in all, and a score for each that falls with the rank:
    the question's own for the kept ones, the re-ranking's after them,
    scaled below the last kept one's)."""
    head = order[:KEPT]
    best = extra.max() if best is None else best
    if best <= 0:
        return order[:k], scores[order[:k]]
    candidates = np.flatnonzero(scores > 0)
    candidates = candidates[~np.isin(candidates, head)]
    boosted = scores[candidates] + WEIGHT * extra[candidates] / best
    wanted = k - len(head)
    if len(candidates) > wanted:
        keep = np.argpartition(-boosted, wanted - 1)[:wanted]
        candidates, boosted = candidates[keep], boosted[keep]
    ranked = np.lexsort((candidates, -boosted))
    tail, boosted = candidates[ranked], boosted[ranked]
    scale = TAIL_SCALE * scores[head[-1]] / boosted[0] if len(tail) else 0.0
    return np.concatenate([head, tail]), np.concatenate([scores[head], boosted * scale])
