"""The indexer: incremental updates, rebuilds, crashes and concurrent writers."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from zhen.errors import IndexLockedError, SettingsMismatchError
from zhen.indexer import update_index
from zhen.search import Searcher, search
from zhen.stats import index_stats
from zhen.store import IndexStore, WriterLock

from .helpers import DOCS, write_corpus, write_record


def count(index, query="date:1900..2100"):
    return search(query, index=index).total


@pytest.fixture(params=[1, 2], ids=["jobs1", "jobs2"])
def jobs(request):
    return request.param


def test_incremental_runs(tmp_path, jobs):
    corpus = write_corpus(tmp_path / "c", {"batch-001": DOCS["batch-001"]})
    index = tmp_path / "ix"
    first = update_index([corpus], index=index, jobs=jobs)
    assert (first.added, first.updated, first.unchanged) == (4, 0, 0)

    again = update_index([corpus], index=index, jobs=jobs)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)

    write_corpus(corpus, {"batch-002": DOCS["batch-002"]})
    write_record(
        corpus / "batch-001",
        "003_nlp",
        title="技术说明",
        resulting_text="机器翻译技术。",
        date="2021-03-05",
    )
    third = update_index([corpus], index=index, jobs=jobs)
    assert (third.added, third.updated, third.unchanged) == (7, 1, 3)
    assert third.documents == 11
    assert search("机器翻译", index=index).hits[0].id == "003_nlp"
    assert search('"语言处理"', index=index).total == 0  # the old text is gone


def test_unchanged_files_are_not_read_again(tmp_path, monkeypatch):
    from zhen.corpus import CorpusReader

    corpus = write_corpus(tmp_path / "c", {"batch-001": DOCS["batch-001"]})
    index = tmp_path / "ix"
    update_index([corpus], index=index, jobs=1)
    read = []
    original = CorpusReader._read_txt
    monkeypatch.setattr(
        CorpusReader,
        "_read_txt",
        lambda self, path, batch: read.append(path.stem) or original(self, path, batch),
    )

    again = update_index([corpus], index=index, jobs=1)
    assert (again.unchanged, read) == (4, [])

    touched = corpus / "batch-001" / "003_nlp.txt"
    os.utime(touched, ns=(time.time_ns(), time.time_ns() + 10**9))
    same_text = update_index([corpus], index=index, jobs=1)  # read, hash equal
    assert (same_text.unchanged, same_text.updated, read) == (4, 0, ["003_nlp"])

    text = touched.read_text(encoding="utf-8")
    touched.write_text(text.replace("自然语言处理", "自然语言理解"), encoding="utf-8")
    edited = update_index([corpus], index=index, jobs=1)  # same size, new text
    assert (edited.updated, edited.unchanged) == (1, 3)
    assert search('"语言理解"', index=index).hits[0].id == "003_nlp"

    moved = update_index([tmp_path], index=index, jobs=1)  # batch is now c/batch-001
    assert (moved.updated, moved.unchanged) == (4, 0)


def test_removed_file_with_and_without_prune(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"batch-001": DOCS["batch-001"]})
    index = tmp_path / "ix"
    update_index([corpus], index=index, jobs=1)
    (corpus / "batch-001" / "004_far.txt").unlink()
    kept = update_index([corpus], index=index, jobs=1)
    assert (kept.missing, kept.removed, kept.documents) == (1, 0, 4)
    pruned = update_index([corpus], index=index, jobs=1, prune=True)
    assert (pruned.removed, pruned.documents) == (1, 3)
    assert "004_far" not in [h.id for h in search("研究", index=index).hits]


def test_duplicate_ids_across_batches_keep_the_later(tmp_path):
    corpus = tmp_path / "c"
    write_record(corpus / "batch-001", "same", title="旧标题")
    write_record(corpus / "batch-002", "same", title="新标题")
    report = update_index([corpus], index=tmp_path / "ix", jobs=1)
    assert report.documents == 1
    assert [p.severity for p in report.problems] == ["warning"]
    hit = search("标题", index=tmp_path / "ix").hits[0]
    assert (hit.title, hit.batch) == ("新标题", "batch-002")


def test_failed_records_are_reported_and_the_rest_indexed(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"batch-001": DOCS["batch-001"]})
    (corpus / "batch-001" / "broken.txt").write_bytes(b"\x00\x01binary")
    report = update_index([corpus], index=tmp_path / "ix", jobs=1)
    assert (report.added, report.failed) == (4, 1)
    assert "broken.txt: error: binary content" in str(report.problems[0])


def test_rebuild_while_searching_never_sees_empty_or_errors(tmp_path):
    corpus = write_corpus(tmp_path / "c")
    index = tmp_path / "ix"
    update_index([corpus], index=index, jobs=1)
    totals, errors, stop = [], [], threading.Event()

    def keep_searching():
        searcher = Searcher(index)
        while not stop.is_set():
            try:
                totals.append(searcher.search("国", limit=1).total)
            except Exception as exc:  # any error fails the test below
                errors.append(exc)
        searcher.close()

    thread = threading.Thread(target=keep_searching)
    thread.start()
    try:
        for _ in range(3):
            update_index([corpus], index=index, rebuild=True, jobs=1, commit_every=2)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert totals and set(totals) == {totals[0]}
    gens = list(Path(index).glob("gen-*"))
    assert len(gens) <= 2  # the live one and at most the one it replaced


def test_rebuild_switches_to_new_settings(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"batch-001": DOCS["batch-001"]})
    index = tmp_path / "ix"
    update_index([corpus], index=index, jobs=1)
    userdict = tmp_path / "dict.txt"
    userdict.write_text("语言处理技术\n", encoding="utf-8")
    with pytest.raises(SettingsMismatchError) as info:
        update_index([corpus], index=index, jobs=1, userdict=str(userdict))
    assert "userdict" in info.value.message
    assert info.value.hint == "run: zhen index --rebuild PATH"
    with pytest.raises(SettingsMismatchError):
        Searcher(index, userdict=str(userdict)).search("国")
    update_index([corpus], index=index, jobs=1, userdict=str(userdict), rebuild=True)
    assert Searcher(index, userdict=str(userdict)).search("语言处理技术").total == 1


def test_second_writer_is_refused_with_the_holder_named(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"batch-001": DOCS["batch-001"]})
    index = tmp_path / "ix"
    with WriterLock(index), pytest.raises(IndexLockedError) as info:
        update_index([corpus], index=index, jobs=1)
    assert f"is being written by pid {os.getpid()}" in info.value.message
    assert "--wait" in info.value.hint


def test_wait_queues_behind_the_other_writer(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"batch-001": DOCS["batch-001"]})
    index = tmp_path / "ix"
    lock = WriterLock(index).__enter__()
    threading.Timer(0.5, lock.__exit__, (None, None, None)).start()
    report = update_index([corpus], index=index, jobs=1, wait=True)
    assert report.added == 4


def test_stats(small_index):
    data = index_stats(small_index)
    assert data["documents"] == 11
    assert data["batches"] == {"batch-001": 4, "batch-002": 7}
    assert data["settings"]["analysis"] == "zhen-analysis-2"


def _zhen(*args):
    return [sys.executable, "-m", "zhen", *args]


def _tiny_corpus(root, count=60):
    """Small records, quick to index: the kill tests need a run that is
    still going after its first commit, not a large corpus."""
    for n in range(count):
        write_record(
            root / "b",
            f"{n:03d}_doc",
            title=f"文件{n}号",
            resulting_text="中华人民共和国条例。" * 200,
        )
    return root


def _wait_until(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("commits", [1, 3])
def test_sigkill_leaves_a_searchable_index_and_a_rerun_finishes(tmp_path, commits):
    corpus, index = _tiny_corpus(tmp_path / "c"), tmp_path / "ix"
    args = _zhen("index", "--index", str(index), "--jobs", "1", "--commit-every", "10", str(corpus))
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = IndexStore(index)
    _wait_until(
        lambda: (
            proc.poll() is not None
            or (store.current() is not None and store.open().doc_count() >= 10 * commits)
        )
    )
    proc.send_signal(signal.SIGKILL)  # a no-op if it already finished
    proc.wait()
    before = store.open().doc_count()
    assert before % 10 == 0  # whole chunks only
    search("国", index=index)  # searchable, no error
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    assert f"{before} unchanged" in done.stdout and "60 documents in" in done.stdout
    with store.open().searcher() as s:
        ids = [f["id"] for f in s.all_stored_fields()]
    assert len(ids) == len(set(ids)) == 60


def test_jsonl_duplicate_ids_index_once_with_the_later_record(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"id": "a", "title": "旧的"}\n{"id": "a", "title": "新的"}\n', encoding="utf-8"
    )
    report = update_index([path], index=tmp_path / "ix", jobs=1)
    assert report.documents == 1
    assert search("新的", index=tmp_path / "ix").total == 1
    assert search("旧的", index=tmp_path / "ix").total == 0


@pytest.mark.slow
def test_killed_rebuild_keeps_the_live_index_and_resumes(tmp_path):
    index = tmp_path / "ix"
    small = tmp_path / "small"
    write_record(small / "b", "only", title="zqxjv")
    update_index([small], index=index, jobs=1)
    corpus = _tiny_corpus(tmp_path / "c")
    args = _zhen(
        "index",
        "--rebuild",
        "--index",
        str(index),
        "--jobs",
        "1",
        "--commit-every",
        "10",
        str(corpus),
    )
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = IndexStore(index)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill once the new generation has commits
        building = store.linked_generation("building")
        if building is not None and store.open(building).doc_count() >= 10:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert search("zqxjv", index=index).total == 1  # still the old, complete index
    assert store.linked_generation("building") is not None
    partial = store.open(store.linked_generation("building")).doc_count()
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    assert f"{partial} unchanged" in done.stdout  # resumed, not restarted
    assert search("zqxjv", index=index).total == 0
    assert store.open().doc_count() == 60
    assert store.linked_generation("building") is None


def test_searcher_open_across_a_rebuild_keeps_answering(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"batch-001": DOCS["batch-001"]})
    index = tmp_path / "ix"
    update_index([corpus], index=index, jobs=1)
    searcher = Searcher(index)
    before = searcher.search("国").total
    update_index([corpus], index=index, jobs=1, rebuild=True)
    assert searcher.search("国").total == before
    searcher.close()


def test_rerun_over_several_segments_of_json_lines(tmp_path):
    """Records from JSON Lines have no file stamp: an index of several
    segments without that column must still be read back for a rerun."""
    path = tmp_path / "docs.jsonl"
    path.write_text(
        "".join(f'{{"id": "d{n}", "title": "标题{n}"}}\n' for n in range(30)), encoding="utf-8"
    )
    index = tmp_path / "ix"
    update_index([path], index=index, jobs=1, commit_every=10)
    again = update_index([path], index=index, jobs=1)
    assert (again.unchanged, again.added, again.documents) == (30, 0, 30)


def test_unchanged_json_lines_files_are_not_read_again(tmp_path, monkeypatch):
    import json

    from zhen.corpus import CorpusReader

    corpus = tmp_path / "c"
    corpus.mkdir()
    good, broken = corpus / "a.jsonl", corpus / "b.jsonl"
    records = [{"id": f"j{n}", "title": f"标题{n}", "resulting_text": "正文。"} for n in range(4)]
    good.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records[:3]) + "\n")
    broken.write_text(json.dumps(records[3], ensure_ascii=False) + "\n{not json\n")
    index = tmp_path / "ix"
    first = update_index([corpus], index=index, jobs=1)
    assert (first.added, first.failed) == (4, 1)

    read = []
    original = CorpusReader._read_jsonl
    monkeypatch.setattr(
        CorpusReader,
        "_read_jsonl",
        lambda self, path, *args: read.append(path.name) or original(self, path, *args),
    )
    again = update_index([corpus], index=index, jobs=1, prune=True)
    # the clean file is not read; the one with a broken line is, and says so again
    assert (again.unchanged, again.failed, again.removed, read) == (4, 1, 0, ["b.jsonl"])

    good.write_text(good.read_text() + json.dumps({"id": "j9", "title": "新"}) + "\n")
    read.clear()
    third = update_index([corpus], index=index, jobs=1)
    assert (third.added, third.unchanged, sorted(read)) == (1, 4, ["a.jsonl", "b.jsonl"])
    assert search("新", index=index).hits[0].id == "j9"


def test_ids_by_path_groups_a_files_records_in_order():
    """A record file maps to its one id, a JSON Lines file to the list of
    its ids in index order, however many it holds."""
    from zhen.indexer import Known, _ids_by_path

    known = {"a": Known("h", "one.txt", "b1", None)}
    known.update((f"j{n}", Known("h", "many.jsonl", "b1", None)) for n in range(5000))
    known["z"] = Known("h", "two.jsonl", "b2", None)
    known["y"] = Known("h", "two.jsonl", "b2", None)
    by_path = _ids_by_path(known)
    assert by_path == {
        "one.txt": "a",
        "many.jsonl": [f"j{n}" for n in range(5000)],
        "two.jsonl": ["z", "y"],
    }


def test_cyclic_garbage_collection_is_off_while_indexing_and_on_after(tmp_path):
    """The indexer turns Python's cyclic collector off while documents are
    indexed (a chunk's postings are millions of objects it would walk again
    and again) and back on afterwards, when a run is interrupted too."""
    import gc

    from zhen.errors import IndexInterruptedError

    corpus = write_corpus(tmp_path / "corpus")
    seen = []
    update_index([corpus], tmp_path / "ix", jobs=1, progress=lambda: seen.append(gc.isenabled()))
    assert seen and not any(seen)
    assert gc.isenabled()

    def interrupt():
        raise KeyboardInterrupt

    with pytest.raises(IndexInterruptedError):
        update_index([corpus], index=tmp_path / "ix2", jobs=1, progress=interrupt)
    assert gc.isenabled()


@pytest.mark.parametrize("layout", ["one-jsonl-file", "many-small-files"])
def test_one_large_file_and_many_small_files_both_use_every_worker(tmp_path, layout):
    """With ``--jobs 2``, each worker process writes its own segment from
    the documents it was handed: one commit of one JSON Lines file, and one
    of a folder of record files, end with a segment from each worker."""
    from zhen.indexer import SMALL_RUN
    from zhen.whoosh_internals import index_segments

    count = SMALL_RUN + 200  # a run this large goes to the workers
    corpus = tmp_path / "c"
    if layout == "one-jsonl-file":
        corpus.mkdir()
        lines = (
            f'{{"id": "d{n}", "title": "标题{n}", "resulting_text": "正文{n}"}}\n'
            for n in range(count)
        )
        (corpus / "all.jsonl").write_text("".join(lines), encoding="utf-8")
    else:
        for n in range(count):
            write_record(
                corpus / f"batch-{n % 3}", f"d{n}", title=f"标题{n}", resulting_text=f"正文{n}"
            )
    index = tmp_path / "ix"
    report = update_index([corpus], index=index, jobs=2)
    assert report.added == count
    store = IndexStore(index)
    segments = index_segments(store.open(store.current()))
    assert len(segments) == 2
    assert all(segment.doc_count() > 0 for segment in segments)
    assert sum(segment.doc_count() for segment in segments) == count
