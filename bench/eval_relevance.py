"""Relevance on judged collections: zhen vs the textbook Whoosh + jieba setup.

    python bench/eval_relevance.py [--collection stard|cranfield|both] [--queries N]

STARD: real questions from the public about Chinese law, judged against
statute articles (binary). Cranfield: the classic English collection (graded
1-4, higher is more relevant here, as in shared/README). Metrics over the top
10: nDCG@10 and MRR@10, plus Recall@100. Indexes are built once and cached
under bench/out/ (shared with bench_search.py).
"""

import argparse
import datetime
import math
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_search import build  # noqa: E402
from common import SHARED, require_shared  # noqa: E402

EVAL = SHARED / "eval"
COLLECTIONS = {
    "stard": (EVAL / "stard" / "corpus.jsonl", EVAL / "stard" / "train.queries.tsv",
              EVAL / "stard" / "train.qrels"),
    "cranfield": (EVAL / "cranfield" / "corpus.jsonl", EVAL / "cranfield" / "queries.tsv",
                  EVAL / "cranfield" / "qrels"),
}


def read_queries(path, limit):
    rows = [line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines()
            if "\t" in line]
    return rows[:limit] if limit else rows


def read_qrels(path):
    qrels = defaultdict(dict)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4 and int(parts[3]) > 0:
            qrels[parts[0]][parts[2]] = int(parts[3])
    return qrels


def ndcg(ranked, judged, k=10):
    dcg = sum((2 ** judged.get(d, 0) - 1) / math.log2(i + 2)
              for i, d in enumerate(ranked[:k]))
    ideal = sorted(judged.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mrr(ranked, judged, k=10):
    return next((1 / (i + 1) for i, d in enumerate(ranked[:k]) if d in judged), 0.0)


def recall(ranked, judged, k=100):
    return len(set(ranked[:k]) & set(judged)) / len(judged)


def zhen_ranker(index):
    from zhen.errors import QueryError
    from zhen.search import Searcher
    searcher = Searcher(index)

    def rank(text):
        try:
            return [h.id for h in searcher.search(text, limit=100).hits]
        except QueryError:
            return []
    return rank


def baseline_ranker(index):
    from whoosh import index as whoosh_index
    from whoosh.qparser import MultifieldParser, OrGroup
    ix = whoosh_index.open_dir(str(index))
    searcher = ix.searcher()
    parser = MultifieldParser(["title", "body", "title_en", "body_en", "summary_en"],
                              ix.schema, group=OrGroup.factory(0.9))

    def rank(text):
        return [hit["id"] for hit in searcher.search(parser.parse(text), limit=100)]
    return rank


def evaluate(rank, queries, qrels):
    scores = defaultdict(float)
    count = 0
    for qid, text in queries:
        judged = qrels.get(qid)
        if not judged:
            continue
        ranked = rank(text)
        scores["nDCG@10"] += ndcg(ranked, judged)
        scores["MRR@10"] += mrr(ranked, judged)
        scores["R@100"] += recall(ranked, judged)
        count += 1
    return {k: v / count for k, v in scores.items()}, count


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--collection", choices=["stard", "cranfield", "both"],
                        default="both")
    parser.add_argument("--queries", type=int, default=None)
    args = parser.parse_args()
    require_shared()
    names = ["stard", "cranfield"] if args.collection == "both" else [args.collection]
    print(f"date: {datetime.date.today()}")
    for name in names:
        corpus, queries_path, qrels_path = COLLECTIONS[name]
        zhen_dir, base_dir = build(name, corpus)
        queries, qrels = read_queries(queries_path, args.queries), read_qrels(qrels_path)
        for label, ranker in (("zhen", zhen_ranker(zhen_dir)),
                              ("baseline", baseline_ranker(base_dir))):
            scores, count = evaluate(ranker, queries, qrels)
            shown = "  ".join(f"{k} {v:.3f}" for k, v in scores.items())
            print(f"{name:9s} {label:8s} ({count} queries): {shown}")


if __name__ == "__main__":
    main()
