"""The merge policy: bounded segments, the same answers, no loss when killed."""

import shutil
from contextlib import closing

import pytest

from zhen import merging
from zhen.indexer import update_index
from zhen.merge_scheduler import MERGING
from zhen.merging import (
    FLOOR_SEGMENTS,
    MAX_MERGE_DOCS,
    SEGMENTS_PER_TIER,
    finishing_groups,
    segments_to_merge,
    tier,
)
from zhen.query import parse
from zhen.search import Searcher
from zhen.store import IndexStore
from zhen.whoosh_internals import segment_count

from .helpers import SAMPLE, FakeSegment, kill_when_marked

QUERIES = ["條例", "法", "委員會", '"中華民國"', "tax", "court OR 法院", "date:2000..2010"]
QUERIES += ["行政 -法", "法 NOT 條例"]


def answers(searcher):
    """Total, facets and every hit's score of each query (ties in any order:
    documents of equal score come in index order, which merging changes)."""
    found = {}
    for q in QUERIES:
        result = searcher.search(q, limit=10)
        ranked = sorted((-h.score, h.id) for h in searcher.search(q, limit=1000).hits)
        found[q] = (result.total, ranked, result.facets)
    return found


def sample_files():
    return sorted(SAMPLE.rglob("*.txt"))


def add_in_batches(files, corpus, index, size):
    """Copy ``files`` into ``corpus`` ``size`` at a time, updating the
    index after each batch; yields the segment count after each run."""
    for start in range(0, len(files), size):
        batch = corpus / f"batch-{start // size:03d}"
        batch.mkdir(parents=True)
        for f in files[start : start + size]:
            shutil.copy(f, batch / f.name)
        update_index([corpus], index=index, jobs=1)
        yield segment_count(IndexStore(index).open())


def test_tiers_are_digit_counts():
    assert [tier(n) for n in (0, 1, 9, 10, 99, 100, 12345)] == [1, 1, 1, 2, 2, 3, 5]


