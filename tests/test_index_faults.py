"""Faults while indexing: a record analysis cannot handle, a killed or
interrupted indexer. Nothing is lost silently and nothing outlives it."""

import os
import signal
import subprocess
import sys
import time

import pytest

import zhen.analysis
import zhen.indexer
from zhen.cli import cli
from zhen.indexer import update_index
from zhen.search import search
from zhen.store import IndexStore

from .helpers import DOCS, write_corpus, write_record


def _poisoned(monkeypatch):
    """Make analysis fail on any value holding 'BOOM' (forked workers
    inherit the patch), as the combining-mark bug once did."""
    real = zhen.analysis.prepare

    def prepare(value):
        if "BOOM" in value:
            raise ValueError("cannot analyse this value")
        return real(value)

    monkeypatch.setattr(zhen.analysis, "prepare", prepare)


@pytest.mark.parametrize("jobs, small_run", [(1, 1000), (2, 1000), (2, 1)])
def test_a_failing_record_is_reported_and_its_chunk_is_kept(tmp_path, monkeypatch, jobs, small_run):
    """In this process (one job, or a chunk too small for workers), and in a
    worker process (small_run 1: every chunk goes to the workers)."""
    monkeypatch.setattr(zhen.indexer, "SMALL_RUN", small_run)
    corpus = write_corpus(tmp_path / "c", DOCS)
    bad = write_record(corpus / "batch-002", "012_bad", title="坏记录", resulting_text="BOOM 正文")
    _poisoned(monkeypatch)
    report = update_index([corpus], index=tmp_path / "ix", jobs=jobs)
    assert report.failed == 1
    assert [(p.file, p.severity) for p in report.problems] == [(str(bad), "error")]
    assert "cannot be indexed: ValueError" in report.problems[0].message
    assert report.added == 11
    assert report.documents == 11 == search("date:1900..2100", index=tmp_path / "ix").total
    assert search("坏记录", index=tmp_path / "ix").total == 0


def test_combining_marks_index_and_search(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"batch-001": DOCS["batch-001"]})
    write_record(
        corpus / "batch-001",
        "005_cafe",
        title="咖啡馆 cafe\u0301",
        translated_title="The cafe\u0301 on the corner",
    )
    report = update_index([corpus], index=tmp_path / "ix", jobs=2)
    assert (report.added, report.failed, report.documents) == (5, 0, 5)
    for query in ("café", "cafe\u0301", "咖啡馆"):
        assert [h.id for h in search(query, index=tmp_path / "ix").hits] == ["005_cafe"]


def test_index_exits_1_when_a_record_failed(runner, tmp_path):
    write_record(tmp_path / "c" / "b", "good", title="好的记录")
    (tmp_path / "c" / "b" / "bad.txt").write_bytes(b"\x00binary")
    result = runner.invoke(
        cli, ["index", "--index", str(tmp_path / "ix"), "--jobs", "1", str(tmp_path / "c")]
    )
    assert result.exit_code == 1
    assert "1 added, 0 updated, 0 unchanged, 0 removed, 1 failed; 1 documents" in result.output
    assert "1 record could not be indexed" in result.output


# -- a real `zhen index` process, killed or interrupted ------------------


def _index_command(index, corpus, *options):
    """``zhen index`` with two workers, as users run it."""
    return [
        sys.executable,
        "-m",
        "zhen",
        "index",
        "--index",
        str(index),
        "--jobs",
        "2",
        *options,
        str(corpus),
    ]


def _zhen_index(index, corpus, **popen):
    args = _index_command(index, corpus, "--commit-every", "50")
    return args, subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def _many_docs(root, count=200, repeat=300):
    for n in range(count):
        write_record(
            root / "b",
            f"{n:03d}_doc",
            title=f"文件{n}号",
            resulting_text="中华人民共和国条例。" * repeat,
        )
    return root


def _children(pid):
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout
    return [int(x) for x in out.split()]


def _wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is dead too
        return f.read().split()[2] != "Z"


def _committed(index):
    store = IndexStore(index)
    return store.current() is not None and store.open().doc_count() >= 50


@pytest.mark.slow
def test_kill_9_of_the_parent_takes_its_workers_and_the_lock(tmp_path):
    # Many tiny records in one chunk: the workers wait on their job queue
    # while the parent reads files, which is when they used to outlive it.
    for n in range(1500):
        write_record(
            tmp_path / "c" / "b", f"{n:04d}_doc", title=f"文件{n}号", resulting_text="条例。"
        )
    index = tmp_path / "ix"
    args = _index_command(index, tmp_path / "c")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert _wait_for(lambda: len(_children(proc.pid)) >= 2 or proc.poll() is not None)
    time.sleep(0.3)
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _wait_for(lambda: not any(_alive(w) for w in workers), 10), workers
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr  # the lock went with them
    assert "1500 documents in" in done.stdout


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_saying_what_was_committed(tmp_path):
    # documents long enough that the run is still going when the first
    # commit lands (shorter ones: a faster build sometimes finished first)
    corpus = _many_docs(tmp_path / "c", repeat=10_000)
    index = tmp_path / "ix"
    args, proc = _zhen_index(index, corpus, start_new_session=True)
    assert _wait_for(lambda: _committed(index) or proc.poll() is not None)
    workers = _children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C on a terminal sends
    out, err = proc.communicate(timeout=180)
    if proc.returncode == 0:
        pytest.skip("the run finished before the interrupt")
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert "Error: interrupted: " in err and "documents of this run were committed" in err
    assert "Hint: run the same command again to finish" in err
    assert _wait_for(lambda: not any(_alive(w) for w in workers), 10)
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "200 documents in" in done.stdout
