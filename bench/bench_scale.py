"""Scale benchmark (issue 11): zhen vs the textbook setup on a generated corpus.

    python bench/bench_scale.py [--docs 100000] [--jobs N] [--format txt|jsonl]
                                [--seed 0] [--commit-every N] [--no-baseline] [--queries]
                                [--merge] [--corpus DIR] [--smoke]

Generates ``--docs`` + 1,000 documents with ``bench/make_corpus.py`` (batches of
1,000, kept under ``bench/out/scale/`` for the next run), then, each phase in
its own process so peak memory is the phase's own (its RSS plus its largest
worker's, as ``bench_index.py`` measures):

1. baseline: jieba ChineseAnalyzer + StemmingAnalyzer, one writer, the first
   ``--docs`` documents, read one at a time (a textbook loop);
2. zhen: full build of the same documents (``--jobs``);
3. zhen: the last batch of 1,000 added (incremental);
4. zhen: re-run on the unchanged corpus;
5. with ``--queries``: zhen's keyword p50/p95 (``bench/keywords.txt``, 3 rounds)
   and question p50/p95 (the first 100 STARD train questions), then ``zhen
   serve`` on the index: its resident memory after every query asked once;
6. with ``--merge``: ``zhen merge`` (the index into as few segments as
   capped merges allow), timed, and the queries of 5 again.

``--corpus DIR`` runs the same phases on an existing corpus instead (its last
batch folder or ``.jsonl`` file is the one added). Prints a summary and appends
one JSON result line to ``bench/out/scale/results.jsonl``.
"""

import argparse
import datetime
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

from common import (
    SAMPLE_TWLAW,
    SHARED,
    add_smoke_option,
    baseline_fields,
    baseline_schema,
    keyword_queries,
    percentile,
    query_times,
    require_shared,
)

HERE = Path(__file__).resolve().parent

OUT = HERE / "out" / "scale"
BATCH = 1000
QUESTIONS = 100


def phase_baseline(paths, index):
    """The textbook build: every document through one Whoosh writer."""
    from whoosh import index as whoosh_index

    from zhen.corpus import CorpusReader

    os.makedirs(index, exist_ok=True)
    ix = whoosh_index.create_in(index, baseline_schema())
    writer, docs = ix.writer(limitmb=128), 0
    for doc in CorpusReader(paths).documents():
        writer.add_document(**baseline_fields(doc))
        docs += 1
    writer.commit()
    return {"docs": docs}


def phase_zhen(paths, index, jobs, commit_every=None):
    """zhen's indexer, as ``zhen index`` runs it."""
    from zhen.indexer import update_index

    extra = {"commit_every": commit_every} if commit_every else {}
    report = update_index(paths, index=index, jobs=jobs, **extra)
    return {
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "documents": report.documents,
        "failed": report.failed,
    }


def phase_queries(index, rounds=3):
    """Keyword and question latency in ms (per query the median of
    ``rounds``; questions: the first STARD train questions, when
    ``../shared`` is there)."""
    from zhen.search import Searcher

    searcher = Searcher(index)
    times = query_times(lambda q: searcher.search(q, limit=10), keyword_queries(), rounds)
    found = {"p50_ms": statistics.median(times), "p95_ms": percentile(times, 0.95)}
    asked = questions()
    if asked:
        times = query_times(lambda q: searcher.search(q, limit=10), asked, rounds)
        found["questions"] = {
            "count": len(asked),
            "p50_ms": statistics.median(times),
            "p95_ms": percentile(times, 0.95),
        }
    return found


def questions(limit=QUESTIONS):
    """The first ``limit`` STARD train questions (none without ``../shared``)."""
    path = SHARED / "eval" / "stard" / "train.queries.tsv"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[:limit]
    return [line.split("\t", 1)[1] for line in lines]


def phase_merge(index):
    """``zhen merge``: the index into as few segments as it allows."""
    from zhen.forcemerge import merge_index

    return merge_index(index).to_dict()


