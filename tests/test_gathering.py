"""Postings gathered as columns come back grouped by term exactly as a
plain dict of lists would group them (the order Whoosh writes them in)."""

from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhen.whoosh_internals import gathering
from zhen.whoosh_internals.gathering import GatheredField, gathered_postings

_TERMS = st.sampled_from(["中国", "中", "国家", "a", "ab", "b", "é", "z", "𠀀", "ー"])
_DOC = st.lists(
    st.tuples(_TERMS, st.integers(1, 9), st.binary(max_size=3)),
    unique_by=lambda posting: posting[0],
)


def _by_hand(docs):
    """term bytes -> (docs, weights, values), by a dict of lists."""
    grouped = defaultdict(lambda: ([], [], []))
    for docnum, postings in docs:
        for text, weight, value in postings:
            found = grouped[text.encode("utf-8")]
            found[0].append(docnum)
            found[1].append(float(weight))
            found[2].append(value)
    return [(term, *grouped[term]) for term in sorted(grouped)]


@pytest.mark.parametrize("piece", [1, 3, 1 << 18])
@given(st.lists(_DOC, max_size=30))
def test_gathered_postings_are_grouped_by_term_bytes_then_document(piece, docs):
    """Whatever the piece size the field is written in (one posting at a
    time, a few, all at once)."""
    numbered = list(enumerate(docs))
    field = GatheredField()
    for docnum, postings in numbered:
        texts = [text for text, _, _ in postings]
        field.add(docnum, texts, [float(w) for _, w, _ in postings], [v for _, _, v in postings])
    original = gathering._POSTINGS_PER_PIECE
    gathering._POSTINGS_PER_PIECE = piece
    try:
        got = list(field.postings_by_term())
    finally:
        gathering._POSTINGS_PER_PIECE = original
    assert got == _by_hand(numbered)
    assert len(field) == sum(len(postings) for postings in docs)


def test_gathered_postings_as_whooshs_tuples():
    field = GatheredField()
    field.add(0, ["b", "a"], [1.0, 2.0], [b"x", b"y"])
    field.add(3, ["a"], [1.0], [b"z"])
    assert list(gathered_postings({"f": field})) == [
        ("f", b"a", 0, 2.0, b"y"),
        ("f", b"a", 3, 1.0, b"z"),
        ("f", b"b", 0, 1.0, b"x"),
    ]


def test_a_field_gathered_as_text_and_as_bytes_is_refused():
    """Postings are gathered as text (zhen's analyzers) or as bytes
    (Whoosh's own fields); a field given both would merge two spellings of a
    term silently, so gathering fails instead."""
    field = GatheredField()
    field.add(0, ["a"], [1.0], [b""])
    with pytest.raises(ValueError, match="both as text and as bytes"):
        field.add(1, [b"a"], [1.0], [b""])
