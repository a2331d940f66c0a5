"""Fast relevance check for tuning the question ranker: each half at once.

    python bench/tune_relevance.py [--collection stard|cranfield|both]
                                   [--k 10] [--stard-index DIR] [--cranfield-index DIR]

Runs every judged query through :meth:`zhen.search.Searcher._run` (the search
path of ``zhen eval`` without highlights, facets or suggestions, several
times faster) for its first ``--k`` results and scores them with
:func:`zhen.evaluate.score`: with ``--k 10`` nDCG@10 and RR@10 are exactly
``zhen eval``'s (its R@100 column is then R@10); ``--k 100`` includes every
re-ranking the top 100 gets. STARD is scored on its tune half (every other
train question from the first, what changes are tuned on), its held-out
half and all; Cranfield on all. A ranking change is patched in before
``main()`` runs (``python -c``) or made in the code; record every run in
bench/RESULTS.md. Indexes as bench/eval_relevance.py builds them.
"""

import argparse
import time

from bench_search import OUT
from eval_relevance import COLLECTIONS, query_set

from zhen.errors import QueryError
from zhen.evaluate import score
from zhen.query import parse
from zhen.search import Searcher


def ranked_ids(searcher, queries, k):
    """{qid: [doc id]} of each query's first ``k`` results (refused: none)."""
    whoosh = searcher.whoosh_searcher()
    run = {}
    for qid, text in queries.items():
        try:
            tree = parse(text)
        except QueryError:
            run[qid] = []
            continue
        hits, _, _ = searcher._run(whoosh, searcher.compiler, tree, 1, k, "relevance")
        run[qid] = [hit["id"] for hit in hits]
    return run


def halves(name, queries):
    """{label: query ids} to score separately."""
    ids = list(queries)
    if name != "stard":
        return {"all": ids}
    return {"tune": ids[0::2], "held-out": ids[1::2], "all": ids}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--collection", choices=["stard", "cranfield", "both"], default="both")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--stard-index", default=str(OUT / "stard-zhen"))
    parser.add_argument("--cranfield-index", default=str(OUT / "cranfield-zhen"))
    args = parser.parse_args()
    names = ["stard", "cranfield"] if args.collection == "both" else [args.collection]
    for name in names:
        _, queries_path, qrels_path = COLLECTIONS[name]
        queries, qrels = query_set(queries_path, qrels_path)
        searcher = Searcher(getattr(args, f"{name}_index"))
        started = time.perf_counter()
        run = ranked_ids(searcher, queries, args.k)
        seconds = time.perf_counter() - started
        for label, ids in halves(name, queries).items():
            chosen = set(ids)
            measures = score(
                {q: r for q, r in run.items() if q in chosen},
                [q for q in qrels if q.query_id in chosen],
            )
            shown = " / ".join(f"{value:.4f}" for value in measures.values())
            print(f"{name:9s} {label:8s} ({len(ids)}): {shown}  ({seconds:.0f} s in all)")
        searcher.close()


if __name__ == "__main__":
    main()