@pytest.mark.slow
def test_many_small_updates_keep_segments_bounded_and_answers_equal(tmp_path):
    files = sample_files()
    counts = list(add_in_batches(files, tmp_path / "c", tmp_path / "ix", size=5))
    assert len(counts) == -(-len(files) // 5) >= 50
    # without merging there would be one segment per run
    assert max(counts) <= FLOOR_SEGMENTS
    assert FLOOR_SEGMENTS in counts and 1 in counts
    fresh = tmp_path / "fresh"
    update_index([tmp_path / "c"], index=fresh, jobs=1)
    with closing(Searcher(tmp_path / "ix")) as merged, closing(Searcher(fresh)) as built:
        assert answers(merged) == answers(built)


def test_open_searcher_keeps_answering_through_a_merge(tmp_path):
    """A Whoosh searcher opened before a merge deleted the merged segments'
    files reads them to the end (as a server does until it reopens)."""
    files = sample_files()
    corpus, index = tmp_path / "c", tmp_path / "ix"
    runs = add_in_batches(files, corpus, index, size=10)
    for _ in range(FLOOR_SEGMENTS):
        next(runs)
    with closing(Searcher(index)) as zhen_searcher:
        old = zhen_searcher.whoosh_searcher()
        compiled = [zhen_searcher.compiler.compile(parse(q)) for q in QUERIES]

        def seen():
            found = [old.search(q, limit=None) for q in compiled]
            return [sorted((h.score, old.stored_fields(h.docnum)["id"]) for h in r) for r in found]

        before = seen()
        assert next(runs) == 1  # four small segments and a new one: merged
        assert not any(segment_files(index, old))  # their files are gone
        assert seen() == before


def segment_files(index, searcher):
    """Files of the segments ``searcher`` reads that are still on disk."""
    gen = IndexStore(index).current()
    ids = [leaf.reader().segment().segment_id() for leaf, _ in searcher.leaf_searchers()]
    return [f for f in gen.iterdir() if any(i in f.name for i in ids)]


def test_mostly_replaced_segment_is_rewritten(tmp_path):
    files = sample_files()[:40]
    corpus, index = tmp_path / "c", tmp_path / "ix"
    list(add_in_batches(files, corpus, index, size=40))
    for f in sorted((corpus / "batch-000").glob("*.txt"))[:25]:  # replace 25 of 40
        f.write_text(f.read_text(encoding="utf-8").replace("。", "．", 1), encoding="utf-8")
    update_index([corpus], index=index, jobs=1)
    ix = IndexStore(index).open()
    assert segment_count(ix) == 1 and ix.doc_count_all() == ix.doc_count() == 40


KILLED_MERGE = """
import sys, time
from pathlib import Path
from zhen import indexer, merge_scheduler

def pausing(merge):
    def merged_then_paused(*args, **kwargs):
        merged = merge(*args, **kwargs)
        Path(sys.argv[4]).write_text("merging")
        time.sleep(120)
        return merged
    return merged_then_paused

if sys.argv[3] == "copy":  # merged beside the indexing, into a segment of its own
    merge_scheduler.merged_apart = lambda writer, chosen: True
    merge_scheduler.copy_segments = pausing(merge_scheduler.copy_segments)
else:  # merged by Whoosh into the commit's new segment
    merge_scheduler.whoosh_merge = pausing(merge_scheduler.whoosh_merge)
indexer.update_index([sys.argv[1]], index=sys.argv[2], jobs=1)
"""


@pytest.mark.parametrize("how", ["whoosh", "copy"])
def test_killed_merge_loses_nothing(tmp_path, how):
    files = sample_files()
    corpus, index = tmp_path / "c", tmp_path / "ix"
    assert list(add_in_batches(files[:40], corpus, index, size=10))[-1] == FLOOR_SEGMENTS
    with closing(Searcher(index)) as searcher:
        before = answers(searcher)
    batch = corpus / "batch-last"
    batch.mkdir()
    for f in files[40:50]:
        shutil.copy(f, batch / f.name)
    kill_when_marked(KILLED_MERGE, tmp_path / "marker", corpus, index, how)
    with closing(Searcher(index)) as searcher:  # the last commit, whole
        killed = answers(searcher)
    merging_folder = IndexStore(index).current() / MERGING
    if how == "whoosh":  # killed inside the commit: the one before stands
        assert killed == before
    else:  # killed after the commit, merging beside it: the commit stands, unmerged
        assert segment_count(IndexStore(index).open()) == FLOOR_SEGMENTS + 1
        assert any(merging_folder.iterdir())  # the merged segment, never committed
    report = update_index([corpus], index=index, jobs=1)  # and a rerun finishes
    added = 10 if how == "whoosh" else 0
    assert (report.added, report.failed, report.documents) == (added, 0, 50)
    ix = IndexStore(index).open()
    # the rerun of the whoosh case commits, and merges; the other has nothing to commit
    assert segment_count(ix) == (1 if how == "whoosh" else FLOOR_SEGMENTS + 1)
    assert ix.doc_count_all() == ix.doc_count() == 50
    assert not merging_folder.exists()  # what the killed merge wrote is gone
    if how == "copy":
        with closing(Searcher(index)) as searcher:
            assert answers(searcher) == killed


def test_policy_picks_the_smallest_full_tier():
    Seg = FakeSegment
    big = [Seg(20_000) for _ in range(12)]
    mid = [Seg(5_000) for _ in range(SEGMENTS_PER_TIER)]
    small = [Seg(50) for _ in range(FLOOR_SEGMENTS)]
    assert segments_to_merge(big[:3] + mid[:-1] + small[:-1]) == []
    assert segments_to_merge(big + mid + small) == small  # the small ones first
    assert segments_to_merge(big + mid) == mid  # then the smallest full tier
    huge = [Seg(300_000) for _ in range(12)]  # past MAX_MERGE_DOCS: never merged
    assert segments_to_merge(huge) == []
    # a full tier of large segments: the smallest that stay under the maximum
    large = [Seg(60_000 + n) for n in reversed(range(SEGMENTS_PER_TIER))]
    assert segments_to_merge(large) == large[::-1][:3]  # 180,003 documents
    assert segments_to_merge([Seg(100_001) for _ in range(SEGMENTS_PER_TIER)]) == []
    replaced = Seg(5000, deleted=3000)
    assert segments_to_merge(big[:3] + [replaced]) == [replaced]


def test_a_tier_that_fills_a_largest_merge_is_merged_at_once():
    Seg = FakeSegment
    quarter = [Seg(MAX_MERGE_DOCS // 4) for _ in range(5)]
    assert segments_to_merge(quarter[:3]) == []
    assert segments_to_merge(quarter) == quarter[:4]  # 200,000 documents, not ten segments
    odd = [Seg(70_000), Seg(80_000), Seg(90_000)]  # 240,000: the two smallest fit
    assert segments_to_merge(odd) == odd[:2]


def test_finishing_merges_the_tiers_below_the_top():
    Seg = FakeSegment
    top = [Seg(199_000), Seg(150_000)]  # as large as merges make: left alone
    fifties = [Seg(50_000 + n) for n in range(3)]
    fives = [Seg(5_000) for _ in range(9)]
    groups = finishing_groups(top + fifties + fives + [Seg(300)])
    assert [sum(seg.doc_count() for seg in g) for g in groups] == [195_303]
    assert finishing_groups(top + [Seg(5_000)]) == []


def test_a_large_run_ends_with_its_small_segments_merged(tmp_path, monkeypatch):
    """A build of FINISH_DOCS documents or more ends merged below the top
    tier (here: the top at 1,000 documents, a build at 30); an update of
    fewer does not; the answers are those of the unmerged index."""
    monkeypatch.setattr(merging, "MAX_MERGE_DOCS", 1000)
    files = sample_files()
    corpus = tmp_path / "c" / "batch-1"
    corpus.mkdir(parents=True)
    for f in files[:45]:
        shutil.copy(f, corpus / f.name)
    plain, finished = tmp_path / "plain", tmp_path / "finished"
    update_index([corpus], index=plain, jobs=1, commit_every=7)
    monkeypatch.setattr(merging, "FINISH_DOCS", 30)
    update_index([corpus], index=finished, jobs=1, commit_every=7)
    assert segment_count(IndexStore(plain).open()) > 1
    assert segment_count(IndexStore(finished).open()) == 1
    with closing(Searcher(plain)) as one, closing(Searcher(finished)) as other:
        assert answers(one) == answers(other)
    update = tmp_path / "c" / "batch-2"
    update.mkdir()
    for f in files[45:50]:
        shutil.copy(f, update / f.name)
    assert update_index([tmp_path / "c"], index=finished, jobs=1).added == 5
    assert segment_count(IndexStore(finished).open()) == 2
