"""Many small updates (issue 11): search speed after 50 batches of 100.

    python bench/bench_updates.py [--base 20000] [--batches 50] [--size 100]
                                  [--jobs N] [--seed 0] [--smoke]

Generates ``--base`` documents plus ``--batches`` batches of ``--size`` with
``bench/make_corpus.py`` (kept under ``bench/out/updates/``), then:

1. builds an index of the base documents (one run, as ``zhen index``);
2. adds the small batches one run each, timing every run and counting the
   segments after it (the merge policy must keep them bounded);
3. builds a fresh index of the same documents in one run (the baseline);
4. measures keyword latency on both (``bench/keywords.txt``, each query's
   median of 3 rounds) and prints the ratio updated / fresh (target ≤ 1.2).

Appends one JSON result line to ``bench/out/updates/results.jsonl``.
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from common import SAMPLE_TWLAW, add_smoke_option, keyword_queries, query_times, require_shared

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "updates"


def make(docs, size, seed):
    """The generated corpus (batches of ``size``), made once and kept."""
    import make_corpus

    corpus = OUT / f"corpus-{docs}-{size}-{seed}"
    if not (corpus / ".complete").exists():
        shutil.rmtree(corpus, ignore_errors=True)
        make_corpus.write_corpus(corpus, docs, seed, "txt", size)
        (corpus / ".complete").write_text("ok\n")
    return corpus


def sample_batches(size):
    """The bundled sample re-cut into batches of ``size`` (for --smoke)."""
    corpus = OUT / f"sample-{size}"
    shutil.rmtree(corpus, ignore_errors=True)
    for n, path in enumerate(sorted(SAMPLE_TWLAW.rglob("*.txt"))):
        batch = corpus / f"batch-{n // size:04d}"
        batch.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, batch / path.name)
    return corpus


def keyword_p50(index, rounds=3):
    """Per query the median of ``rounds`` timings; the median over queries."""
    from zhen.search import Searcher

    searcher = Searcher(index)
    times = query_times(lambda q: searcher.search(q, limit=10), keyword_queries(), rounds)
    searcher.close()
    return statistics.median(times)


def run(args):
    from zhen.indexer import update_index
    from zhen.store import IndexStore
    from zhen.whoosh_internals import segment_count

    if args.smoke:
        corpus = sample_batches(args.size)
    else:
        corpus = make(args.base + args.batches * args.size, args.size, args.seed)
    base_count = args.base // args.size
    batches = sorted(p for p in corpus.iterdir() if p.is_dir())[: base_count + args.batches]
    work = OUT / f"work-{os.getpid()}"
    updated, fresh = work / "updated", work / "fresh"
    started = time.perf_counter()
    update_index(batches[:base_count], index=updated, jobs=args.jobs)
    base_seconds = time.perf_counter() - started
    runs = []
    for n in range(base_count, len(batches)):
        started = time.perf_counter()
        update_index(batches[: n + 1], index=updated, jobs=args.jobs)
        runs.append((time.perf_counter() - started, segment_count(IndexStore(updated).open())))
    started = time.perf_counter()
    update_index(batches, index=fresh, jobs=args.jobs)
    fresh_seconds = time.perf_counter() - started
    result = {
        "date": str(datetime.date.today()),
        "load": os.getloadavg()[0],
        "base_docs": args.base,
        "batches": len(runs),
        "size": args.size,
        "base_build_s": round(base_seconds, 1),
        "update_s_median": round(statistics.median(r[0] for r in runs), 2),
        "update_s": [round(r[0], 2) for r in runs],
        "segments": [r[1] for r in runs],
        "segments_after": runs[-1][1],
        "fresh_build_s": round(fresh_seconds, 1),
        "fresh_segments": segment_count(IndexStore(fresh).open()),
        "p50_updated_ms": round(keyword_p50(updated), 2),
        "p50_fresh_ms": round(keyword_p50(fresh), 2),
    }
    result["p50_ratio"] = round(result["p50_updated_ms"] / result["p50_fresh_ms"], 3)
    shutil.rmtree(work, ignore_errors=True)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=int, default=20000)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=0)
    add_smoke_option(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        args.base, args.batches, args.size = 140, 12, 10
    else:
        require_shared()
    OUT.mkdir(parents=True, exist_ok=True)
    result = run(args)
    print(json.dumps(result))
    with open(OUT / "results.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(result) + "\n")
    if result["batches"] != args.batches:
        sys.exit("not every batch was added")


if __name__ == "__main__":
    main()
