"""zhen merge: fewer segments, the same answers, nothing lost when killed."""

import json
import re
from contextlib import closing

import pytest
from click.testing import CliRunner

from zhen.cli import cli
from zhen.errors import IndexLockedError
from zhen.forcemerge import merge_index
from zhen.merging import packed_groups
from zhen.search import Searcher
from zhen.store import IndexStore
from zhen.whoosh_internals import segment_count

from .helpers import FakeSegment, kill_when_marked
from .test_merging import add_in_batches, answers, sample_files

Seg = FakeSegment


def test_segments_are_packed_smallest_first_under_the_cap():
    small = [Seg(n) for n in (500, 2_500, 5_000)]
    middle = [Seg(49_000 + n) for n in range(8)]
    large = [Seg(196_000), Seg(197_000)]
    groups = packed_groups(large + middle + small, cap=200_000)
    sizes = [[seg.doc_count() for seg in group] for group in groups]
    assert sizes == [
        [500, 2_500, 5_000, 49_000, 49_001, 49_002],  # 155,003; one more would pass the cap
        [49_003, 49_004, 49_005, 49_006],
    ]  # 49,007 would merge alone, and the large ones are as large as merges make
    two = [Seg(10), Seg(20)]
    assert packed_groups(two, cap=100) == [two]
    assert packed_groups(two, cap=25) == []  # together they would pass the cap
    assert packed_groups([Seg(300_000), Seg(300_000)]) == []
    replaced = Seg(5_000, deleted=3_000)  # alone, but rewritten without its deleted documents
    assert packed_groups([Seg(300_000), replaced]) == [[replaced]]


@pytest.fixture
def three_segments(tmp_path):
    corpus, index = tmp_path / "c", tmp_path / "ix"
    assert list(add_in_batches(sample_files()[:30], corpus, index, size=10))[-1] == 3
    return index


def test_merge_keeps_every_answer_in_one_segment(three_segments):
    index = three_segments
    with closing(Searcher(index)) as searcher:
        before = answers(searcher)
        report = merge_index(index)
        assert answers(searcher) == before  # a searcher open across the merge
    assert (report.segments_before, report.segments_after, report.documents) == (3, 1, 30)
    with closing(Searcher(index)) as searcher:
        assert answers(searcher) == before
    again = merge_index(index)  # nothing left to merge: no commit
    assert (again.segments_before, again.segments_after) == (1, 1)


def test_merge_is_refused_while_another_writer_runs(three_segments):
    with IndexStore(three_segments).lock(), pytest.raises(IndexLockedError):
        merge_index(three_segments)
    assert segment_count(IndexStore(three_segments).open()) == 3


KILLED_FORCE_MERGE = """
import sys, time
from pathlib import Path
from zhen import forcemerge

merge = forcemerge._force_merge

def pausing(writer, segments):
    kept = merge(writer, segments)
    Path(sys.argv[2]).write_text("merging")
    time.sleep(120)
    return kept

forcemerge._force_merge = pausing
forcemerge.merge_index(sys.argv[1])
"""


def test_killed_merge_loses_nothing(three_segments, tmp_path):
    index = three_segments
    with closing(Searcher(index)) as searcher:
        before = answers(searcher)
    kill_when_marked(KILLED_FORCE_MERGE, tmp_path / "marker", index)
    assert segment_count(IndexStore(index).open()) == 3
    with closing(Searcher(index)) as searcher:
        assert answers(searcher) == before
    assert merge_index(index).segments_after == 1  # and a rerun merges


def test_cli_merge_text_and_json(three_segments):
    runner = CliRunner()
    result = runner.invoke(cli, ["merge", "--index", str(three_segments)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        rf"3 -> 1 segments; 30 documents in {re.escape(str(three_segments))} \(\d+\.\d s\)\n",
        result.output,
    )
    result = runner.invoke(cli, ["merge", "--index", str(three_segments), "--json"])
    data = json.loads(result.output)
    assert (data["segments_before"], data["segments_after"], data["documents"]) == (1, 1, 30)


def test_cli_merge_explains_what_it_cannot_do(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["merge", "--index", "http://127.0.0.1:9/laws"])
    assert result.exit_code == 1
    assert "a cluster merges its own segments" in result.output
    assert "Hint: ask the cluster: curl -X POST 'http://127.0.0.1:9/laws/_forcemerge'" in (
        result.output
    )
    result = runner.invoke(cli, ["merge", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no index at" in result.output
    assert "Traceback" not in result.output
