"""Aligning a law's two languages article by article (zhen.align)."""

import time
from pathlib import Path

import pytest

from zhen.align import article_pairs, chinese_number, counterpart, split_articles

from .helpers import SHARED

CIVIL_CODE = SHARED / "corpus" / "twlaw" / "batch-004" / "377_2a547148a1b93594.txt"


@pytest.mark.parametrize(
    "text, value",
    [
        ("1", 1),
        ("15", 15),
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百零一", 101),
        ("一千零三十四", 1034),
        ("两百", 200),
        ("〇", 0),
        ("abc", None),
    ],
)
def test_chinese_number(text, value):
    assert chinese_number(text) == value


def keys(text, lang):
    return [piece.key for piece in split_articles(text, lang)]


def test_headings_in_every_written_form():
    text = (
        "總則\n第 1 條 甲。\n第2條 乙。\n第 2-1 條 丙。\n第三条 丁。\n"
        "第十二条之一 戊。\n　第 13 條　己。\n"
    )
    assert keys(text, "zh") == [None, "1", "2", "2-1", "3", "12-1", "13"]
    assert keys("Article 1 a\nArticle 1-1 b\n  Article 20 c\n", "en") == ["1", "1-1", "20"]


def test_references_are_not_headings():
    zh = (
        "第 1 條 依第 5 條規定。\n第一千零三十四條、第一千零三十八條之規定準用之。\n"
        "前項依第 3 條辦理。\n"
    )
    assert keys(zh, "zh") == ["1"]
    assert keys("Article 1 As provided in Article 5.\nSee Article 7.\n", "en") == ["1"]


def test_pieces_cover_the_text_in_order():
    text = "前言\n第 1 條 甲。\n第 2 條 乙。"
    pieces = split_articles(text, "zh")
    assert [text[p.start : p.end] for p in pieces] == ["前言\n", "第 1 條 甲。\n", "第 2 條 乙。"]
    assert split_articles("", "en") == [split_articles("", "zh")[0]]


def pairs_as_keys(zh, en):
    pairs = article_pairs(zh, en)
    return None if pairs is None else [(a and a.key, b and b.key) for a, b in pairs]


def test_articles_pair_by_number_with_gaps_on_either_side():
    zh = "第 一 章\n第 1 條 甲。\n第 2 條 乙。\n第 2-1 條 丙。\n第 3 條 丁。\n"
    en = "Chapter 1\nArticle 1 A.\nArticle 2 B.\nArticle 3 D.\nArticle 4 E.\n"
    assert pairs_as_keys(zh, en) == [
        (None, None),
        ("1", "1"),
        ("2", "2"),
        ("2-1", None),
        ("3", "3"),
        (None, "4"),
    ]


def test_pairs_keep_each_article_whole():
    zh = "第 1 條 甲。\n第 2 條 乙。\n"
    en = "Article 1 A.\nArticle 2 B.\n"
    (a1, b1), (a2, b2) = article_pairs(zh, en)
    assert zh[a2.start : a2.end] == "第 2 條 乙。\n" and en[b1.start : b1.end] == "Article 1 A.\n"


def test_a_stray_heading_does_not_pull_the_rest_out_of_step():
    zh = "".join(f"第 {n} 條 文。\n" for n in range(1, 11)) + "第 99 條 錯。\n"
    zh += "".join(f"第 {n} 條 文。\n" for n in range(11, 21))
    en = "".join(f"Article {n} text.\n" for n in range(1, 21)) + "Article 99 x.\n"
    pairs = pairs_as_keys(zh, en)
    assert sum(1 for a, b in pairs if a == b) == 20
    assert ("99", None) in pairs and (None, "99") in pairs


def test_no_alignment_without_enough_common_articles():
    assert article_pairs("中华人民共和国商务部公告。", "The Ministry of Commerce.") is None
    assert article_pairs("第 1 條 甲。", "Article 1 A.") is None  # one is not enough
    zh = "".join(f"第 {n} 條 文。\n" for n in range(1, 11))
    en = "Article 1 A.\nArticle 2 B.\n"
    assert article_pairs(zh, en) is None  # 2 of 10: not the same structure
    assert article_pairs("", "Article 1 A.\nArticle 2 B.\n") is None


def test_counterpart_still_finds_the_same_article():
    zh = "第 1 條 甲。\n第 2 條 乙乙乙。\n"
    en = "Article 1 A.\nArticle 2 Bbb.\n"
    assert counterpart(zh.index("乙"), zh, en, "zh") == en.index("Article 2")


@pytest.mark.slow
@pytest.mark.skipif(not CIVIL_CODE.is_file(), reason="needs the shared twlaw corpus")
def test_the_civil_code_aligns_quickly():
    from zhen.records import parse_record

    values = parse_record(Path(CIVIL_CODE).read_text(encoding="utf-8")).values
    started = time.perf_counter()
    pairs = article_pairs(values["resulting_text"], values["translated_content"])
    elapsed = time.perf_counter() - started
    both = sum(1 for a, b in pairs if a and b)
    assert both >= 1400 and len(pairs) - both <= 5
    assert elapsed < 1.0
