"""Index build benchmark: zhen vs the textbook Whoosh + jieba setup.

    python bench/bench_index.py [--docs-dir DIR] [--jobs N]

On ../shared/corpus/twlaw by default, each phase in its own process (so peak
memory is per phase), in this order:

1. baseline: jieba ChineseAnalyzer + StemmingAnalyzer, one writer, full build
2. zhen: full build (``--jobs``, default the number of cores)
3. zhen: build batches 001-006, then add batch-007 (incremental)
4. zhen: re-run on the unchanged corpus
"""

import argparse
import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    add_smoke_option,
    baseline_fields,
    baseline_schema,
    dir_size_mb,
    load_docs,
    text_bytes,
    twlaw_or_sample,
)


def phase_baseline(paths, index):
    from whoosh import index as whoosh_index

    docs = load_docs(paths)
    os.makedirs(index, exist_ok=True)
    ix = whoosh_index.create_in(index, baseline_schema())
    writer = ix.writer(limitmb=128)
    for doc in docs:
        writer.add_document(**baseline_fields(doc))
    writer.commit()
    return {"docs": len(docs)}


def phase_zhen(paths, index, jobs):
    from zhen.indexer import update_index

    report = update_index(paths, index=index, jobs=jobs)
    return {
        "added": report.added,
        "unchanged": report.unchanged,
        "documents": report.documents,
        "failed": report.failed,
    }


def run_phase(name, *args):
    """Run one phase in a fresh process; returns its JSON report."""
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_main(argv):
    name, *args = argv
    started = time.perf_counter()
    if name == "baseline":
        info = phase_baseline(args[:-1], args[-1])
    else:
        info = phase_zhen(args[:-2], args[-2], int(args[-1]))
    info["seconds"] = time.perf_counter() - started
    info["peak_mb"] = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    ) / 1024
    print(json.dumps(info))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--docs-dir", type=Path, default=None, help="a folder of batch folders (default: twlaw)"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    add_smoke_option(parser)
    args = parser.parse_args()
    root = args.docs_dir or twlaw_or_sample(args)
    batches = sorted(p for p in root.iterdir() if p.is_dir())
    mb = text_bytes(load_docs([root])) / 1e6
    work = Path(tempfile.mkdtemp(prefix="zhen-bench-"))
    try:
        base = run_phase("baseline", root, work / "baseline")
        full = run_phase("zhen", root, work / "zhen", args.jobs)
        run_phase("zhen", *batches[:-1], work / "incr", args.jobs)
        incr = run_phase("zhen", *batches, work / "incr", args.jobs)
        again = run_phase("zhen", root, work / "zhen", args.jobs)
        sizes = {k: dir_size_mb(work / k) for k in ("baseline", "zhen")}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"date: {datetime.date.today()}  data: {root} ({mb:.1f} MB of text)  jobs: {args.jobs}")
    print(
        f"baseline full build: {base['seconds']:.1f} s  {mb / base['seconds']:.2f} MB/s  "
        f"index {sizes['baseline']:.0f} MB  peak {base['peak_mb']:.0f} MB"
    )
    print(
        f"zhen full build:     {full['seconds']:.1f} s  {mb / full['seconds']:.2f} MB/s  "
        f"index {sizes['zhen']:.0f} MB  peak {full['peak_mb']:.0f} MB (incl. workers)"
    )
    print(f"speed ratio zhen/baseline: {base['seconds'] / full['seconds']:.2f}x")
    print(
        f"add last batch ({incr['added']} docs): {incr['seconds']:.1f} s = "
        f"{100 * incr['seconds'] / full['seconds']:.1f}% of a full build"
    )
    print(
        f"unchanged re-run ({again['unchanged']} docs): {again['seconds']:.2f} s = "
        f"{100 * again['seconds'] / full['seconds']:.1f}% of a full build"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        child_main(sys.argv[2:])
    else:
        main()
