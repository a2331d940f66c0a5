"""The cluster's question ranker: zhen.rank's views scored by the cluster
(on the ranking fields of :mod:`.ranking`), fused here.

:func:`rank_question` returns the k best documents of a question by the
fused score of :func:`zhen.rank.fused_scores`: each view's BM25 divided by
its best score over the whole index, weighted, added; only documents the
question matches (its bigrams or words, its filters, not its exclusions)
are ranked. See :mod:`.ranking` for how the scores are made the same.
When more than the question's ``zhen.feedback.KEPT`` best are asked for,
the documents after them are re-ranked with feedback from the first page,
as :func:`zhen.rank.rank_question` does
(:mod:`zhen.feedback`; the feedback terms are one more view, :mod:`.feedback`).
"""

from dataclasses import dataclass, replace

import numpy as np

from ... import feedback
from ...rank import COMMON_CHAR, WEIGHTS, views
from .feedback import FEEDBACK_VIEW, feedback_view
from .ranking import FIRST_N, field_name

MAX_N = 10_000  # the result window: a view's top N can go no deeper


@dataclass
class Fused:
    """A settled fusion: the k best [(id, fused score)], best first, ties
    by id; every candidate's score in every view; each view's best."""

    ranked: list
    by_doc: dict
    best: dict


class Memo:
    """What one question's fusions have asked the cluster already: each
    view's (best, top N) by (view, N), and each view's scores by document
    (0 for one it was asked about and does not match)."""

    def __init__(self):
        self.tops = {}
        self.scores = {}


def rank_question(msearch, question, matching, k, userdict=None, also=(), reader=None):
    """([(id, fused score)] of the ``k`` best matching documents, best
    first, ties by id, or None when the views cannot be ranked exactly
    within the result window; the answers to ``also``).

    ``msearch(bodies, statistics)`` answers a list of search bodies
    (with index-wide term statistics, ``dfs_query_then_fetch``, when
    ``statistics``: needed for scores when the index has several shards,
    a cost otherwise); ``matching`` is the DSL of the compiled question
    (what it matches); ``also``: other search bodies (e.g. the total and
    facets), sent with the first request to save a round trip;
    ``reader``: the :class:`~.feedback.FeedbackReader` of the index, for
    the feedback after the first page (none without it)."""
    found = views(question.text, userdict, question.scope)
    queries, answers, shards = view_queries(msearch, found, also)
    if not queries:
        return [], answers

    def scoring(bodies):
        return msearch(bodies, shards > 1)

    memo = Memo()
    # feedback always draws from the same first page, whatever ``k``, as
    # zhen.rank.rank_question does
    fused = _settle(scoring, queries, matching, max(k, feedback.SOURCE), memo)
    if fused is None:
        return None, answers
    if reader is None or k <= feedback.KEPT or len(fused.ranked) <= feedback.KEPT:
        return fused.ranked[:k], answers
    return _with_feedback(scoring, found, queries, matching, fused, k, reader, memo), answers


def _settle(scoring, queries, matching, k, memo):
    """The :class:`Fused` k best, N doubled until settled; None when the
    result window is too small for that."""
    n = max(FIRST_N, 2 * k)
    while True:
        fused = _rank(scoring, queries, matching, k, min(n, MAX_N), memo=memo)
        if fused is not None or n >= MAX_N:
            return fused
        n *= 2


def _with_feedback(scoring, found, queries, matching, fused, k, reader, memo):
    """``fused``'s ranking with the documents after the question's first
    ``feedback.KEPT`` re-ranked by the question and the terms typical of its
    first page, as :func:`zhen.rank._with_feedback` does: the feedback
    terms' view, weighted as zhen.feedback weighs it, settles the k best by
    question and feedback (so the re-ranked ones are exact), and
    zhen.feedback's own :func:`~zhen.feedback.rerank_after_kept` orders and
    scores them. The question's ranking when no term is picked or nothing
    settles."""
    head = fused.ranked[: feedback.SOURCE]
    view = feedback_view(reader, feedback.feedback_groups(found), head)
    if view is None:
        return fused.ranked[:k]
    expanded = {**queries, FEEDBACK_VIEW: (feedback.WEIGHT, view)}
    boosted = _settle(scoring, expanded, matching, k, memo)
    if boosted is None:
        return fused.ranked[:k]
    return _rerank(queries, fused, boosted, k)


def _rerank(queries, fused, boosted, k):
    """[(id, score)] of :func:`zhen.feedback.rerank_after_kept` over
    the documents of the question's k best (``fused``) and of the k best by
    question and feedback (``boosted``), numbered by id (ties go by id)."""
    ids = sorted({doc for doc, _ in fused.ranked} | {doc for doc, _ in boosted.ranked})
    own = dict(fused.ranked)
    scores, extra = np.zeros(len(ids)), np.zeros(len(ids))
    for i, doc in enumerate(ids):
        by_view = boosted.by_doc.get(doc, {})
        scores[i] = own[doc] if doc in own else _fuse(queries, boosted.best, by_view)
        extra[i] = by_view.get(FEEDBACK_VIEW, 0.0)
    number = {doc: i for i, doc in enumerate(ids)}
    order = np.array([number[doc] for doc, _ in fused.ranked])
    best = boosted.best[FEEDBACK_VIEW]
    order, ranked = feedback.rerank_after_kept(order, scores, extra, k, best)
    return [(ids[i], float(score)) for i, score in zip(order, ranked)]


