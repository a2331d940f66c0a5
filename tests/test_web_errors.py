"""Every error a user can see in the web, in the interface language: each
kind of query error, bad parameters, a page past the end, an unknown
document, no index, an engine that does not answer; on the HTML page and in
the JSON API, through the real app on a real index. And the catalogue: every
error code has a message and a Chinese translation."""

import json
import re
from pathlib import Path

import pytest

import zhen
from zhen.errors import QueryError, ZhenError
from zhen.query import parse
from zhen.web import create_app
from zhen.web.messages import DETAILS, code_of

from .web_fixtures import web, web_app, web_index, web_zh  # noqa: F401

HAN = re.compile(r"[\u4e00-\u9fff]")

# (query, error code, words of its Chinese message)
QUERY_ERRORS = [
    ('"abc', "query.unclosed_quote", "引号不配对"),
    ("(商务部 tariff", "query.unclosed_group", "没有闭合"),
    ("商务部)", "query.unexpected_close", "多余的"),
    ("()", "query.empty_group", "是空的或没有闭合"),
    ("(" * 40 + "a" + ")" * 40, "query.too_deep", "嵌套超过 32 层"),
    ("NOT " * 40 + "a", "query.too_deep", "嵌套超过 32 层"),
    ("词 " * 1001, "query.too_long", "查询有 2,001 个字符"),
    ("colour:red", "query.unknown_field", "字段“colour:”不存在"),
    ('site:"a b"', "query.filter_needs_plain_value", "只接受普通的值"),
    ("title:", "query.field_needs_value", "没有值"),
    ("date:2023-13", "query.not_a_real_date", "不是真实存在的日期"),
    ("date:last-year", "query.not_a_date", "不是日期"),
    ("date:2024..2020", "query.date_range_reversed", "结束早于开始"),
    ("date:..", "query.date_range_without_ends", "至少需要一端"),
    ('""', "query.empty_phrase", "短语是空的"),
    ("OR", "query.or_needs_word_before", "“OR”前面没有词"),
    ("tariff OR", "query.or_needs_word_after", "后面需要一个词"),
    ("tariff NOT", "query.operator_needs_word_after", "“NOT”后面需要一个词"),
    ("tariff AND", "query.operator_needs_word_after", "“AND”后面需要一个词"),
]


def as_json(response):
    return json.loads(response.get_data(as_text=True))


def library_error(query):
    """The library's error for a query as the web reads it (stripped)."""
    with pytest.raises(QueryError) as caught:
        parse(query.strip())
    return caught.value


def detail_and_hint(html):
    """The detail and hint lines of the error box of a page."""
    detail = re.search(r'<p class="detail">(.*?)</p>', html, re.S)
    hint = re.search(r'<p class="hint"><span>.*?</span> <span>(.*?)</span></p>', html, re.S)
    return (detail.group(1) if detail else None), (hint.group(1) if hint else None)


@pytest.mark.parametrize("query, code, chinese", QUERY_ERRORS)
def test_query_error_in_the_api_in_either_language(web, query, code, chinese):
    error = library_error(query)
    assert error.code == code
    zh = as_json(web.get("/api/search", query_string={"q": query, "lang": "zh"}))["error"]
    en = as_json(web.get("/api/search", query_string={"q": query, "lang": "en"}))["error"]
    assert zh["code"] == en["code"] == "bad_query" and zh["reason"] == en["reason"] == code
    # English: the library's own sentence, as the CLI prints it
    assert (en["message"], en["hint"]) == (error.message, error.hint)
    # Chinese: a Chinese sentence with the same facts, not the English one
    assert chinese in zh["message"] and zh["message"] != error.message
    assert HAN.search(zh["hint"]) and zh["hint"] != error.hint
    assert zh["title"] == "无法解析这个查询。"


@pytest.mark.parametrize("query, code, chinese", QUERY_ERRORS)
def test_query_error_on_the_page_in_either_language(web, web_zh, query, code, chinese):
    error = library_error(query)
    zh_page = web_zh.get("/", query_string={"q": query})
    en_page = web.get("/", query_string={"q": query})
    assert zh_page.status_code == en_page.status_code == 400
    zh_detail, zh_hint = detail_and_hint(zh_page.get_data(as_text=True))
    en_detail, en_hint = detail_and_hint(en_page.get_data(as_text=True))
    assert chinese in unescape(zh_detail) and HAN.search(zh_hint)
    assert error.message not in unescape(zh_page.get_data(as_text=True))
    assert (unescape(en_detail), unescape(en_hint)) == (error.message, error.hint)


def unescape(html):
    from html import unescape as plain

    return plain(html)


def test_the_hint_that_closes_a_quote_keeps_the_query(web_zh):
    page = web_zh.get("/", query_string={"q": 'tariff "商务部 通知'})
    assert "补上引号：&#34;商务部 通知&#34;" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "query_string, reason, chinese, english",
    [
        ("q=", "parameter.empty_query", "查询是空的", "the query is empty"),
        ("q=x&sort=random", "parameter.unknown_sort", "未知的排序方式", "unknown sort 'random'"),
        ("q=x&page=abc", "parameter.not_a_number", "page 必须是整数", "page must be a whole"),
        ("q=x&limit=1.5", "parameter.not_a_number", "limit 必须是整数", "limit must be a whole"),
        ("q=x&page=2000000000", "parameter.page_too_deep", "太靠后", "page 2000000000 is too"),
    ],
)
def test_bad_parameters_in_either_language(web, query_string, reason, chinese, english):
    zh = as_json(web.get(f"/api/search?{query_string}&lang=zh"))["error"]
    en = as_json(web.get(f"/api/search?{query_string}&lang=en"))["error"]
    assert zh["reason"] == en["reason"] == reason and zh["code"] == "bad_parameter"
    assert chinese in zh["message"] and HAN.search(zh["hint"]) and zh["title"] == "参数无效。"
    assert en["message"].startswith(english) and not HAN.search(en["hint"])


