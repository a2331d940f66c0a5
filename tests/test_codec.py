"""zhen's Whoosh codec and formats write exactly what Whoosh's own would."""

import pytest
from whoosh import formats
from whoosh.codec.whoosh3 import W3PerDocReader

from zhen.analysis import EnglishAnalyzer, GramAnalyzer, WordAnalyzer
from zhen.codec import LengthTableReader, TermFrequency, TermPositions
from zhen.schema import TEXT_FIELDS, recall_field
from zhen.store import IndexStore

from .conftest import DOCS

TEXTS = [text for batch in DOCS.values() for doc in batch.values()
         for text in doc.values()] + [
    "中華民國 the Ministry of Commerce of the Ministry, ＡＰＩ２０２４ and C++ 3.14 國國國",
    "",
]


@pytest.mark.parametrize("analyzer", [WordAnalyzer(), GramAnalyzer(), EnglishAnalyzer()])
@pytest.mark.parametrize("fast, whoosh", [(TermFrequency, formats.Frequency),
                                          (TermPositions, formats.Positions)])
def test_formats_give_whooshs_postings(analyzer, fast, whoosh):
    for text in TEXTS:
        got = sorted(fast().word_values(text, analyzer, mode="index"))
        expected = sorted(whoosh().word_values(text, analyzer, mode="index"))
        assert got == expected, text


def test_length_table_gives_whooshs_field_lengths(small_index):
    ix = IndexStore(small_index).open()
    fields = list(TEXT_FIELDS) + [recall_field(f) for f in TEXT_FIELDS]
    checked = 0
    for segment in ix._segments():
        fast = LengthTableReader(ix.storage, segment)
        whoosh = W3PerDocReader(ix.storage, segment)
        for docnum in range(segment.doc_count_all()):
            for field in fields:
                assert fast.doc_field_length(docnum, field) == \
                    whoosh.doc_field_length(docnum, field)
                checked += whoosh.doc_field_length(docnum, field) is not None
    assert checked > 20
