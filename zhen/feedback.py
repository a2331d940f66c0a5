"""Pseudo-relevance feedback for the results after a question's first page.

A question's best-ranked documents use words the question does not: a
statute answering "把货物弄丢了，应该怎么要求赔偿" speaks of 灭失 and 承运人. Terms
that are frequent in the first page and rare in the collection (RM3-style
feedback, Lavrenko & Croft) find more answers among the documents ranked
after it: on STARD, 0.64 → 0.67 of the judged answers in the top 100 on
each half of the train questions (``bench/RESULTS.md``). The same terms on
the first page itself cost precision there (nDCG@10 −0.002 to −0.01), so the
first page keeps the question's own order and feedback only ranks what
follows it: a question shown one page at a time pays nothing for it.

The feedback terms come from the stored text of the first page's documents,
analysed as the index analyses them (Han bigrams, English stems), and are
scored by BM25 as another view of the question (:mod:`zhen.rank`); it only
re-ranks documents the question already matches, so totals do not change.

Both engines use the same functions: :func:`first_page_weights`,
:func:`candidate_terms` and :func:`pick_terms` select the terms from the
first page's records, the index's analyzers and document frequencies the
engine supplies (:func:`feedback_terms` for Whoosh; the cluster's in
:mod:`zhen.engines.opensearch.feedback`), and :func:`rerank_after_first_page`
orders what follows the first page.
"""

from collections import Counter

import numpy as np

from . import postings
from .schema import TEXT_FIELDS
from .stopwords import is_stop_word

# Documents the first page holds: they keep the question's own order, and
# are the ones feedback terms are drawn from.
FIRST_PAGE = 10
# Feedback terms added, and the weight of their view against the question's
# fused score (whose best is 1), chosen on the STARD tune half.
TERMS = 30
WEIGHT = 0.6
# Terms in more than this share of documents carry no topic.
COMMON = 0.05
# Candidates (by weight in the first page, function words and the
# question's own terms aside) whose document frequency is read.
CANDIDATES = 100
# The first score after the first page, relative to the first page's last.
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
    the document's score relative to the best, added up: ``records`` are
    the first page's stored records in rank order, ``scores`` theirs,
    ``analyzers`` each field's index analyzer (the engine's own, so the
    terms are those it holds)."""
    weights = Counter()
    best = scores[0]
    for record, score in zip(records, scores):
        terms = Counter()
        for field in fields:
            text = record.get(TEXT_FIELDS[field.removesuffix("_x")])
            if text:
                terms.update(analyzers[field].term_texts(text))
        total = sum(terms.values()) or 1
        share = score / best
        for term, tf in terms.items():
            weights[term] += share * tf / total
    return weights


def rerank_after_first_page(order, scores, extra, k, best=None):
    """(``order`` with its first page as it is and the rest re-ranked by
    ``scores`` plus ``extra``, a view scored by feedback terms divided by its
    ``best`` (over the whole collection; ``extra``'s own by default); ``k``
    documents in all, and a score for each that falls with the rank: the
    question's own on the first page, the re-ranking's after it, scaled
    below the first page's last)."""
    head = order[:FIRST_PAGE]
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
