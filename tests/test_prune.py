"""What ``--prune`` removes: only documents whose own record is gone from
under a path given in that run (see zhen/prune.py for the rule)."""

import json
import os
import random
import shutil

import pytest

from zhen.indexer import update_index

from .helpers import write_record


def ids_in(index):
    from zhen.store import IndexStore

    with IndexStore(index).open().searcher() as searcher:
        return {f["id"] for f in searcher.all_stored_fields()}


def two_folders(root):
    for folder in ("A", "B"):
        for n in range(3):
            write_record(root / folder / "batch-001", f"{folder}{n}", title=f"文件{folder}{n}")
    return root / "A", root / "B"


def test_prune_one_folder_leaves_the_other_alone(tmp_path):
    a, b = two_folders(tmp_path)
    index = tmp_path / "ix"
    update_index([a, b], index=index, jobs=1)
    (a / "batch-001" / "A0.txt").unlink()  # gone, but not under B
    (b / "batch-001" / "B1.txt").unlink()
    report = update_index([b], index=index, jobs=1, prune=True)
    assert (report.removed, report.missing) == (1, 0)
    assert ids_in(index) == {"A0", "A1", "A2", "B0", "B2"}
    report = update_index([a], index=index, jobs=1)
    assert (report.removed, report.missing) == (0, 1)  # said, not done
    report = update_index([a], index=index, jobs=1, prune=True)
    assert report.removed == 1
    assert ids_in(index) == {"A1", "A2", "B0", "B2"}


def test_relative_paths_and_another_working_folder(tmp_path, monkeypatch):
    a, b = two_folders(tmp_path / "data")
    index = tmp_path / "ix"
    monkeypatch.chdir(tmp_path / "data")
    update_index(["A", "B"], index=index, jobs=1)
    monkeypatch.chdir(tmp_path)  # a later run starts somewhere else
    report = update_index([b], index=index, jobs=1, prune=True)
    assert (report.removed, report.missing, report.unchanged) == (0, 0, 3)
    assert len(ids_in(index)) == 6


def test_symlink_loops_duplicate_ids_and_broken_records(tmp_path):
    a, b = two_folders(tmp_path)
    os.symlink("..", a / "batch-001" / "loop")  # a folder loop
    os.symlink(b, a / "to-b")  # a link to the other folder is not followed
    write_record(b / "batch-002", "A1", title="B 里的 A1")  # duplicate id
    (a / "batch-001" / "brokenA.txt").write_text("no keys here\n")
    (b / "batch-001" / "broken.txt").write_bytes(b"\x00\x01")
    index = tmp_path / "ix"
    first = update_index([a, b], index=index, jobs=2)
    assert first.failed == 2
    assert ids_in(index) == {"A0", "A1", "A2", "B0", "B1", "B2"}
    report = update_index([b], index=index, jobs=1, prune=True)
    assert (report.removed, report.missing) == (0, 0)
    assert ids_in(index) == {"A0", "A1", "A2", "B0", "B1", "B2"}
    (b / "batch-002" / "A1.txt").unlink()  # A1 was indexed from B's copy
    report = update_index([b], index=index, jobs=1, prune=True)
    assert report.removed == 1
    update_index([a], index=index, jobs=1)  # A's own copy comes back
    assert "A1" in ids_in(index)


def test_a_record_that_breaks_keeps_its_last_good_version(tmp_path):
    a, _ = two_folders(tmp_path)
    index = tmp_path / "ix"
    update_index([a], index=index, jobs=1)
    (a / "batch-001" / "A2.txt").write_text("nothing known here\n")
    report = update_index([a], index=index, jobs=1, prune=True)
    assert (report.failed, report.removed) == (1, 0)
    assert "A2" in ids_in(index)


def test_jsonl_lines_are_pruned_only_from_a_file_read_whole(tmp_path):
    path = tmp_path / "j" / "docs.jsonl"
    path.parent.mkdir()
    lines = [json.dumps({"id": f"j{n}", "title": f"标题{n}"}) for n in range(3)]
    path.write_text("\n".join(lines) + "\n")
    index = tmp_path / "ix"
    update_index([path.parent], index=index, jobs=1)
    path.write_text("\n".join(lines[:2]) + "\n{not json\n")  # j2 gone, a bad line
    report = update_index([path.parent], index=index, jobs=1, prune=True)
    assert (report.failed, report.removed) == (1, 0)  # cannot tell: kept
    path.write_text("\n".join(lines[:2]) + "\n")
    report = update_index([path.parent], index=index, jobs=1, prune=True)
    assert report.removed == 1
    assert ids_in(index) == {"j0", "j1"}


def paths_in(index):
    from zhen.indexer import known_documents
    from zhen.store import IndexStore

    known = known_documents(IndexStore(index).open())
    return {doc_id: facts.path for doc_id, facts in known.items()}


@pytest.mark.parametrize("seed", range(3))
def test_random_runs_remove_only_documents_whose_own_file_is_gone(tmp_path, seed):
    """Random runs over three folders: records added, removed, broken and
    moved between folders; each run indexes one folder, with --prune or
    without. Every removal (or report of a missing file) must be of a
    document whose own file is gone from under the folder given."""
    rng = random.Random(seed)
    roots = [tmp_path / name for name in "ABC"]
    index = tmp_path / "ix"
    for step in range(14):
        _change_something(rng, roots, step)
        given = rng.choice([r for r in roots if r.exists()])
        before = paths_in(index) if (index / "current").exists() else {}
        prune = rng.random() < 0.7
        report = update_index([given], index=index, jobs=1, prune=prune)
        after = paths_in(index)
        gone = {
            i
            for i, p in before.items()
            if p.startswith(str(given) + os.sep)
            and not os.path.isfile(p)
            and i not in {q.stem for q in given.rglob("*.txt")}
        }
        assert set(before) - set(after) == (gone if prune else set()), step
        assert (report.removed, report.missing) == ((len(gone), 0) if prune else (0, len(gone))), (
            step
        )
        for p in given.rglob("*.txt"):  # every good record given is indexed
            if p.read_text(encoding="utf-8").startswith("html:"):
                assert p.stem in after, (step, p)
        assert report.documents == len(after)


def _change_something(rng, roots, step):
    root = rng.choice(roots)
    files = sorted(root.rglob("*.txt"))
    action = rng.choice(["add", "add", "remove", "break", "move"])
    if action == "add" or not files:
        write_record(root / f"b{rng.randint(1, 2)}", f"{root.name}{step}", title=f"文{step}")
    elif action == "remove":
        rng.choice(files).unlink()
    elif action == "break":
        rng.choice(files).write_text("broken\n")
    else:
        source = rng.choice(files)
        target = rng.choice(roots) / "b9"
        target.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target / source.name)
