"""Relevance on judged collections: zhen vs the textbook Whoosh + jieba setup.

    python bench/eval_relevance.py [--collection stard|cranfield|both]
                                   [--queries N] [--half tune|held-out]
                                   [--no-baseline]

STARD: real questions from the public about Chinese law, judged against
statute articles (binary). Cranfield: the classic English collection (graded
1-4, higher is more relevant here, as in shared/README). Measures (ir-measures,
as ``zhen eval`` reports them, through the same library code
:mod:`zhen.evaluate`): nDCG@10, RR@10 (MRR@10) and R@100; a query with no
result counts as 0. ``--half tune`` keeps every other query from the first
(the half ranking changes are tuned on), ``--half held-out`` the others.
Indexes are built once and cached under bench/out/ (shared with
bench_search.py).
"""

import argparse
import datetime

from bench_search import OUT, build
from common import SAMPLE_TWLAW, SHARED, add_smoke_option, load_docs, require_shared

EVAL = SHARED / "eval"
COLLECTIONS = {
    "stard": (
        EVAL / "stard" / "corpus.jsonl",
        EVAL / "stard" / "train.queries.tsv",
        EVAL / "stard" / "train.qrels",
    ),
    "cranfield": (
        EVAL / "cranfield" / "corpus.jsonl",
        EVAL / "cranfield" / "queries.tsv",
        EVAL / "cranfield" / "qrels",
    ),
}
HALVES = {"tune": 0, "held-out": 1}


def smoke_collection():
    """A known-item collection for --smoke, made from the bundled sample:
    each of 20 documents' Chinese title is a query, the document its one
    relevant answer. It checks that the script runs; it says little of
    ranking."""
    folder = OUT / "smoke-eval"
    folder.mkdir(parents=True, exist_ok=True)
    docs = [d for d in load_docs([SAMPLE_TWLAW]) if d.title][:20]
    queries, qrels = folder / "queries.tsv", folder / "qrels"
    queries.write_text("".join(f"q{n}\t{d.title}\n" for n, d in enumerate(docs)), "utf-8")
    qrels.write_text("".join(f"q{n} 0 {d.id} 1\n" for n, d in enumerate(docs)), "utf-8")
    return SAMPLE_TWLAW, queries, qrels


def query_set(queries_path, qrels_path, limit=None, half=None):
    """({qid: text}, qrels) of the queries picked, judgements filtered to them."""
    from zhen.evaluate import read_qrels, read_queries

    queries = read_queries(queries_path)
    items = list(queries.items())
    if half:
        items = items[HALVES[half] :: 2]
    queries = dict(items[:limit] if limit else items)
    return queries, [q for q in read_qrels(qrels_path, None) if q.query_id in queries]


def zhen_scores(index, queries, qrels):
    """Measures and timing of zhen's own search path (``zhen eval``)."""
    from zhen.evaluate import evaluate
    from zhen.search import Searcher

    result = evaluate(Searcher(index), queries, qrels, limit=100)
    return result.measures, result.ms


def baseline_scores(index, queries, qrels):
    """Measures of the textbook setup, scored by the same library code."""
    from whoosh import index as whoosh_index
    from whoosh.qparser import MultifieldParser, OrGroup

    from zhen.evaluate import score

    ix = whoosh_index.open_dir(str(index))
    searcher = ix.searcher()
    parser = MultifieldParser(
        ["title", "body", "title_en", "body_en", "summary_en"],
        ix.schema,
        group=OrGroup.factory(0.9),
    )
    run = {
        qid: [hit["id"] for hit in searcher.search(parser.parse(text), limit=100)]
        for qid, text in queries.items()
    }
    return score(run, qrels), None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--collection", choices=["stard", "cranfield", "both"], default="both")
    parser.add_argument("--queries", type=int, default=None)
    parser.add_argument("--half", choices=sorted(HALVES), default=None)
    parser.add_argument("--no-baseline", action="store_true")
    add_smoke_option(parser)
    args = parser.parse_args()
    if args.smoke:
        COLLECTIONS["sample"] = smoke_collection()
        names = ["sample"]
    else:
        require_shared()
        names = ["stard", "cranfield"] if args.collection == "both" else [args.collection]
    print(f"date: {datetime.date.today()}")
    for name in names:
        corpus, queries_path, qrels_path = COLLECTIONS[name]
        zhen_dir, base_dir = build(name, corpus, baseline=not args.no_baseline)
        queries, qrels = query_set(queries_path, qrels_path, args.queries, args.half)
        systems = [("zhen", zhen_scores, zhen_dir)]
        if not args.no_baseline:
            systems.append(("baseline", baseline_scores, base_dir))
        for label, scorer, index in systems:
            measures, ms = scorer(index, queries, qrels)
            shown = "  ".join(f"{k} {v:.3f}" for k, v in measures.items())
            timing = f"  ms p50 {ms['p50']} p95 {ms['p95']}" if ms else ""
            print(f"{name:9s} {label:8s} ({len(queries)} queries): {shown}{timing}")


if __name__ == "__main__":
    main()
