"""Analysis: token contract, normalisation, offsets, and the acceptance
queries of the analysis issue through a real index."""

from collections import Counter, defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhen.analysis import CharAnalyzer, EnglishAnalyzer, GramAnalyzer, WordAnalyzer, han_words
from zhen.normalize import normalize
from zhen.search import search

from .helpers import html


def tokens(analyzer, text, **kw):
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in analyzer(text, positions=True, chars=True, **kw)
    ]


def test_word_tokens_positions_count_tokens_and_chars_point_into_original():
    text = "中華人民共和國商務部 Ministry of Commerce"
    assert tokens(WordAnalyzer(), text) == [
        ("中华人民共和国", 0, 0, 7),
        ("商务部", 1, 7, 10),
        ("ministri", 2, 11, 19),
        ("commerc", 3, 23, 31),
    ]


def test_gram_tokens_are_bigrams_then_the_last_character():
    assert tokens(GramAnalyzer(), "国务院 of 人") == [
        ("国务", 0, 0, 2),
        ("务院", 1, 1, 3),
        ("院", 2, 2, 3),
        ("of", 3, 4, 6),
        ("人", 4, 7, 8),
    ]


def test_english_tokens_are_stems_with_stop_words_and_positions():
    assert tokens(EnglishAnalyzer(), "The Ministry of Commerce 商务部") == [
        ("the", 0, 0, 3),
        ("ministri", 1, 4, 12),
        ("of", 2, 13, 15),
        ("commerc", 3, 16, 24),
        ("商务", 4, 25, 27),
        ("务部", 5, 26, 28),
        ("部", 6, 27, 28),
    ]


def test_start_pos_and_start_char_are_honoured():
    got = tokens(WordAnalyzer(), "商务部 tariff", start_pos=10, start_char=100)
    assert got == [("商务部", 10, 100, 103), ("tariff", 11, 104, 110)]


def test_removestops_false_keeps_stop_words():
    words = [t.text for t in WordAnalyzer()("the Ministry of Commerce", removestops=False)]
    assert words == ["the", "ministri", "of", "commerc"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("C# and C++ in API2024", ["c#", "and", "c++", "in", "api2024"]),
        ("5G COVID-19 RCEP", ["5g", "covid", "19", "rcep"]),
        ("GB/T 1.1-2020", ["gb", "t", "1.1", "2020"]),
        ("ＡＰＩ２０２４", ["api2024"]),
    ],
)
def test_technical_tokens_stay_findable(text, expected):
    assert [t.text for t in GramAnalyzer()(text)] == expected


def test_full_width_and_traditional_normalise_with_original_offsets():
    norm = normalize("ＡＰＩ２０２４，中華民國")
    assert norm.text == "api2024,中华民国"
    assert norm.span(8, 12) == (8, 12)


def test_expanding_characters_keep_offsets():
    text = "ﬁle 㐀 商務"  # the ligature becomes two characters
    norm = normalize(text)
    assert norm.text.startswith("file")
    start = norm.text.index("商务")
    assert text[slice(*norm.span(start, start + 2))] == "商務"
    assert text[slice(*norm.span(0, 1))] == "ﬁ"


def test_userdict_words_are_used(tmp_path):
    userdict = tmp_path / "dict.txt"
    userdict.write_text("语言处理技术 100 n\n", encoding="utf-8")
    assert [w for w, _, _ in han_words("自然语言处理技术", str(userdict))] == [
        "自然",
        "语言处理技术",
    ]
    assert "语言处理技术" not in [w for w, _, _ in han_words("自然语言处理技术")]


@pytest.mark.parametrize("text", ["e\u0301\u0301\u1161", "中\u1161", "ｶ\uff9e\u0301x", "ｶﾞİ", "İｶﾞ"])
def test_every_character_maps_to_the_characters_it_came_from(text):
    norm = normalize(text)
    for n in range(len(norm.text)):
        start, end = norm.span(n, n + 1)
        assert (
            normalize(text[start:end]).text.startswith(norm.text[n])
            or norm.text[n] in normalize(text[start:end]).text
        )


def test_combining_marks_normalise_like_precomposed_text():
    assert normalize("cafe\u0301").text == normalize("café").text == "café"
    norm = normalize("中華\u0301民國 cafe\u0301")
    assert norm.text.startswith("中华")
    start, end = norm.span(norm.text.index("café"), len(norm.text))
    assert "中華\u0301民國 cafe\u0301"[start:end] == "cafe\u0301"


