"""The merge that copies postings a term at a time: Whoosh's merge, byte for
byte, and the same answers as a fresh build."""

import shutil
from contextlib import closing
from itertools import islice

import pytest

from zhen import merging
from zhen.codec import ZhenCodec
from zhen.indexer import COMPRESSION, update_index
from zhen.merging import merge_all
from zhen.search import Searcher
from zhen.store import IndexStore
from zhen.whoosh_internals import FastSegmentWriter, segment_count

from .helpers import SHARED
from .test_merging import add_in_batches, answers, sample_files

STARD = SHARED / "eval" / "stard" / "corpus.jsonl"


def merged_segment(index, how):
    """Merge every segment of ``index`` into one, by Whoosh's merge or by
    :func:`copy_segments`; returns the merged segment's files by suffix."""
    merge_all(IndexStore(index).open(), ZhenCodec(compression=COMPRESSION), copy=how == "copy")
    ix = IndexStore(index).open()
    (segment,) = ix._segments()
    gen = IndexStore(index).current()
    prefix = segment.segment_id()
    files = {
        f.name[len(prefix) :]: f.read_bytes() for f in gen.iterdir() if f.name.startswith(prefix)
    }
    with ix.reader() as reader:
        stored = [reader.stored_fields(n) for n in range(reader.doc_count_all())]
        lengths = {name: reader.field_length(name) for name in ix.schema.names()}
    return files, stored, lengths, segment.doc_count_all()


def delete_some(index, every):
    """Delete every ``every``-th document of the first segment."""
    ix = IndexStore(index).open()
    first = ix._segments()[0].doc_count_all()
    writer = FastSegmentWriter(ix, codec=ZhenCodec(compression=COMPRESSION), compound=False)
    for docnum in range(0, first, every):
        writer.delete_document(docnum)
    writer.commit(merge=False)


def assert_same_merge(index, tmp_path):
    by_whoosh, by_copy = tmp_path / "whoosh", tmp_path / "copy"
    shutil.copytree(index, by_whoosh, symlinks=True)
    shutil.copytree(index, by_copy, symlinks=True)
    files, stored, lengths, count = merged_segment(by_whoosh, "whoosh")
    copied_files, copied_stored, copied_lengths, copied_count = merged_segment(by_copy, "copy")
    assert copied_count == count
    # Whoosh pickles each stored dict in its own field order; compare them
    assert copied_stored == stored
    files.pop("._stored.col"), copied_files.pop("._stored.col")
    assert sorted(copied_files) == sorted(files)
    different = [suffix for suffix in files if copied_files[suffix] != files[suffix]]
    assert not different, f"files unlike Whoosh's merge: {different}"
    assert copied_lengths == lengths
    with closing(Searcher(by_copy)) as copied, closing(Searcher(by_whoosh)) as merged:
        assert answers(copied) == answers(merged)


@pytest.mark.parametrize("deleted", [False, True])
def test_copied_merge_writes_whooshs_bytes(tmp_path, deleted):
    index = tmp_path / "ix"
    counts = list(add_in_batches(sample_files()[:90], tmp_path / "c", index, size=30))
    assert counts == [1, 2, 3]
    if deleted:
        delete_some(index, every=4)
    assert_same_merge(index, tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(not STARD.is_file(), reason="needs ../shared")
def test_copied_merge_of_stard_articles_writes_whooshs_bytes(tmp_path):
    """6,000 short articles in three segments, some deleted: terms in one
    segment or several, inlined or in many blocks."""
    corpus, index = tmp_path / "c", tmp_path / "ix"
    corpus.mkdir()
    with STARD.open(encoding="utf-8") as lines:
        for part in range(3):
            chunk = list(islice(lines, 2000))
            (corpus / f"part{part}.jsonl").write_text("".join(chunk), encoding="utf-8")
            report = update_index([corpus], index=index, jobs=1)
            assert report.failed == 0
    assert segment_count(IndexStore(index).open()) == 3
    delete_some(index, every=7)
    assert_same_merge(index, tmp_path)


def test_copied_merges_give_a_fresh_builds_answers(tmp_path, monkeypatch):
    """Many small updates, every merge copied (the segments of a parallel
    build are): the same answers as one build of everything."""
    monkeypatch.setattr(merging, "merged_apart", lambda writer, chosen: True)
    files = sample_files()[:120]
    counts = list(add_in_batches(files, tmp_path / "c", tmp_path / "ix", size=10))
    # the merged segment and the run's own: one more than Whoosh's merge
    assert max(counts) <= merging.FLOOR_SEGMENTS + 1
    assert 2 in counts
    fresh = tmp_path / "fresh"
    update_index([tmp_path / "c"], index=fresh, jobs=1)
    with closing(Searcher(tmp_path / "ix")) as merged, closing(Searcher(fresh)) as built:
        assert answers(merged) == answers(built)
