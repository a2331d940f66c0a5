"""The query language on its own: the lexer, then the parser (no index)."""

from datetime import datetime

import pytest

from zhen.errors import QueryError
from zhen.query import (
    MAX_DEPTH,
    And,
    DateRange,
    Filter,
    Not,
    Or,
    Phrase,
    Term,
    _tokens,
    clean,
    parse,
    positive_leaves,
)

# -- the lexer ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("商务部 tariff", [("word", "商务部", 1), ("word", "tariff", 5)]),
        ('"语言 处理" x', [("phrase", "语言 处理", 1), ("word", "x", 9)]),
        (
            "(a OR b)",
            [
                ("open", "(", 1),
                ("word", "a", 2),
                ("word", "OR", 4),
                ("word", "b", 7),
                ("close", ")", 8),
            ],
        ),
        (
            "title:(a)",
            [("prefix", "title:", 1), ("open", "(", 7), ("word", "a", 8), ("close", ")", 9)],
        ),
        ('-"a b"', [("prefix", "-", 1), ("phrase", "a b", 2)]),
        (
            "title: (a)",
            [("word", "title:", 1), ("open", "(", 8), ("word", "a", 9), ("close", ")", 10)],
        ),  # a space: no longer a prefix
    ],
)
def test_lexer(text, tokens):
    assert _tokens(text) == tokens


def test_clean_folds_quotes_brackets_and_control_characters():
    assert clean("“语言”（a）title：x\x00y\x1b[1m\u3000z") == '"语言"(a)title:x y [1m z'


def test_clean_reads_a_closing_quote_that_closes_nothing_as_a_space():
    assert clean("a”b “c” d”") == 'a b "c" d '
    assert clean("“a") == '"a'  # an opening quote left open is still a quote


# -- the parser -----------------------------------------------------------


@pytest.mark.parametrize(
    "text, tree",
    [
        ("商务部", Term("商务部")),
        ("a b", And((Term("a"), Term("b")))),
        ("a AND b", And((Term("a"), Term("b")))),
        ("a OR b c", Or((Term("a"), And((Term("b"), Term("c")))))),
        ("-a b", And((Not(Term("a")), Term("b")))),
        ("NOT a", Not(Term("a"))),
        ("title:(a OR b)", Or((Term("a", "title"), Term("b", "title")))),
        ('en:"Ministry of Commerce"', Phrase("Ministry of Commerce", "en")),
        ("zh:(-a b)", And((Not(Term("a", "zh")), Term("b", "zh")))),
        ("site:MOFCOM.gov.cn", Filter("site", "mofcom.gov.cn")),
        ("batch:batch-003", Filter("batch", "batch-003")),
        (
            "date:2023-02",
            Filter("date", DateRange(datetime(2023, 2, 1), datetime(2023, 2, 28, 23, 59, 59))),
        ),
        ("date:..2020", Filter("date", DateRange(None, datetime(2020, 12, 31, 23, 59, 59)))),
        ("http://x.com/a?b=1", Term("http://x.com/a?b=1")),  # a pasted URL is a word
        ("“WTO”", Phrase("WTO")),
        # A closing quote that closes nothing (a question pasted from the
        # middle of a quotation, STARD train 275) is punctuation.
        ("负责”的规定，是否成立？", And((Term("负责"), Term("的规定，是否成立？")))),
        ("a” “b”", And((Term("a"), Phrase("b")))),
        ("「法」」x", And((Phrase("法"), Term("x")))),
        ("flow - 1952 tests", And((Term("flow"), Term("1952"), Term("tests")))),  # a dash alone
    ],
)
def test_parse(text, tree):
    assert parse(text) == tree


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the query is empty"),
        ("   \x00 ", "the query is empty"),
        (" - ", "the query is empty"),
        ('"abc', "unbalanced quote: the phrase at column 1 is not closed"),
        ('""', "empty phrase at column 1"),
        ("a OR", "'OR' at column 3 needs a word after it"),
        ("OR a", "'OR' has no word before it (column 1)"),
        ("a AND", "'AND' at column 3 needs a word after it"),
        ("a )", "unexpected ')' at column 3"),
        ("(a", "'(' at column 1 is not closed"),
        ("()", "empty or unclosed '(' at column 1"),
        ("foo:bar", "unknown field 'foo:' at column 1"),
        ("title:", "'title:' at column 1 has no value"),
        ('site:"a b"', "'site:' takes a plain value, not a phrase or group"),
        ("date:2023-13", "'2023-13' is not a real date"),
        ("date:yesterday", "'yesterday' is not a date"),
        ("date:2023..2020", "the date range 2023..2020 ends before it starts"),
        (
            "(" * 40 + "a" + ")" * 40,
            f"the query nests groups or NOTs more than {MAX_DEPTH} deep (at column 33)",
        ),
        (
            "NOT " * 40 + "a",
            f"the query nests groups or NOTs more than {MAX_DEPTH} deep (at column 129)",
        ),
        ("a " * 1001, "the query is 2,002 characters long; at most 2,000 are searched"),
    ],
)
def test_errors_say_what_and_where(text, message):
    with pytest.raises(QueryError) as caught:
        parse(text)
    assert caught.value.message == message
    assert caught.value.hint


def test_nesting_up_to_the_limit_is_fine():
    depth = MAX_DEPTH
    assert parse("(" * depth + "a" + ")" * depth) == Term("a")


def test_positive_leaves_skip_exclusions():
    tree = parse('a -b (c OR NOT d) "e f" date:2020')
    assert [leaf.text for leaf in positive_leaves(tree)] == ["a", "c", "e f"]


def test_lone_surrogates_are_spaces():
    """A command-line argument that is not UTF-8 reaches Python as lone
    surrogates: they separate words, as control characters do."""
    assert parse("商务\udcff部 a\ud800b") == parse("商务 部 a b")