def test_page_past_the_end_in_either_language(web, web_zh):
    zh = as_json(web.get("/api/search?q=国&page=999&lang=zh"))
    en = as_json(web.get("/api/search?q=国&page=999&lang=en"))
    pages = en["pages"]
    assert zh["message"] == f"第 999 页超出了结果范围：结果共 {pages} 页。"
    library = "page" if pages == 1 else "pages"
    assert en["message"] == f"Page 999 is past the end: the results fill {pages} {library}."
    assert "第 999 页超出了结果范围" in web_zh.get("/?q=国&page=999").get_data(as_text=True)


def test_api_result_message_matches_the_library_in_english(web):
    """The API's English ``message`` is the library's, case by case."""
    from zhen.search import Searcher

    searcher = Searcher(web.application.config["INDEX"])
    for q, page in (("国", 1), ("国", 999), ("zzzqqq", 1), ("商务部 tariff", 1)):
        got = as_json(web.get("/api/search", query_string={"q": q, "page": page, "lang": "en"}))
        assert got["message"] == searcher.search(q, page=page).message, q
    zh = as_json(web.get("/api/search", query_string={"q": "zzzqqq", "lang": "zh"}))
    assert zh["message"] == "没有匹配的文档。"


def test_unknown_document_in_either_language(web, web_zh):
    zh = as_json(web.get("/api/documents/nope?lang=zh"))["error"]
    en = as_json(web.get("/api/documents/nope?lang=en"))["error"]
    assert zh["message"] == "索引中没有 ID 为“nope”的文档" and HAN.search(zh["hint"])
    assert en["message"] == "there is no document with id 'nope' in the index"
    page = web_zh.get("/doc/nope").get_data(as_text=True)
    assert "索引中没有 ID 为“nope”的文档" in page and "no document" not in page
    assert "there is no document with id" in web.get("/doc/nope").get_data(as_text=True)


def _client(index, lang):
    client = create_app({"TESTING": True, "INDEX": index}).test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    return client


def test_no_index_in_either_language(tmp_path):
    index = str(tmp_path / "none")
    zh_page = _client(index, "zh").get("/?q=x")
    assert zh_page.status_code == 503
    html = zh_page.get_data(as_text=True)
    assert "在本站的索引位置没有找到可用的索引" in html and "no index at" not in html
    assert str(tmp_path) not in html  # the server's paths are not shown
    en = as_json(_client(index, "en").get("/api/search?q=x&lang=en"))["error"]
    assert en["reason"] == "index_missing" and "zhen index PATH" in en["hint"]
    zh = as_json(_client(index, "zh").get("/api/suggest?q=x&lang=zh"))["error"]
    assert HAN.search(zh["message"]) and HAN.search(zh["hint"])


def test_engine_unavailable_in_either_language():
    """A cluster URL where nothing listens (port 9 of this machine)."""
    pytest.importorskip("opensearchpy")
    index = "http://127.0.0.1:9/zhen"
    zh = as_json(_client(index, "zh").get("/api/search?q=x&lang=zh"))["error"]
    en = as_json(_client(index, "en").get("/api/search?q=x&lang=en"))["error"]
    assert zh["reason"] == en["reason"] == "engine_unavailable"
    assert zh["message"] == "搜索引擎暂时无法连接或无法应答" and zh["hint"] == "请稍后再试"
    assert en["message"] == "the search engine cannot be reached or cannot answer right now"
    page = _client(index, "zh").get("/?q=x")
    assert page.status_code == 503 and "搜索引擎暂时无法连接" in page.get_data(as_text=True)


# --- the catalogue ----------------------------------------------------------


def _zh_catalogue():
    from babel.messages.pofile import read_po

    from zhen.web.i18n import SOURCE

    with (SOURCE / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def _error_kinds():
    """Every ZhenError class, the cluster engine's included."""
    import zhen.engines.opensearch.errors  # noqa: F401 -- registers its class

    kinds, todo = [], [ZhenError]
    while todo:
        kind = todo.pop()
        kinds.append(kind)
        todo.extend(kind.__subclasses__())
    return kinds


def _codes_raised_in_the_library():
    root = Path(zhen.__file__).parent
    codes = set()
    for path in root.rglob("*.py"):
        codes.update(re.findall(r'\bcode="([a-z_.]+)"', path.read_text(encoding="utf-8")))
    return codes


def test_every_error_code_has_a_translation():
    catalogue = _zh_catalogue()
    codes = _codes_raised_in_the_library()
    assert len(codes) >= 20 and codes <= set(DETAILS), codes - set(DETAILS)
    for kind in _error_kinds():
        assert code_of(kind("x")) in DETAILS, kind
    for code, (message, hint) in DETAILS.items():
        for msgid in (message, hint):
            if msgid:
                assert catalogue.get(msgid) and HAN.search(catalogue[msgid]), (code, msgid)
                placeholders = set(re.findall(r"%\((\w+)\)s", msgid))
                assert set(re.findall(r"%\((\w+)\)s", catalogue[msgid])) == placeholders


def test_a_missing_param_shows_as_nothing_not_a_500(web_app):
    from zhen.web.messages import render

    with web_app.test_request_context("/?lang=zh"):
        message, hint = render("query.unknown_field", {})
    assert "column" in message and hint == "known fields: "
