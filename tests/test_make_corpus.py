"""bench/make_corpus.py: deterministic, valid records, realistic shape mix.

Skipped without the shared corpora (``../shared``), which the generator
learns from.
"""

import importlib.util
import statistics
from pathlib import Path

import pytest

from zhen.corpus import CorpusReader

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

pytestmark = pytest.mark.skipif(
    not (SHARED / "corpus" / "twlaw").is_dir()
    or not (SHARED / "eval" / "stard" / "corpus.jsonl").is_file(),
    reason="needs the shared corpora at ../shared",
)


@pytest.fixture(scope="module")
def make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "bench" / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(root):
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_and_valid_records(make_corpus, tmp_path):
    for run in ("a", "b"):
        make_corpus.main([str(tmp_path / run), "--docs", "50", "--seed", "7", "--batch-size", "20"])
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert first == second
    assert len(first) == 50
    assert sorted({name.split("/")[0] for name in first}) == [
        "batch-0001",
        "batch-0002",
        "batch-0003",
    ]
    reader = CorpusReader([tmp_path / "a"])
    docs = list(reader.documents())
    assert reader.problems == []
    assert len(docs) == 50 and len({d.id for d in docs}) == 50
    assert all(d.translated_content for d in docs)  # every document has English


def test_other_seed_other_documents(make_corpus, tmp_path):
    make_corpus.main([str(tmp_path / "a"), "--docs", "5", "--seed", "1"])
    make_corpus.main([str(tmp_path / "b"), "--docs", "5", "--seed", "2"])
    assert _files(tmp_path / "a").keys() != _files(tmp_path / "b").keys()


def test_jsonl_records_are_valid(make_corpus, tmp_path):
    make_corpus.main([str(tmp_path), "--docs", "50", "--format", "jsonl", "--batch-size", "25"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch-0001.jsonl", "batch-0002.jsonl"]
    reader = CorpusReader([tmp_path])
    assert len(list(reader.documents())) == 50
    assert reader.problems == []


def test_shape_mix_and_lengths_follow_the_shared_corpora(make_corpus):
    model = make_corpus.learn(SHARED)
    docs = [values for _, _, values in make_corpus.generate(model, 2000, seed=3)]
    laws = [d for d in docs if d["input_url"]]
    english_only = [d for d in docs if not d["title"]]
    articles = [d for d in docs if d["title"] and not d["input_url"]]
    assert 0.02 < len(laws) / len(docs) < 0.09  # twlaw: 5 %
    assert 0.005 < len(english_only) / len(docs) < 0.05  # Cranfield: 2 %
    # STARD's median article is 92 characters, twlaw's median law 2,248
    assert 60 < statistics.median(len(d["resulting_text"]) for d in articles) < 140
    assert 1000 < statistics.median(len(d["resulting_text"]) for d in laws) < 5000
    # English about 4.5 characters per Chinese character, as in twlaw
    ratio = sum(len(d["translated_content"]) for d in articles) / sum(
        len(d["resulting_text"]) for d in articles
    )
    assert 4 < ratio < 6
    assert all(d["date"] for d in articles + laws)


def test_batches_arrive_in_date_order(make_corpus):
    model = make_corpus.learn(SHARED)
    batches = {}
    for batch, _, values in make_corpus.generate(model, 400, batch_size=100):
        if values["input_url"] is None and values["date"]:  # articles
            batches.setdefault(batch, []).append(values["date"])
    medians = [sorted(dates)[len(dates) // 2] for _, dates in sorted(batches.items())]
    assert medians == sorted(medians) and len(set(medians)) == 4
