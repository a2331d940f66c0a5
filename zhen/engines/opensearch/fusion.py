"""The cluster's question ranker: zhen.rank's views scored by the cluster
(on the ranking fields of :mod:`.ranking`), fused here.

:func:`rank_question` returns the k best documents of a question by the
fused score of :func:`zhen.rank.fused_scores`: each view's BM25 divided by
its best score over the whole index, weighted, added; only documents the
question matches (its bigrams or words, its filters, not its exclusions)
are ranked. See :mod:`.ranking` for how the scores are made the same.
"""

from dataclasses import replace

from ...rank import COMMON_CHAR, WEIGHTS, views
from .ranking import FIRST_N, field_name

MAX_N = 10_000  # the result window: a view's top N can go no deeper


def rank_question(msearch, question, matching, k, userdict=None, also=()):
    """([(id, fused score)] of the ``k`` best matching documents, best
    first, ties by id, or None when the views cannot be ranked exactly
    within the result window; the answers to ``also``).

    ``msearch(bodies, statistics)`` answers a list of search bodies
    (with index-wide term statistics, ``dfs_query_then_fetch``, when
    ``statistics``: needed for scores when the index has several shards,
    a cost otherwise); ``matching`` is the DSL of the compiled question
    (what it matches); ``also``: other search bodies (e.g. the total and
    facets), sent with the first request to save a round trip."""
    queries, answers, shards = view_queries(msearch, question, userdict, also)
    if not queries:
        return [], answers

    def scoring(bodies):
        return msearch(bodies, shards > 1)

    n = max(FIRST_N, 2 * k)
    while True:
        ranked = _rank(scoring, queries, matching, k, min(n, MAX_N))
        if ranked is not None or n >= MAX_N:
            return ranked, answers
        n *= 2


def view_queries(msearch, question, userdict, also=()):
    """({view: (weight, DSL query)} of the question's views on the ranking
    fields, views with no weight or no term left out; the answers to
    ``also``, asked with the character counts; the index's shards, as
    those answers say, 2 when none was asked)."""
    found = views(question.text, userdict, question.scope)
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


def _rank(msearch, queries, matching, k, n):
    """The k best by fused score when the top n of every view settle them
    exactly, else None."""
    bodies = []
    for _, query in queries.values():
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
    best, tops = {}, {}
    for i, name in enumerate(queries):
        best[name] = answers[2 * i]["hits"]["max_score"] or 0.0
        tops[name] = _scored(answers[2 * i + 1])
    # A document in no view's top n scores at most each view's n-th score.
    bound = sum(
        queries[v][0] * min(top.values()) / best[v]
        for v, top in tops.items()
        if len(top) == n and best[v] > 0
    )
    scores = _complete(msearch, queries, tops, n)
    fused = {
        doc: sum(queries[v][0] * s / best[v] for v, s in by_view.items() if best[v] > 0)
        for doc, by_view in scores.items()
    }
    ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
    if bound > 0 and (len(ranked) < k or ranked[-1][1] < bound):
        return None
    return ranked


def _complete(msearch, queries, tops, n):
    """{doc: {view: score}} of every candidate in every view: a view whose
    top n was cut short scores the candidates it did not list (one request
    each); a view that listed all its matches scores the others 0."""
    candidates = set().union(*tops.values())
    scores = {doc: {} for doc in candidates}
    missing = {v: sorted(candidates - set(top)) for v, top in tops.items() if len(top) == n}
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
    for view, top in [*tops.items(), *((v, _scored(a)) for (v, _), a in zip(asks, answers))]:
        for doc, score in top.items():
            scores[doc][view] = score
    return scores


def _scored(answer):
    return {hit["_id"]: hit["_score"] for hit in answer["hits"]["hits"]}
