"""Three ways to count a question's feedback candidates on a cluster.

    python bench/profile_cluster_counts.py URL [--questions 12]

URL is a STARD index built by bench/bench_cluster.py (e.g.
``http://127.0.0.1:9200/bench-stard``). For each of the first STARD train
questions: its first page's feedback candidates (:mod:`zhen.feedback`, the
terms of each group in each of its fields), then their document
frequencies three ways, timed (ms) one after the other: (a) a ``term``
count per pair in one ``_msearch``; (b) one ``filters`` aggregation over
every document; (c) ``_mtermvectors`` of an artificial document per shard
and field, with term statistics (what :class:`zhen.engines.opensearch.
feedback.FeedbackReader` does). Each is timed after the shard request
cache is cleared (it keeps the answers of ``size: 0`` searches, so a
question seen before would be counted from it). The three must give the
same counts.
Prints each question's times and the medians.
"""

import argparse
import statistics
import time

from bench_search import questions

from zhen import feedback
from zhen.engines.opensearch.searcher import ClusterSearcher
from zhen.rank import views


def pairs_of(searcher, question):
    """The (field, term) pairs whose counts feedback needs for ``question``."""
    head = [(h.id, h.score) for h in searcher.search(question).hits]
    reader = searcher.feedback
    records, _, index = reader.first_page([doc for doc, _ in head])
    pairs = []
    for group in feedback.feedback_groups(views(question)):
        weights = feedback.first_page_weights(
            records, [s for _, s in head], group.fields, reader.analyzers
        )
        terms = feedback.candidate_terms(weights, set(group.terms))
        pairs += [(name, term) for term, _ in terms for name in group.fields]
    return pairs, index


def by_counts(searcher, pairs):
    bodies = [{"size": 0, "track_total_hits": True, "query": {"term": {f: t}}} for f, t in pairs]
    return [a["hits"]["total"]["value"] for a in searcher._msearch(bodies, False)]


def by_filters(searcher, pairs):
    filters = {str(i): {"term": {f: t}} for i, (f, t) in enumerate(pairs)}
    aggs = {"df": {"filters": {"filters": filters}}}
    body = {"size": 0, "query": {"match_all": {}}, "aggs": aggs}
    (answer,) = searcher._msearch([body], False)
    buckets = answer["aggregations"]["df"]["buckets"]
    return [buckets[str(i)]["doc_count"] for i in range(len(pairs))]


def by_term_vectors(searcher, pairs, index):
    found = searcher.feedback.doc_frequencies(index, pairs)
    return [found[pair] for pair in pairs]


def timed(fn, *args):
    """(ms, result) of ``fn(*args)``, the shard request cache cleared
    first (a repeated ``size: 0`` search is answered from it)."""
    searcher = args[0]
    searcher.client.indices.clear_cache(index=searcher.target.name, request=True)
    began = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - began) * 1000, result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--questions", type=int, default=12)
    args = parser.parse_args()
    searcher = ClusterSearcher(args.url)
    times = {"counts": [], "filters": [], "term vectors": []}
    for question in questions(args.questions):
        pairs, index = pairs_of(searcher, question)
        ms_a, a = timed(by_counts, searcher, pairs)
        ms_b, b = timed(by_filters, searcher, pairs)
        ms_c, c = timed(by_term_vectors, searcher, pairs, index)
        assert a == b == c, question
        for name, ms in zip(times, (ms_a, ms_b, ms_c)):
            times[name].append(ms)
        print(f"{len(pairs)} pairs: {ms_a:7.1f} {ms_b:7.1f} {ms_c:7.1f} ms", flush=True)
    for name, ms in times.items():
        print(f"{name:13s} median {statistics.median(ms):7.1f} ms")
    searcher.close()


if __name__ == "__main__":
    main()
