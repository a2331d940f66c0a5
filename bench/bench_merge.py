"""Merge benchmark: zhen's term-at-a-time copy against Whoosh's merge.

    python bench/bench_merge.py [--corpus twlaw|stard|both] [--jobs N] [--smoke]

Builds zhen's index of each corpus into ``bench/out/merge-<corpus>`` (kept, and
reused by the next run) in several segments (``--commit-every`` documents a
commit, one segment per worker), then merges every segment into one twice,
each on its own copy of the index:

* baseline: Whoosh's merge (``add_reader``, :func:`zhen.merging.whoosh_merge`),
  a posting at a time through the writer's pool, as zhen merged before;
* zhen: :func:`zhen.whoosh_internals.copy_segments`, a term at a time.

Both merged segments must hold the same bytes (the stored records aside,
whose dicts Whoosh pickles in its own field order): the script fails if not.
Prints the seconds and CPU of each and the ratio; appends a line to
``bench/out/merge.jsonl``.
"""

import argparse
import json
import shutil
import sys
import time
from datetime import date

from common import ROOT, SHARED, add_smoke_option, twlaw_or_sample

from zhen.codec import ZhenCodec
from zhen.indexer import COMPRESSION, update_index
from zhen.merging import merge_all
from zhen.store import IndexStore

OUT = ROOT / "bench" / "out"
STARD = SHARED / "eval" / "stard" / "corpus.jsonl"


def built(name, source, jobs, commit_every):
    """zhen's index of ``source`` in several segments, built once and kept."""
    index = OUT / f"merge-{name}"
    if not (index / "current").exists():
        shutil.rmtree(index, ignore_errors=True)
        report = update_index([source], index=index, jobs=jobs, commit_every=commit_every)
        if report.failed:
            sys.exit(f"{name}: {report.failed} records failed to index")
    return index


def merged(index, work, how):
    """Merge every segment of a copy of ``index`` into one by ``how``;
    returns (seconds, CPU seconds, the merged segment's files by suffix)."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(index, work, symlinks=True)
    ix = IndexStore(work).open()
    codec = ZhenCodec(compression=COMPRESSION)
    started, cpu = time.perf_counter(), time.process_time()
    merge_all(ix, codec, copy=how == "zhen")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    (segment,) = IndexStore(work).open()._segments()
    prefix = segment.segment_id()
    files = {
        f.name[len(prefix) :]: f.read_bytes()
        for f in IndexStore(work).current().iterdir()
        if f.name.startswith(prefix) and not f.name.endswith("._stored.col")
    }
    return seconds, cpu, files


def measure(name, source, args):
    index = built(name, source, args.jobs, args.commit_every)
    ix = IndexStore(index).open()
    segments = [seg.doc_count_all() for seg in ix._segments()]
    if len(segments) < 2:
        sys.exit(f"{name}: one segment only; use a smaller --commit-every")
    base_s, base_cpu, base_files = merged(index, OUT / f"merge-{name}-whoosh", "baseline")
    zhen_s, zhen_cpu, zhen_files = merged(index, OUT / f"merge-{name}-zhen", "zhen")
    different = sorted(k for k in base_files if zhen_files.get(k) != base_files[k])
    if different or sorted(zhen_files) != sorted(base_files):
        sys.exit(f"{name}: the merged segments differ in {different or 'their files'}")
    for work in ("whoosh", "zhen"):
        shutil.rmtree(OUT / f"merge-{name}-{work}", ignore_errors=True)
    print(
        f"{name}: {sum(segments):,} documents in {len(segments)} segments {segments}\n"
        f"  baseline (Whoosh's merge)  {base_s:7.1f} s  CPU {base_cpu:7.1f} s\n"
        f"  zhen (copy_segments)       {zhen_s:7.1f} s  CPU {zhen_cpu:7.1f} s\n"
        f"  speed zhen/baseline {base_s / zhen_s:.2f}x  (same bytes: "
        f"{len(zhen_files)} files compared)",
        flush=True,
    )
    return {
        "corpus": name,
        "segments": segments,
        "baseline": {"seconds": base_s, "cpu_s": base_cpu},
        "zhen": {"seconds": zhen_s, "cpu_s": zhen_cpu},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=["twlaw", "stard", "both"], default="both")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--commit-every", type=int, default=None)
    add_smoke_option(parser)
    args = parser.parse_args()
    if args.smoke:
        args.commit_every = 100
        corpora = {"smoke": twlaw_or_sample(args)}
    else:
        names = ["twlaw", "stard"] if args.corpus == "both" else [args.corpus]
        corpora = {name: twlaw_or_sample(args) if name == "twlaw" else STARD for name in names}
        args.commit_every = args.commit_every or 1000
    print(f"date: {date.today()}  jobs: {args.jobs}  commit every: {args.commit_every}")
    results = [measure(name, source, args) for name, source in corpora.items()]
    if args.smoke:
        shutil.rmtree(OUT / "merge-smoke", ignore_errors=True)
        return
    with (OUT / "merge.jsonl").open("a", encoding="utf-8") as log:
        for result in results:
            log.write(json.dumps({"date": str(date.today()), **result}) + "\n")


if __name__ == "__main__":
    main()
