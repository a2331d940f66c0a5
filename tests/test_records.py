"""The record format: parsing rules and a round trip."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from zhen.records import KEYS, format_record, parse_record

SEED = """html: nan
title: 标题
resulting_text: 第一行
Note: 仍是正文
第 1 條 也是正文
title: 不是新的标题
input_url: 20230131032746/http://www.mofcom.gov.cn/x.shtml
returned_url: https://web.archive.org/web/x
date: 2023-01-31 00:00:00
translated_title: Title
translated_content: Body
Note: still the body
english_summary:
"""


def test_values_span_lines_and_known_seen_keys_continue():
    parsed = parse_record(SEED)
    assert parsed.values["resulting_text"] == (
        "第一行\nNote: 仍是正文\n第 1 條 也是正文\ntitle: 不是新的标题"
    )
    assert parsed.values["translated_content"] == "Body\nNote: still the body"
    assert parsed.values["title"] == "标题"
    # a known key seen before stays in the value, with a warning
    assert [str(p) for p in parsed.problems] == [
        "<record>:6: warning: key 'title' again (first on line 2); this line "
        "is kept as part of the 'resulting_text' value"
    ]


def test_nan_and_empty_mean_missing():
    parsed = parse_record(SEED)
    assert parsed.values["html"] is None
    assert parsed.values["english_summary"] is None


def test_crlf_and_trailing_whitespace():
    parsed = parse_record(SEED.replace("\n", "  \r\n"))
    assert parsed.values["resulting_text"].startswith("第一行\nNote: 仍是正文")
    assert parsed.values["title"] == "标题"


def test_line_numbers_of_keys():
    parsed = parse_record(SEED)
    assert parsed.lines["date"] == 9
    assert parsed.lines["html"] == 1


def test_no_known_key_is_an_error():
    parsed = parse_record("hello\nworld\n", "x.txt")
    assert [str(p) for p in parsed.problems] == [
        "x.txt:1: warning: text before the first key is ignored",
        "x.txt:2: warning: text before the first key is ignored",
        "x.txt:1: error: no known key found; expected lines such as 'title: ...'",
    ]


def test_field_over_limit_is_an_error():
    parsed = parse_record("title: " + "字" * 20 + "\n", "x.txt", max_field_chars=10)
    assert [str(p) for p in parsed.problems] == [
        "x.txt:1: error: field 'title' holds 20 characters, over the limit of 10"
    ]


def test_key_out_of_order_is_a_warning_and_still_read():
    parsed = parse_record("title: t\nhtml: h\n", "x.txt")
    assert parsed.values["html"] == "h"
    assert parsed.problems[0].severity == "warning"
    assert "key 'html' comes after 'title'" in parsed.problems[0].message


# Values that survive the format: no line may start with a key, lines carry
# no trailing whitespace, and the value has no leading/trailing blank space.
_line = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\r\n\x85"
    ),
    max_size=30,
).map(str.rstrip)
_value = (
    st.lists(_line, min_size=1, max_size=4)
    .map("\n".join)
    .map(str.strip)
    .filter(
        lambda v: (
            v not in ("", "nan")
            and not any(line.startswith(tuple(k + ":" for k in KEYS)) for line in v.split("\n"))
        )
    )
)


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({k: st.one_of(st.none(), _value) for k in KEYS}))
def test_round_trip(values):
    parsed = parse_record(format_record(values))
    assert parsed.values == values
    assert parsed.problems == []


@settings(deadline=None)
@given(st.text(alphabet=string.printable + "中文第條", max_size=200))
def test_parser_never_crashes(text):
    parsed = parse_record(text)
    assert set(parsed.values) == set(KEYS)
