"""Scale-out (issue 12): the embedded engine vs OpenSearch clusters, one run.

    python bench/bench_cluster.py [--corpus stard|twlaw|both]
                                  [--setups embedded,os1,os3]
                                  [--questions 200] [--rounds 3]
                                  [--eval-queries N] [--reuse] [--smoke]

For each corpus and setup: a full build (``zhen index``'s library call,
a fresh index), then query latency (p50/p95 of each query's median over
``--rounds`` passes; limit 10, highlights included) of the keyword set
(bench/keywords.txt) and of the first ``--questions`` STARD train
questions; the questions' second page (re-ranked with feedback from the
first, :mod:`zhen.feedback`) with and without feedback, the two alternated
per question and round (so load hits both alike; without: the ranking
before feedback, the baseline of its cost); and on STARD ``zhen eval``
(nDCG@10, MRR@10, R@100 of the train questions, top 100, as
:mod:`zhen.evaluate` scores them: feedback ranks ranks 11-100). Setups:

* ``embedded``: the Whoosh index in a folder (the baseline, same run);
* ``os1``: a one-node OpenSearch cluster (index: 1 shard, 0 replicas);
* ``os3``: a three-node OpenSearch cluster on this machine (3 shards,
  1 replica).

The clusters are started by ``scripts/search-node`` (one at a time, in a
folder of their own, stopped at the end) unless ``--os1-url`` /
``--os3-url`` name running ones. ``--reuse``: an index this script built
before (same corpus and setup) is measured as it is instead of rebuilt (no
build time). ``--smoke``: the bundled sample, three
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


def build(setup, name, source, url=None, reuse=False):
    """(index, seconds): a fresh full build of ``source`` for ``setup``;
    with ``reuse``, an index built before as it is (seconds None)."""
    from zhen.engines import update_index

    if reuse and _built(setup, name, url):
        return index_location(setup, name, url), None
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


def index_location(setup, name, url=None):
    """Where :func:`build` puts ``setup``'s index of corpus ``name``."""
    return OUT / f"cluster-{name}-embedded" if setup == "embedded" else f"{url}/bench-{name}"


def _built(setup, name, url):
    """Whether ``setup``'s index of ``name`` is there and complete (its
    build finished: the embedded folder has a live index, the alias exists)."""
    from zhen.engines import open_searcher
    from zhen.errors import ZhenError

    try:
        searcher = open_searcher(index_location(setup, name, url))
        try:
            return searcher.search("法律", limit=1).total > 0
        finally:
            searcher.close()
    except ZhenError:  # no index there (yet), or an older one: build it
        return False


def feedback_latency(index, queries, rounds, page=2):
    """{"on": p50/p95, "off": p50/p95} (ms) of page ``page`` of each question
    with feedback and without (zhen.feedback.KEPT out of reach),
    the two alternated per question and round; each question's median."""
    import zhen.feedback
    from zhen.engines import open_searcher

    searcher = open_searcher(index)
    kept = zhen.feedback.KEPT
    runs = {"on": [[] for _ in queries], "off": [[] for _ in queries]}
    try:
        searcher.search(queries[0], page=page)  # opens the index
        for _ in range(rounds):
            for i, query in enumerate(queries):
                for mode in ("on", "off"):
                    zhen.feedback.KEPT = kept if mode == "on" else 10**9
                    began = time.perf_counter()
                    searcher.search(query, limit=10, page=page)
                    runs[mode][i].append((time.perf_counter() - began) * 1000)
    finally:
        zhen.feedback.KEPT = kept
        searcher.close()
    return {mode: _percentiles(sorted(map(statistics.median, r))) for mode, r in runs.items()}


def _percentiles(ms):
    return {"p50": round(statistics.median(ms), 1), "p95": round(ms[int(0.95 * (len(ms) - 1))], 1)}


def latency(index, queries, rounds):
    """p50 and p95 (ms) of each query's median time over ``rounds`` passes."""
    from zhen.engines import open_searcher

    searcher = open_searcher(index)
    try:
        ms = query_times(lambda q: searcher.search(q, limit=10), queries, rounds)
    finally:
        searcher.close()
    return _percentiles(ms)


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
    index, seconds = build(setup, name, source, url, args.reuse)
    built = "reused" if seconds is None else f"{seconds:7.1f} s"
    row = {"setup": setup, "corpus": name, "load_build": load()}
    row["build_s"] = None if seconds is None else round(seconds, 1)
    print(f"{name:6s} {setup:8s} build {built}  (load {row['load_build']})", flush=True)
    for set_name, queries in sets.items():
        row[set_name] = latency(index, queries, args.rounds)
        print(f"{name:6s} {setup:8s} {set_name:9s} ({len(queries)}): {row[set_name]}", flush=True)
    row["page2"] = feedback_latency(index, sets["questions"], args.rounds)
    row["load_page2"] = load()
    print(f"{name:6s} {setup:8s} page 2 feedback on/off: {row['page2']}", flush=True)
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
    parser.add_argument("--reuse", action="store_true", help="measure indexes built before")
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
