"""The JSON API, security headers, never-500 inputs, the catalogues and
``zhen serve`` (threads, busy port, quiet queue warnings)."""

import json
import logging
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .web_fixtures import XSS, web, web_app, web_index, web_zh  # noqa: F401


def as_json(response):
    assert response.mimetype.endswith("json"), response.mimetype
    return json.loads(response.get_data(as_text=True))


def assert_error(response, status, code):
    assert response.status_code == status
    error = as_json(response)["error"]
    assert error["code"] == code
    assert set(error) >= {"code", "message", "hint"} and error["message"]
    return error


# --- /api/search ----------------------------------------------------------


def test_api_search(web):
    data = as_json(web.get("/api/search?q=tariff"))
    assert data["total"] == 2 and data["total_relation"] == "eq"
    assert {h["id"] for h in data["hits"]} == {"007_api", "008_tariffs"}
    assert data["past_end"] is False and data["limit"] == 10


def test_api_search_paging_sort_and_limit_clamp(web):
    data = as_json(web.get("/api/search?q=date:1900..&limit=5&page=2&sort=date"))
    assert data["limit"] == 5 and data["page"] == 2 and len(data["hits"]) == 5
    dates = [h["date"] for h in data["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert as_json(web.get("/api/search?q=国&limit=100000"))["limit"] == 100
    assert as_json(web.get("/api/search?q=国&limit=0"))["limit"] == 1
    assert as_json(web.get("/api/search?q=国&page=0"))["page"] == 1
    past = as_json(web.get("/api/search?q=国&page=999998"))
    assert past["past_end"] is True and past["hits"] == []


@pytest.mark.parametrize(
    "query_string, code",
    [
        ("", "bad_parameter"),
        ("q=+++", "bad_parameter"),
        ("q=x&page=abc", "bad_parameter"),
        ("q=x&limit=1.5", "bad_parameter"),
        ("q=x&sort=random", "bad_parameter"),
        ("q=%22x", "bad_query"),
        ("q=date:2023-13", "bad_query"),
        ("q=x&page=2000000000", "bad_parameter"),
    ],
)
def test_api_search_errors_are_json_400(web, query_string, code):
    error = assert_error(web.get("/api/search?" + query_string), 400, code)
    assert error["hint"]


def test_api_error_follows_lang(web):
    """Title, message and hint in ``lang`` (every kind: test_web_errors.py)."""
    error = assert_error(web.get("/api/search?q=%22x&lang=zh"), 400, "bad_query")
    assert error["title"] == "无法解析这个查询。"
    assert error["message"] == "引号不配对：第 1 列开始的短语没有闭合"
    assert error["hint"] == '补上引号："x"'
    english = assert_error(web.get("/api/search?q=%22x&lang=en"), 400, "bad_query")
    assert english["title"] == "The query could not be read."
    assert english["message"] == "unbalanced quote: the phrase at column 1 is not closed"


def test_api_lower_bound_total(web, monkeypatch):
    from zhen.search import Searcher

    real = Searcher.search

    def bound(self, *args, **kwargs):
        result = real(self, *args, **kwargs)
        result.total_relation = "gte"
        return result

    monkeypatch.setattr(Searcher, "search", bound)
    assert as_json(web.get("/api/search?q=tariff"))["total_relation"] == "gte"


# --- /api/documents, /api/suggest -----------------------------------------


def test_api_document_is_the_whole_record(web):
    doc = as_json(web.get("/api/documents/101_law"))
    assert doc["id"] == "101_law" and doc["batch"] == "batch-003"
    assert doc["resulting_text"].startswith("第 一 章 總則")
    assert doc["translated_content"].endswith("Article 3 (Deleted)\n") or doc[
        "translated_content"
    ].endswith("Article 3 (Deleted)")
    assert as_json(web.get("/api/documents/102_xss"))["title"].startswith(XSS)


def test_api_unknown_document_is_json_404(web):
    assert_error(web.get("/api/documents/nope"), 404, "not_found")


def test_api_suggest_titles(web):
    response = web.get("/api/suggest?q=中华")
    assert response.mimetype == "application/x-suggestions+json"
    typed, found = as_json(response)
    assert typed == "中华" and found[0] == "中华民国史料"  # begins with it: first
    assert set(found) == {"中华民国史料", "中华人民共和国商务部公告", "中華民國憲法"}
    assert as_json(web.get("/api/suggest?q=constitution"))[1] == [
        "Constitution of the Republic of China"
    ]
    assert as_json(web.get("/api/suggest?q="))[1] == []
    assert len(as_json(web.get("/api/suggest?q=年度"))[1]) == 8


def test_api_without_index_is_503(tmp_path):
    from zhen.web import create_app

    client = create_app({"TESTING": True, "INDEX": str(tmp_path / "none")}).test_client()
    assert_error(client.get("/api/search?q=x"), 503, "no_index")
    assert_error(client.get("/api/documents/x"), 503, "no_index")
    assert_error(client.get("/api/suggest?q=x"), 503, "no_index")


def test_api_unknown_address_and_method_are_json(web):
    assert_error(web.get("/api/nothing"), 404, "not_found")
    assert_error(web.post("/api/search?q=x"), 405, "method_not_allowed")


# --- headers and robustness -------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?q=WTO",
        "/doc/101_law",
        "/about",
        "/nowhere",
        "/api/search?q=x",
        "/api/nothing",
        "/opensearch.xml",
        "/static/zhen.css",
        "/lang/en?next=/",
    ],
)
def test_security_headers_on_every_response(web, url):
    headers = web.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] and headers["X-Frame-Options"] == "DENY"


