"""Query latency: zhen vs the textbook Whoosh + jieba setup, same data, one run.

    python bench/bench_search.py [--corpus twlaw|stard|both] [--questions N] [--rounds N]

For each corpus, builds (once, cached under bench/out/) a zhen index and a
baseline index (jieba ChineseAnalyzer + StemmingAnalyzer, stored text), then
times two query sets on each: short keyword queries (bench/keywords.txt) and
STARD's natural-language questions. Each timing includes highlighting the
top 10 hits (zhen: both languages; baseline: Whoosh's highlighter on the
Chinese body).

``--first N`` also times the first question after the index opens, in a fresh
process for each of the first N questions, with and without
``Searcher(warm=True)`` (what a server opens with; zhen only).
"""

import argparse
import datetime
import statistics
import subprocess
import sys
from pathlib import Path

from common import (
    SAMPLE_TWLAW,
    SHARED,
    TWLAW,
    add_smoke_option,
    baseline_fields,
    baseline_schema,
    load_docs,
    median_times,
    require_shared,
)

OUT = Path(__file__).resolve().parent / "out"
STARD = SHARED / "eval" / "stard"
CORPORA = {"twlaw": TWLAW, "stard": STARD / "corpus.jsonl", "sample": SAMPLE_TWLAW}
# Questions for --smoke (no ../shared): a check that the script runs.
SMOKE_QUESTIONS = [
    "中华民国宪法规定人民有哪些基本权利？",
    "公司法对股东会的决议有什么要求",
    "which laws regulate customs inspection of imported goods",
]
OUT.mkdir(exist_ok=True)


def build(name, source, baseline=True):
    """(zhen index, baseline index) of ``source``, each built once; without
    ``baseline`` only zhen's is built."""
    from whoosh import index as whoosh_index

    from zhen.indexer import update_index

    zhen_dir, base_dir = OUT / f"{name}-zhen", OUT / f"{name}-baseline"
    if not (zhen_dir / "current").exists():
        update_index([source], index=zhen_dir)
    if baseline and not whoosh_index.exists_in(str(base_dir)):
        base_dir.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(base_dir), baseline_schema())
        with ix.writer(limitmb=256) as writer:
            for doc in load_docs([source]):
                writer.add_document(**baseline_fields(doc))
    return zhen_dir, base_dir


def questions(limit):
    lines = (STARD / "train.queries.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[1] for line in lines[:limit]]


def keywords():
    path = Path(__file__).resolve().parent / "keywords.txt"
    return [q for q in path.read_text(encoding="utf-8").splitlines() if q.strip()]


def time_zhen(index, queries, rounds):
    from zhen.search import Searcher

    searcher = Searcher(index)
    searcher.search(queries[0])  # open the index and warm up
    return median_times(lambda q: searcher.search(q, limit=10), queries, rounds)


def time_baseline(index, queries, rounds):
    from whoosh import index as whoosh_index
    from whoosh.qparser import MultifieldParser, OrGroup

    ix = whoosh_index.open_dir(str(index))
    searcher = ix.searcher()
    fields = ["title", "body", "title_en", "body_en", "summary_en"]
    parser = MultifieldParser(fields, ix.schema, group=OrGroup.factory(0.9))

    def run(q):
        results = searcher.search(parser.parse(q), limit=10)
        return [hit.highlights("body") for hit in results]

    run(queries[0])
    return median_times(run, queries, rounds)


FIRST_QUESTION = """
import sys, time
from zhen.search import Searcher
searcher = Searcher(sys.argv[1], warm=sys.argv[2] == "warm")
started = time.perf_counter()
searcher.version()
opened = time.perf_counter()
searcher.search(sys.argv[3])
print((opened - started) * 1000, (time.perf_counter() - opened) * 1000)
"""


def time_first_question(index, queries):
    """(open ms, first question ms) per question, each in a new process,
    for a cold and a warmed searcher."""
    found = {}
    for mode in ("cold", "warm"):
        times = []
        for question in queries:
            run = [sys.executable, "-c", FIRST_QUESTION, str(index), mode, question]
            out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
            times.append(tuple(float(x) for x in out.split()))
        found[mode] = times
    return found


def summary(ms):
    ms = sorted(ms)
    return f"p50 {statistics.median(ms):6.1f} ms  p95 {ms[int(0.95 * (len(ms) - 1))]:6.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", choices=["twlaw", "stard", "both"], default="both")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument(
        "--rounds", type=int, default=3, help="times each query set is run; a query's median counts"
    )
    parser.add_argument(
        "--first", type=int, default=0, help="also time the first question after opening, N times"
    )
    add_smoke_option(parser)
    args = parser.parse_args()
    if args.smoke:
        names, args.rounds = ["sample"], 1
        sets = {"keywords": keywords(), "questions": SMOKE_QUESTIONS}
    else:
        require_shared()
        names = ["twlaw", "stard"] if args.corpus == "both" else [args.corpus]
        sets = {"keywords": keywords(), "questions": questions(args.questions)}
    print(f"date: {datetime.date.today()}  rounds: {args.rounds}")
    for name in names:
        zhen_dir, base_dir = build(name, CORPORA[name])
        for set_name, queries in sets.items():
            z = time_zhen(zhen_dir, queries, args.rounds)
            b = time_baseline(base_dir, queries, args.rounds)
            print(
                f"{name:6s} {set_name:9s} ({len(queries)}): zhen {summary(z)} | "
                f"baseline {summary(b)}"
            )
        if args.first:
            for mode, times in time_first_question(
                zhen_dir, sets["questions"][: args.first]
            ).items():
                opens = statistics.median(t[0] for t in times)
                firsts = statistics.median(t[1] for t in times)
                print(
                    f"{name:6s} first question ({mode}, {len(times)}): open {opens:.0f} ms, "
                    f"question {firsts:.0f} ms (medians)"
                )


if __name__ == "__main__":
    main()
