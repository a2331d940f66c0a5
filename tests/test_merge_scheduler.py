"""Merges beside the indexing: taken in only when still true, failures told."""

import shutil
from contextlib import closing

import pytest

from zhen import merge_scheduler, merging
from zhen.codec import ZhenCodec
from zhen.errors import IndexMergeError
from zhen.indexer import COMPRESSION, update_index
from zhen.merge_scheduler import MERGING, MergeScheduler
from zhen.search import Searcher
from zhen.store import IndexStore
from zhen.whoosh_internals import FastSegmentWriter, segment_count

from .test_merging import add_in_batches, answers, sample_files


@pytest.fixture
def four_segments(tmp_path, monkeypatch):
    """An index of the sample's first 40 documents in four segments, whose
    merges all run beside the commits."""
    monkeypatch.setattr(merge_scheduler, "merged_apart", lambda writer, chosen: True)
    corpus, index = tmp_path / "c", tmp_path / "ix"
    counts = list(add_in_batches(sample_files()[:40], corpus, index, size=10))
    assert counts[-1] == merging.FLOOR_SEGMENTS
    return index


def writer(ix):
    """A writer of the indexer's kind (the codec of the index's segments)."""
    return FastSegmentWriter(ix, codec=ZhenCodec(compression=COMPRESSION), compound=False)


def first_id(ix):
    with ix.searcher() as searcher:
        return searcher.stored_fields(0)["id"]


def test_a_merge_runs_beside_and_enters_at_a_later_commit(four_segments):
    ix = IndexStore(four_segments).open()
    with closing(Searcher(four_segments)) as searcher:
        before = answers(searcher)
    merges = MergeScheduler(ix)
    writer(ix).commit(mergetype=merges)
    assert merges.running is not None and segment_count(ix) == 4  # started, not in
    merges.running.process.join()
    assert any((IndexStore(four_segments).current() / MERGING).iterdir())
    merges.finish(lambda: writer(ix))
    assert segment_count(ix) == 1 and ix.doc_count_all() == 40
    assert not (IndexStore(four_segments).current() / MERGING).exists()
    with closing(Searcher(four_segments)) as searcher:
        assert answers(searcher) == before


def test_a_merge_whose_documents_changed_meanwhile_is_dropped(four_segments):
    """A document deleted while its segment was being merged stays deleted:
    the merged segment (which still holds it) is dropped, and the policy
    merges again."""
    ix = IndexStore(four_segments).open()
    gone = first_id(ix)
    merges = MergeScheduler(ix)
    writer(ix).commit(mergetype=merges)
    first = merges.running
    first.process.join()  # finished, not yet taken in
    deleting = writer(ix)
    deleting.delete_by_term("id", gone)
    deleting.commit(mergetype=merges)  # drops it and starts another
    assert merges.running is not None and merges.running is not first
    merges.finish(lambda: writer(ix))
    assert segment_count(ix) == 1 and ix.doc_count_all() == ix.doc_count() == 39
    with ix.searcher() as searcher:
        assert searcher.document_number(id=gone) is None


def failing(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_a_failed_merge_is_told_and_loses_nothing(four_segments, tmp_path, monkeypatch):
    monkeypatch.setattr(merge_scheduler, "copy_segments", failing)
    corpus = tmp_path / "c"
    batch = corpus / "batch-last"
    batch.mkdir()
    for f in sample_files()[40:50]:
        shutil.copy(f, batch / f.name)
    with pytest.raises(IndexMergeError) as failed:
        update_index([corpus], index=four_segments, jobs=1)
    assert "a merge of 4 segments failed: OSError: [Errno 28] No space left" in str(failed.value)
    assert "run the same command again" in failed.value.hint
    ix = IndexStore(four_segments).open()  # the batch's commit stands, unmerged
    assert (ix.doc_count(), segment_count(ix)) == (50, 5)
    assert not (IndexStore(four_segments).current() / MERGING).exists()
    monkeypatch.undo()
    report = update_index([corpus], index=four_segments, jobs=1)
    assert (report.added, report.unchanged, report.documents) == (0, 50, 50)
