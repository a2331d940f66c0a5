"""Scale-out (issue 12): the embedded engine vs OpenSearch clusters, one run.

    python bench/bench_cluster.py [--corpus stard|twlaw|both]
                                  [--setups embedded,os1,os3]
                                  [--questions 200] [--rounds 3]
                                  [--eval-queries N] [--smoke]

For each corpus and setup: a full build (``zhen index``'s library call,
a fresh index), then query latency (p50/p95 of each query's median over
``--rounds`` passes; limit 10, highlights included) of the keyword set
(bench/keywords.txt) and of the first ``--questions`` STARD train
questions, and on STARD ``zhen eval`` (nDCG@10, MRR@10, R@100 of the train
questions, top 100, as :mod:`zhen.evaluate` scores them). Setups:

* ``embedded``: the Whoosh index in a folder (the baseline, same run);
* ``os1``: a one-node OpenSearch cluster (index: 1 shard, 0 replicas);
* ``os3``: a three-node OpenSearch cluster on this machine (3 shards,
  1 replica).

The clusters are started by ``scripts/search-node`` (one at a time, in a
folder of their own, stopped at the end) unless ``--os1-url`` /
``--os3-url`` name running ones. ``--smoke``: the bundled sample, three
questions, a small known-item eval, the embedded engine and one node (CI
checks that the script runs; its numbers mean nothing). Results are printed
and written to bench/out/cluster-<corpus>.json.
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_search import CORPORA, OUT, SMOKE_QUESTIONS, keywords, questions
from common import add_smoke_option, query_times, require_shared

ROOT = Path(__file__).resolve().parent.parent
NODE_SCRIPT = ROOT / "scripts" / "search-node"
LAYOUTS = {"os1": (1, 1, 0), "os3": (3, 3, 1)}  # setup: nodes, shards, replicas
STARD_EVAL = CORPORA["stard"].parent


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Cluster:
    """A cluster of ``nodes`` started with scripts/search-node (or a given
    URL, left alone)."""

    def __init__(self, nodes, url=None, port=9450):
        self.nodes, self.url, self.port = nodes, url, port
        self.folder = Path(f"/var/tmp/zhen-bench-{os.getpid()}-{nodes}")
        self.started = False

    def __enter__(self):
        if self.url:
            return self.url
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(NODE_SCRIPT), "--dir", str(self.folder), "start", "opensearch",
             "--nodes", str(self.nodes), "--port", str(self.port), "--timeout", "300"],
            capture_output=True, text=True,
        )  # fmt: skip
        self.started = True
        if done.returncode:
            raise SystemExit(f"search-node could not start:\n{done.stderr[-3000:]}")
        print(f"  [{self.nodes}-node cluster up in {time.perf_counter() - began:.0f} s]")
        self.url = done.stdout.strip()
        return self.url

    def __exit__(self, *exc):
        if self.started:
            subprocess.run(
                [sys.executable, str(NODE_SCRIPT), "--dir", str(self.folder), "stop"],
                capture_output=True,
            )
            shutil.rmtree(self.folder, ignore_errors=True)


def build(setup, name, source, url=None):
    """(index, seconds): a fresh full build of ``source`` for ``setup``."""
    from zhen.engines import update_index

    if setup == "embedded":
        index = OUT / f"cluster-{name}-embedded"
        shutil.rmtree(index, ignore_errors=True)
        began = time.perf_counter()
        update_index([source], index)
    else:
        _, shards, replicas = LAYOUTS[setup]
        index = f"{url}/bench-{name}"
        began = time.perf_counter()
        update_index([source], index, rebuild=True, shards=shards, replicas=replicas)
    return index, time.perf_counter() - began


def latency(index, queries, rounds):
    """p50 and p95 (ms) of each query's median time over ``rounds`` passes."""
    from zhen.engines import open_searcher

    searcher = open_searcher(index)
    try:
        ms = query_times(lambda q: searcher.search(q, limit=10), queries, rounds)
    finally:
        searcher.close()
    return {"p50": round(statistics.median(ms), 1), "p95": round(ms[int(0.95 * (len(ms) - 1))], 1)}


def evaluation(index, smoke, limit):
    """``zhen eval``'s measures and timing on STARD train (or the smoke set)."""
    from eval_relevance import query_set, smoke_collection

    from zhen.engines import open_searcher
    from zhen.evaluate import evaluate

    if smoke:
        _, queries_path, qrels_path = smoke_collection()
    else:
        queries_path, qrels_path = STARD_EVAL / "train.queries.tsv", STARD_EVAL / "train.qrels"
    queries, qrels = query_set(queries_path, qrels_path, limit)
    searcher = open_searcher(index)
    try:
        result = evaluate(searcher, queries, qrels, limit=100)
    finally:
        searcher.close()
    measures = {k: round(v, 4) for k, v in result.measures.items()}
    return {"queries": len(queries), **measures, "ms": result.ms}


def measure(setup, name, source, sets, args, url=None):
    """Every number of one setup on one corpus."""
    index, seconds = build(setup, name, source, url)
    row = {"setup": setup, "corpus": name, "build_s": round(seconds, 1), "load_build": load()}
    print(f"{name:6s} {setup:8s} build {seconds:7.1f} s  (load {row['load_build']})", flush=True)
    for set_name, queries in sets.items():
        row[set_name] = latency(index, queries, args.rounds)
        print(f"{name:6s} {setup:8s} {set_name:9s} ({len(queries)}): {row[set_name]}", flush=True)
    if name in ("stard", "sample"):
        limit = (setup == "os3" and args.os3_eval_queries) or args.eval_queries
        row["eval"] = evaluation(index, args.smoke, limit)
        print(f"{name:6s} {setup:8s} eval {row['eval']}", flush=True)
    row["load_end"] = load()
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", choices=["twlaw", "stard", "both"], default="both")
    parser.add_argument("--setups", default="embedded,os1,os3")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--eval-queries", type=int, default=None, help="default: all (1,235)")
    parser.add_argument(
        "--os3-eval-queries", type=int, default=None, help="fewer for the slowest setup"
    )
    parser.add_argument("--os1-url", help="a running one-node cluster to use")
    parser.add_argument("--os3-url", help="a running three-node cluster to use")
    add_smoke_option(parser)
    args = parser.parse_args()
    setups = args.setups.split(",")
    if args.smoke:
        names, args.rounds, setups = ["sample"], 1, [s for s in setups if s != "os3"]
        sets = {"keywords": keywords(), "questions": SMOKE_QUESTIONS}
    else:
        require_shared()
        names = ["stard", "twlaw"] if args.corpus == "both" else [args.corpus]
        sets = {"keywords": keywords(), "questions": questions(args.questions)}
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC  rounds: {args.rounds}"
          f"  load: {load()}", flush=True)  # fmt: skip
    rows = []
    if "embedded" in setups:
        rows += [measure("embedded", n, CORPORA[n], sets, args) for n in names]
    for setup in [s for s in setups if s in LAYOUTS]:
        with Cluster(LAYOUTS[setup][0], getattr(args, f"{setup}_url")) as url:
            rows += [measure(setup, n, CORPORA[n], sets, args, url) for n in names]
    for name in names:
        found = [r for r in rows if r["corpus"] == name]
        (OUT / f"cluster-{name}.json").write_text(json.dumps(found, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