def view_queries(msearch, found, also=()):
    """({view: (weight, DSL query)} of a question's views (``found``, by
    :func:`zhen.rank.views`) on the ranking fields, views with no weight or
    no term left out; the answers to ``also``, asked with the character
    counts; the index's shards, as those answers say, 2 when none was
    asked)."""
    chars = [group for group in found.get("chars", ()) if group.chars]
    bodies = [body for group in chars for body in _gram_counts(group)]
    answers = msearch([*also, *bodies], False)  # counts: no statistics needed
    shards = max((answer["_shards"]["total"] for answer in answers), default=2)
    rare, start = {}, len(also)
    for group in chars:
        rare[group] = _rare_chars(group, answers[start : start + len(group.grams) + 1])
        start += len(group.grams) + 1
    out = {}
    for name, groups in found.items():
        weight = WEIGHTS.get(name, 0.0)
        clauses = []
        for group in groups:
            field = field_name(group)
            clauses += [{"term": {field: t}} for t in rare.get(group, group.terms)]
        if weight and clauses:
            out[name] = (weight, {"bool": {"should": clauses}})
    return out, answers[: len(also)], shards


def _gram_counts(group):
    """Search bodies counting every document, then those with each of the
    character group's bigrams (in the bigram view's field)."""
    grams_field = field_name(replace(group, chars=False))
    bodies = [{"size": 0, "track_total_hits": True, "query": {"match_all": {}}}]
    return bodies + [
        {"size": 0, "track_total_hits": True, "query": {"term": {grams_field: gram}}}
        for gram in group.grams
    ]


def _rare_chars(group, answers):
    """The group's characters in at most COMMON_CHAR of the documents, as
    the question's own bigrams tell (:func:`zhen.rank._rare_chars`), from
    the answers to :func:`_gram_counts`."""
    counts = [answer["hits"]["total"]["value"] for answer in answers]
    most, seen = counts[0] * COMMON_CHAR, {}
    for gram, df in zip(group.grams, counts[1:]):
        for char in gram:
            seen[char] = max(seen.get(char, 0), df)
    return [c for c in group.terms if seen.get(c, 0) <= most]


def _rank(msearch, queries, matching, k, n, memo=None):
    """The :class:`Fused` k best when the top n of every view settle them
    exactly, else None (what ``memo`` holds is not asked again)."""
    memo = memo if memo is not None else Memo()
    best, tops = _tops(msearch, queries, matching, n, memo)
    # A document in no view's top n scores at most each view's n-th score.
    bound = sum(
        queries[v][0] * min(top.values()) / best[v]
        for v, top in tops.items()
        if len(top) == n and best[v] > 0
    )
    scores = _complete(msearch, queries, tops, n, memo)
    fused = {doc: _fuse(queries, best, by_view) for doc, by_view in scores.items()}
    ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
    if bound > 0 and (len(ranked) < k or ranked[-1][1] < bound):
        return None
    return Fused(ranked, scores, best)


def _fuse(queries, best, by_view):
    """A document's fused score from its score in each view."""
    return sum(
        queries[v][0] * s / best[v] for v, s in by_view.items() if v in queries and best[v] > 0
    )


def _tops(msearch, queries, matching, n, memo):
    """({view: its best score over the index}, {view: {id: score} of its
    top n among the matching documents}), asked in one request for the
    views ``memo`` does not hold at this n."""
    asked = [name for name in queries if (name, n) not in memo.tops]
    bodies = []
    for name in asked:
        query = queries[name][1]
        bodies.append({"query": query, "size": 1, "_source": False, "track_total_hits": False})
        bodies.append(
            {
                "query": {"bool": {"must": [query], "filter": [matching]}},
                "size": n,
                "_source": False,
                "track_total_hits": False,
            }
        )
    answers = msearch(bodies)
    for i, name in enumerate(asked):
        best = answers[2 * i]["hits"]["max_score"] or 0.0
        memo.tops[name, n] = (best, _scored(answers[2 * i + 1]))
    found = {name: memo.tops[name, n] for name in queries}
    return {v: best for v, (best, _) in found.items()}, {v: top for v, (_, top) in found.items()}


def _complete(msearch, queries, tops, n, memo):
    """{doc: {view: score}} of every candidate in every view: a view whose
    top n was cut short scores the candidates it did not list (one request
    each, for those ``memo`` has not scored in it yet); a view that listed
    all its matches scores the others 0."""
    candidates = set().union(*tops.values())
    for view, top in tops.items():
        memo.scores.setdefault(view, {}).update(top)
    missing = {
        v: sorted(candidates - memo.scores[v].keys()) for v, top in tops.items() if len(top) == n
    }
    asks = [(v, ids) for v, ids in missing.items() if ids]
    answers = msearch(
        [
            {
                "query": {"bool": {"must": [queries[v][1]], "filter": [{"ids": {"values": ids}}]}},
                "size": len(ids),
                "_source": False,
                "track_total_hits": False,
            }
            for v, ids in asks
        ]
    )
    for (view, ids), answer in zip(asks, answers):
        memo.scores[view].update(dict.fromkeys(ids, 0.0))  # not listed: not matched
        memo.scores[view].update(_scored(answer))
    scores = {doc: {} for doc in candidates}
    for view in tops:
        known = memo.scores[view]
        for doc in candidates:
            if known.get(doc):
                scores[doc][view] = known[doc]
    return scores


def _scored(answer):
    return {hit["_id"]: hit["_score"] for hit in answer["hits"]["hits"]}