def phase_serve(index):
    """``zhen serve`` on the index (one worker process, as on a small
    machine): its resident memory after every keyword and question was
    asked once through the JSON API (``VmRSS``, and the peak ``VmHWM``;
    ``RssFile`` is the part that is pages of files read, the index's
    mapped segments among them, which the kernel can drop and read again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "zhen", "serve", "--index", str(index), "--port", str(port)]
    server = subprocess.Popen([*command, "--workers", "1"], stdout=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/api/search?q="
        _wait_for(base + "test")
        for query in keyword_queries() + questions():
            with urllib.request.urlopen(base + urllib.parse.quote(query), timeout=120) as answer:
                answer.read()
        status = Path(f"/proc/{server.pid}/status").read_text()
        memory = {k: int(v.split()[0]) / 1024 for k, v in _status_lines(status)}
        return {
            "rss_mb": memory["VmRSS"],
            "peak_rss_mb": memory["VmHWM"],
            "anon_mb": memory["RssAnon"],
            "file_mb": memory["RssFile"],
        }
    finally:
        server.terminate()
        server.wait(30)


def _status_lines(status):
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            yield key, value


def _wait_for(url, seconds=120):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=60) as answer:
                return answer.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def child_main(argv):
    """Run one phase (``--phase NAME ARGS...``) and print its JSON report."""
    name, *args = argv
    started = time.perf_counter()
    if name == "baseline":
        info = phase_baseline(args[:-1], args[-1])
    elif name == "queries":
        info = phase_queries(args[0])
    elif name == "serve":
        info = phase_serve(args[0])
    elif name == "merge":
        info = phase_merge(args[0])
    else:
        every = int(args[-1]) or None
        info = phase_zhen(args[:-3], args[-3], int(args[-2]), every)
    info["seconds"] = time.perf_counter() - started
    own, kids = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    info["cpu_s"] = {
        "self": round(own.ru_utime + own.ru_stime, 1),
        "workers": round(kids.ru_utime + kids.ru_stime, 1),
    }
    info["peak_mb"] = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    ) / 1024
    print(json.dumps(info))


def run_phase(name, *args):
    """One phase in a fresh process (niced, the machine is shared)."""
    out = subprocess.run(
        ["nice", "-n", "10", sys.executable, __file__, "--phase", name, *map(str, args)],
        capture_output=True,
        text=True,
    )
    if out.returncode:  # reported, and the other phases still run
        error = (out.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"phase {name} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return {"error": error}
    return json.loads(out.stdout.strip().splitlines()[-1])


def size_kind(name):
    """The kind of a Whoosh index file, from its name."""
    if name.endswith(".pst"):
        return "postings"
    if name.endswith(".trm"):
        return "terms"
    if name.endswith("._stored.col"):
        return "stored"
    if re.search(r"\._\w+_len\.col$", name):
        return "lengths"
    return "columns" if name.endswith(".col") else "other"


def index_sizes(root):
    """MB by kind of file (inside compound ``.seg`` files too) and the
    number of segments, of every index below ``root``."""
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.filestore import FileStorage

    sizes, segments = Counter(), 0
    for path in Path(root).rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        if path.suffix == ".seg":
            parts = CompoundStorage(FileStorage(str(path.parent)).open_file(path.name))
            files = {sub: parts.file_length(sub) for sub in parts.list()}
        else:
            files = {path.name: path.stat().st_size}
        for sub, size in files.items():
            sizes[size_kind(sub)] += size / 1e6
            segments += sub.endswith(".trm")
    return {k: round(v, 1) for k, v in sizes.items()}, segments


def sources(corpus):
    """The batches of a corpus (folders or ``.jsonl`` files), in order."""
    found = sorted(p for p in Path(corpus).iterdir() if p.is_dir() or p.suffix == ".jsonl")
    if not found:
        sys.exit(f"{corpus}: no batch folders or .jsonl files")
    return found


def generated(docs, seed, fmt):
    """The generated corpus of ``docs`` + one batch, made once and kept."""
    corpus = OUT / f"corpus-{docs}-{seed}-{fmt}"
    done = corpus / ".complete"
    if not done.exists():
        shutil.rmtree(corpus, ignore_errors=True)
        import make_corpus

        started = time.perf_counter()
        make_corpus.write_corpus(corpus, docs + BATCH, seed, fmt, BATCH)
        print(
            f"generated {docs + BATCH:,} documents in "
            f"{time.perf_counter() - started:.1f} s: {corpus}",
            flush=True,
        )
        done.write_text("ok\n")
    return corpus


def text_mb(paths):
    """MB of source files (the record files or JSON Lines as stored)."""
    return (
        sum(
            f.stat().st_size
            for p in paths
            for f in ([p] if p.is_file() else p.rglob("*"))
            if f.is_file()
        )
        / 1e6
    )


def measure(batches, work, args):
    """Run every phase; returns the result record."""
    full, rest = (batches[:-1], batches) if len(batches) > 1 else (batches, None)
    result = {
        "date": str(datetime.date.today()),
        "jobs": args.jobs,
        "commit_every": args.commit_every or "default",
        "docs_dir": str(batches[0].parent),
        "source_mb": round(text_mb(full), 1),
    }
    if not args.no_baseline:
        result["baseline"] = run_phase("baseline", *full, work / "baseline")
        result["baseline"]["index"], result["baseline"]["segments"] = index_sizes(work / "baseline")
    zhen = run_phase("zhen", *full, work / "zhen", args.jobs, args.commit_every)
    if "error" in zhen or "error" in result.get("baseline", {}):
        sys.exit("a full build failed; nothing to compare")
    zhen["index"], zhen["segments"] = index_sizes(work / "zhen")
    result["zhen"] = zhen
    if rest:
        result["add_batch"] = run_phase("zhen", *rest, work / "zhen", args.jobs, args.commit_every)
    result["unchanged"] = run_phase(
        "zhen", *(rest or full), work / "zhen", args.jobs, args.commit_every
    )
    if args.queries:
        result["queries"] = run_phase("queries", work / "zhen")
        result["serve"] = run_phase("serve", work / "zhen")
    if args.merge:
        result["merge"] = run_phase("merge", work / "zhen")
        if args.queries:
            result["queries_merged"] = run_phase("queries", work / "zhen")
    return result


def summary(result):
    """Human-readable lines of a result record."""
    zhen, docs = result["zhen"], result["zhen"]["documents"]
    lines = [
        f"date: {result['date']}  data: {result['docs_dir']} ({docs:,} documents, "
        f"{result['source_mb']:.0f} MB of records)  jobs: {result['jobs']}  "
        f"commit every: {result.get('commit_every', 'default')}"
    ]
    rows = [("baseline", result.get("baseline")), ("zhen", zhen)]
    for name, run in (r for r in rows if r[1]):
        size = sum(run["index"].values())
        parts = "  ".join(
            f"{k} {v:.0f}" for k, v in sorted(run["index"].items(), key=lambda kv: -kv[1])
        )
        lines.append(
            f"{name:8s} full build {run['seconds']:7.1f} s  "
            f"{1000 * run['seconds'] / docs:.2f} ms/doc  peak {run['peak_mb']:.0f} MB  "
            f"index {size:.0f} MB in {run['segments']} segments ({parts})"
        )
    if "baseline" in result:
        base = result["baseline"]
        size_ratio = sum(zhen["index"].values()) / sum(base["index"].values())
        lines.append(
            f"speed zhen/baseline {base['seconds'] / zhen['seconds']:.2f}x  "
            f"size zhen/baseline {size_ratio:.2f}x"
        )
    for key, label in (("add_batch", "add last batch"), ("unchanged", "unchanged re-run")):
        run = result.get(key)
        if run and "error" in run:
            lines.append(f"{label}: FAILED: {run['error']}")
        elif run:
            lines.append(
                f"{label}: {run['seconds']:.1f} s = "
                f"{100 * run['seconds'] / zhen['seconds']:.1f}% of the full build "
                f"(added {run['added']:,}, unchanged {run['unchanged']:,})"
            )
    lines += query_lines(result.get("queries"), "")
    if "serve" in result and "error" not in result["serve"]:
        served = result["serve"]
        lines.append(
            f"zhen serve after the queries: {served['rss_mb']:.0f} MB resident "
            f"(peak {served['peak_rss_mb']:.0f} MB; now {served['anon_mb']:.0f} MB "
            f"private, {served['file_mb']:.0f} MB pages of the index files)"
        )
    merged = result.get("merge")
    if merged:
        lines.append(
            f"zhen merge: FAILED: {merged['error']}"
            if "error" in merged
            else f"zhen merge: {merged['segments_before']} -> {merged['segments_after']} "
            f"segments in {merged['seconds']:.1f} s"
        )
        lines += query_lines(result.get("queries_merged"), " after the merge")
    return "\n".join(lines)


def query_lines(found, when):
    """Summary lines of a queries phase (none if it did not run or failed)."""
    if not found or "error" in found:
        return []
    lines = [f"keywords{when} p50 {found['p50_ms']:.1f} ms  p95 {found['p95_ms']:.1f} ms"]
    if "questions" in found:
        asked = found["questions"]
        lines.append(
            f"questions{when} ({asked['count']}) p50 {asked['p50_ms']:.1f} ms  "
            f"p95 {asked['p95_ms']:.1f} ms"
        )
    return lines


def main():
    """The command line: corpus, phases, summary and result line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=("txt", "jsonl"), default="txt")
    parser.add_argument("--corpus", type=Path, help="an existing corpus instead")
    parser.add_argument(
        "--commit-every",
        type=int,
        default=0,
        help="zhen's documents per commit (default: zhen's setting)",
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--merge", action="store_true", help="then zhen merge, and query again")
    parser.add_argument("--keep", action="store_true", help="keep the indexes")
    add_smoke_option(parser)
    args = parser.parse_args()
    if args.smoke:  # the bundled sample: no generation, no ../shared
        args.corpus = args.corpus or SAMPLE_TWLAW
        args.queries = args.merge = True
    elif not args.corpus:
        require_shared()
    OUT.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus or generated(args.docs, args.seed, args.format)
    work = OUT / f"work-{os.getpid()}"
    try:
        result = measure(sources(corpus), work, args)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(summary(result))
    if args.smoke:
        return
    with open(OUT / "results.jsonl", "a", encoding="utf-8") as log:
        log.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        child_main(sys.argv[2:])
    else:
        main()
