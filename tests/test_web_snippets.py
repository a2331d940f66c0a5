"""The quick test that a body cannot match (which spares normalising long
bodies for the snippets of a results page) never says "no" where the
normalised text matches: written ASCII, full-width, compatibility forms,
case folding, Han and non-Han, on generated and on hand-picked texts."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhen.highlight import (
    Needles,
    _fold_spaces,
    _folding_to_ascii,
    _has_han,
    _may_match,
    match_spans,
)

NEEDLE_TEXTS = ["tax", "penalty", "c++", "1.5", "Ministry of Commerce", "商务部 tariff", "國家"]
# characters that fold to ASCII in other ways than being ASCII, and others
TRICKY = (
    "taxTAXpenlyc+1.5 ministry"  # ASCII
    "ｔａｘＴＡＸ＋．１５"  # full-width
    "𝐭𝐚𝐱𝕥ⓐ①⑴²ªﬁ"  # mathematical, enclosed, super, ligature
    "\u212a\u0130\u00e9\u0301"  # Kelvin sign, dotted I, é, a combining accent
    "，。国家國商務部税"  # Chinese
    "\U00020000"  # an astral Han character
)


@pytest.mark.parametrize("needle_text", NEEDLE_TEXTS)
@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=TRICKY, max_size=30))
def test_a_body_that_matches_is_never_skipped(needle_text, text):
    needles = Needles.from_texts([needle_text])
    if match_spans(text, needles):
        assert _may_match(text, needles), (needle_text, text)


@pytest.mark.parametrize(
    "needle_text, text",
    [
        ("tax", "第一条 ｔａｘ 规定"),
        ("tax", "第一条 𝐭𝐚𝐱 规定"),
        ("tax", "TAX"),
        ("kelvin", "\u212aelvin"),
        ("penalty", "罚款（penalties）"),
        ("1.5", "第１．５条"),
        ("国家", "The 國家 Act"),
        ("𠀀", "text with 𠀀 in it"),
    ],
)
def test_matches_by_every_route_are_kept(needle_text, text):
    needles = Needles.from_texts([needle_text])
    assert match_spans(text, needles) and _may_match(text, needles)


@pytest.mark.parametrize(
    "needle_text, text",
    [
        ("tax", "第一条 本法所称主管机关，在中央为财政部。" * 200),
        ("国家", "The competent authority is the Ministry of Finance. “Tax” means…" * 200),
    ],
)
def test_bodies_without_a_match_are_skipped(needle_text, text):
    assert not _may_match(text, Needles.from_texts([needle_text]))


def test_folding_table_agrees_with_unicode():
    import unicodedata

    table = _folding_to_ascii()
    assert "\uff54" in table["t"] and "\U0001d42d" in table["t"] and "\u212a" in table["k"]
    assert "，" not in table["t"] and "，" in table[","]
    for ascii_char, chars in table.items():
        for char in chars:
            assert ascii_char in unicodedata.normalize("NFKC", char).lower()


def test_has_han():
    assert _has_han("English “quoted” text with 中 in it")
    assert _has_han("astral \U00020000 only")
    assert not _has_han("English “quoted” text – no Han")
    assert not _has_han("plain ASCII")


def _fold_spaces_by_character(text, spans):
    """The plain reference: a position map of every character."""
    out, where, at = [], [], 0
    for piece in re.split(r"(\s+)", text):
        if piece and piece[0].isspace():
            where.extend([at] * len(piece))
            if at > 0:
                out.append(" ")
                at += 1
        else:
            where.extend(range(at, at + len(piece)))
            out.append(piece)
            at += len(piece)
    where.append(at)
    folded = "".join(out)
    folded = folded[:-1] if folded.endswith(" ") else folded
    size = len(folded)
    marks = tuple(
        (min(where[s], size), min(where[e], size))
        for s, e in spans
        if min(where[s], size) < min(where[e], size)
    )
    return folded, marks


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="ab 中\n\t\u3000", max_size=24), data=st.data())
def test_folding_spaces_moves_the_marks_with_the_text(text, data):
    bounds = st.integers(0, len(text))
    pairs = data.draw(st.lists(st.tuples(bounds, bounds), max_size=4))
    spans = [(min(a, b), max(a, b)) for a, b in pairs if a != b]
    assert _fold_spaces(text, spans) == _fold_spaces_by_character(text, spans)