_mixed = st.lists(
    st.sampled_from(
        list("中华人民共和國商務部語言处理")
        + list("abcXYZ019-#+./ ，。、（）")
        + [
            "\r\n",
            "\n",
            "😀",
            "𠀀",
            "𠮷",
            "ＡＢ",
            "ﬁ",
            "ß",
            "İ",
            # combining marks and what composes with them (é, ガ, 각)
            "e\u0301",
            "\u0301",
            "\u0308",
            "\u20dd",
            "ｶ",
            "\uff9e",
            "\u3099",
            "\u1100",
            "\u1161",
            "\u11a8",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_mixed)
def test_every_token_offset_reproduces_its_source_text(text):
    gram, word = GramAnalyzer(), WordAnalyzer()
    for t in gram(text, positions=True, chars=True):
        # the original characters normalise to the token (a combining mark
        # that no token keeps, as in İ -> i + U+0307, may follow)
        assert normalize(text[t.startchar : t.endchar]).text.startswith(t.text)
    previous = -1
    for t in word(text, positions=True, chars=True):
        source = normalize(text[t.startchar : t.endchar]).text
        assert source[:1] == t.text[:1]  # English words are stemmed
        assert t.pos == previous + 1
        previous = t.pos


@settings(max_examples=300, deadline=None)
@given(_mixed)
def test_term_lists_for_the_index_are_the_analyzers_tokens(text):
    """The shortcuts the index formats take (words without offsets, grams
    grouped as made, characters counted a run at a time) give exactly the
    terms, positions and counts of the analyzer's own tokens."""
    for analyzer in (WordAnalyzer(), GramAnalyzer(), CharAnalyzer(), EnglishAnalyzer()):
        made = [(t.text, t.pos) for t in analyzer(text, positions=True)]
        grouped = defaultdict(list)
        for term, pos in made:
            grouped[term].append(pos)
        assert analyzer.term_texts(text) == [term for term, _ in made]
        assert analyzer.term_counts(text) == Counter(term for term, _ in made)
        assert dict(analyzer.term_positions(text)) == dict(grouped)


# Acceptance through a real index (see tests/conftest.py DOCS).


def ids(index, query, **kw):
    return [hit.id for hit in search(query, index=index, limit=50, **kw).hits]


def test_subword_finds_longer_word(small_index):
    assert "001_mofcom" in ids(small_index, "人民")


def test_dictionary_word_inside_longer_word(small_index):
    assert "002_state_council" in ids(small_index, "中华人民共和国")


def test_single_character(small_index):
    found = ids(small_index, "国")
    assert {"001_mofcom", "002_state_council", "005_traditional"} <= set(found)


def test_chinese_phrase_adjacent_only(small_index):
    assert ids(small_index, '"语言处理"') == ["003_nlp"]
    assert "004_far" in ids(small_index, "语言 处理")


def test_traditional_and_simplified_meet(small_index):
    assert {"005_traditional", "006_simplified"} <= set(ids(small_index, "中華民國"))
    assert {"005_traditional", "006_simplified"} <= set(ids(small_index, "中华民国"))


def test_highlights_mark_original_characters(small_index):
    hits = {h.id: h for h in search("中华民国", index=small_index).hits}
    assert "<mark>中華民國</mark>" in html(hits["005_traditional"], "body")
    hits = {h.id: h for h in search("中華民國", index=small_index).hits}
    assert "<mark>中华民国</mark>" in html(hits["006_simplified"], "body")


def test_full_width_query_and_stemming(small_index):
    assert "007_api" in ids(small_index, "ＡＰＩ２０２４")
    assert "007_api" in ids(small_index, "api2024")
    assert "007_api" in ids(small_index, "tariffs")  # document says 'tariff'
    assert "008_tariffs" in ids(small_index, "tariff")


def test_english_phrase(small_index):
    assert ids(small_index, '"Ministry of Commerce"') == ["001_mofcom"]
    assert "009_not_phrase" in ids(small_index, "Ministry Commerce")


def test_mixed_query_ranks_both_first(small_index):
    found = ids(small_index, "WTO 商务部")
    assert found[0] == "001_mofcom"


def test_mixed_query_relaxes_to_either(small_index):
    result = search("WTO 商务部 nonexistentword", index=small_index)
    assert result.relaxed
    assert result.hits[0].id == "001_mofcom"