def test_pages_vary_by_language(web):
    assert set(web.get("/").headers["Vary"].replace(" ", "").split(",")) >= {
        "Accept-Language",
        "Cookie",
    }


def test_document_ids_with_odd_characters(web):
    assert web.get("/doc/a%2Fb").status_code == 404
    assert web.get("/api/documents/a/b").status_code == 404
    assert web.get("/doc/%E4%B8%AD%20x").status_code == 404


NASTY = [
    "\x00",
    "a\x00b",
    "(" * 500,
    ")" * 50,
    '"' * 7,
    "-" * 20,
    "OR AND NOT",
    "x" * 5000,
    "date:",
    "date:..",
    "date:9999-99-99",
    "site:",
    "batch:/",
    "title:(",
    "<script>alert(1)</script>",
    "%00",
    "\u202e",
    "𠀀" * 300,
]


@pytest.mark.parametrize("query", NASTY)
def test_no_input_gives_a_500(web, query):
    for url in ("/", "/api/search", "/api/suggest"):
        for extra in (
            {},
            {"page": "-5"},
            {"page": "9" * 30},
            {"sort": "\x00"},
            {"limit": "-1"},
            {"lang": "../../etc"},
        ):
            response = web.get(url, query_string={"q": query, **extra})
            assert response.status_code < 500, (url, query, extra)
            assert b"Traceback" not in response.data
    for doc_id in (query, "../" + query):
        assert web.get("/doc/" + doc_id.replace("/", "%2F")).status_code < 500
        assert web.get("/api/documents/" + doc_id.replace("/", "%2F")).status_code < 500


def test_invalid_utf8_in_the_address_is_not_a_500(web):
    for url in ("/?q=%ED%A0%80%FF", "/api/search?q=%FF%FE", "/doc/%FF", "/api/suggest?q=%C3"):
        assert web.get(url).status_code < 500, url


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=40), page=st.text(max_size=6))
def test_no_generated_input_gives_a_500(web, query, page):
    for url in ("/", "/api/search", "/api/suggest"):
        response = web.get(url, query_string={"q": query, "page": page})
        assert response.status_code in (200, 303, 400), (url, query, page)


# --- catalogues and serve ----------------------------------------------------


def test_catalogues_compile_from_po(tmp_path):
    """Only the .po is in the source tree; the app compiles it when it starts."""
    import shutil

    from babel.support import Translations

    from zhen.web.i18n import SOURCE, compiled_catalogues

    source = tmp_path / "translations"
    shutil.copytree(SOURCE, source, ignore=shutil.ignore_patterns("*.mo"))
    target = compiled_catalogues(source)
    assert (tmp_path / "translations" / "zh" / "LC_MESSAGES").is_dir()
    translations = Translations.load(target, ["zh"])
    assert translations.gettext("No documents match.") == "没有匹配的文档。"


def test_every_message_is_translated():
    from babel.messages.pofile import read_po

    from zhen.web.i18n import SOURCE

    with (SOURCE / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [
        m.id
        for m in catalog
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert not untranslated and len(catalog) > 50


def test_catalogue_has_every_message_of_the_code():
    """A string added to a template or view without a translation fails
    here (run the pybabel commands at the top of messages.po)."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.pofile import read_po

    from zhen.web.i18n import SOURCE

    web_dir = SOURCE.parent
    method_map = [
        ("**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.xml", "jinja2"),
    ]
    keywords = dict(DEFAULT_KEYWORDS, _l=None, N_=None)
    found = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(web_dir), method_map, keywords=keywords)
    }
    with (SOURCE / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert len(found) > 50 and found - known == set()


def test_serve_on_a_busy_port_says_so(runner, tmp_path):
    from zhen.cli import cli

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--index", str(tmp_path / "ix"), "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.output
    assert f"--port {port + 1}" in result.output
    assert "Serving" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "ix").exists()  # failed before indexing anything


def test_serve_help_has_threads(runner):
    from zhen.cli import cli
    from zhen.web.server import default_threads

    result = runner.invoke(cli, ["serve", "--help"])
    assert "--threads" in result.output
    assert 4 <= default_threads() <= 16


def test_queue_depth_warning_once_per_interval():
    from zhen.web.server import OncePerInterval

    now = [0.0]
    limit = OncePerInterval(60, clock=lambda: now[0])

    def record():
        return logging.LogRecord(
            "waitress.queue", logging.WARNING, __file__, 1, "Task queue depth is %d", (3,), None
        )

    passed = [limit.filter(record()) for _ in range(100)]
    assert passed.count(True) == 1
    now[0] = 61.0
    later = record()
    assert limit.filter(later) and "99 similar messages" in later.getMessage()
