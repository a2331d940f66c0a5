"""Scale tests on ../shared (skipped cleanly when it is absent)."""

import pytest

from zhen.analysis import HAN_RUN, han_words
from zhen.corpus import CorpusReader
from zhen.normalize import normalize

from .helpers import SHARED

TWLAW = SHARED / "corpus" / "twlaw"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not TWLAW.is_dir(), reason="../shared is absent"),
]


def test_reads_every_shared_document_without_error():
    reader = CorpusReader([SHARED / "corpus"])
    docs = list(reader.documents())
    assert len(docs) == 3090
    assert reader.problems == []
    assert sum(d.batch.startswith("twlaw/batch-") for d in docs) == 3089
    assert all(d.title and d.translated_title for d in docs)


def test_rjieba_segments_twlaw_exactly_like_jieba():
    """zhen uses rjieba (jieba-rs) for speed; this proves it gives the very
    tokens of the reference jieba on every Han run of the corpus."""
    import jieba

    jieba.setLogLevel(60)
    runs = differences = 0
    for doc in CorpusReader([TWLAW]).documents():
        for text in (doc.title, doc.resulting_text):
            for run in HAN_RUN.findall(normalize(text or "").text):
                runs += 1
                if [w for w, _, _ in han_words(run)] != list(jieba.cut(run, HMM=True)):
                    differences += 1
    assert runs > 100_000
    assert differences == 0
