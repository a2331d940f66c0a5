"""The HTML pages through Flask's test client, on real indexes: languages,
filters, counts, empty/error/past-the-end states, the document page, safe
rendering of hostile records. (The API is in test_web_api.py.)"""

import re

import pytest

from .web_fixtures import XSS, web, web_app, web_index, web_zh  # noqa: F401


def text_of(response):
    return response.get_data(as_text=True)


# --- interface language -------------------------------------------------


def test_home_page_has_search_box_switch_and_opensearch(web):
    html = text_of(web.get("/"))
    assert 'name="q"' in html
    assert '<html lang="en">' in html
    assert 'rel="search" type="application/opensearchdescription+xml"' in html
    assert 'href="/lang/zh?next=/"' in html


@pytest.mark.parametrize(
    "header, lang, word",
    [
        ("zh-CN,zh;q=0.9", "zh-Hans", "搜索"),
        ("zh-TW", "zh-Hans", "搜索"),
        ("en-GB,en;q=0.8", "en", "Search"),
        ("fr-FR", "en", "Search"),
        ("", "en", "Search"),
    ],
)
def test_first_visit_follows_accept_language(web_app, header, lang, word):
    html = text_of(web_app.test_client().get("/", headers={"Accept-Language": header}))
    assert f'<html lang="{lang}">' in html
    assert f'<button type="submit">{word}</button>' in html


def test_switch_is_remembered_in_a_cookie(web_zh):
    switched = web_zh.get("/lang/en?next=/about")
    assert switched.status_code == 303 and switched.headers["Location"] == "/about"
    assert "lang=en" in switched.headers["Set-Cookie"]
    html = text_of(web_zh.get("/?q=WTO"))  # the browser still asks for Chinese
    assert '<html lang="en">' in html and "results</span>" in html
    web_zh.get("/lang/zh?next=/")
    assert '<html lang="zh-Hans">' in text_of(web_zh.get("/?q=WTO"))


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_switch_never_redirects_off_site(web, target):
    response = web.get("/lang/zh", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_changes_nothing(web):
    response = web.get("/lang/xx?next=/")
    assert "Set-Cookie" not in response.headers
    assert '<html lang="en">' in text_of(web.get("/"))


def test_every_page_is_translated(web_zh):
    for url in ["/", "/?q=WTO", "/doc/101_law?q=環境", "/about", "/?q=%22x", "/nowhere"]:
        html = text_of(web_zh.get(url))
        assert '<html lang="zh-Hans">' in html, url
        assert "中文" in html and 'href="/lang/en?next=' in html, url
        for english in (">Search<", "results<", "About<", "Back to"):
            assert english not in html, (url, english)


# --- results, counts and filters ----------------------------------------


def test_search_page_shows_both_languages_with_marks(web):
    html = text_of(web.get("/?q=WTO"))
    assert '<span id="total">2</span> results' in html
    assert "<mark>WTO</mark> accession." in html
    assert "中华人民共和国商务部发布关于<mark>WTO</mark>规则的公告。" in html
    assert 'href="/doc/001_mofcom?q=WTO"' in html


def test_chinese_interface_result_count(web_zh):
    assert '<span id="total">2</span> 条结果' in text_of(web_zh.get("/?q=WTO"))


def test_count_has_separators_and_lower_bound(web, monkeypatch):
    from zhen.search import Searcher

    real = Searcher.search

    def big(self, *args, **kwargs):
        result = real(self, *args, **kwargs)
        result.total, result.pages = 12345, 1235
        result.total_relation = "gte"
        return result

    monkeypatch.setattr(Searcher, "search", big)
    html = text_of(web.get("/?q=WTO"))
    assert '<span id="total">12,345+</span> results' in html
    assert "page 1 of 1,235+" in html


def test_filters_show_as_chips_with_remove_links(web):
    html = text_of(web.get("/", query_string={"q": "国 date:2023 -site:gov.cn"}))
    chips = re.findall(
        r'<li class="chip( negated)?"><span>([^<]+)</span>\s*'
        r'<a class="remove" href="([^"]+)"',
        html,
    )
    assert chips == [
        ("", "date:2023", "/?q=%E5%9B%BD+-site:gov.cn"),
        (" negated", "-site:gov.cn", "/?q=%E5%9B%BD+date:2023"),
    ]


def test_applied_facet_is_not_added_again(web):
    html = text_of(web.get("/", query_string={"q": "国 date:2023"}))
    selected = re.search(r'<li class="selected"><a href="([^"]+)"', html)
    assert selected.group(1) == "/?q=%E5%9B%BD"  # clicking it removes the filter
    assert "date:2023+date:2023" not in html
    assert 'href="/?q=%E5%9B%BD+date:2023+site:www.mofcom.gov.cn"' in html  # others add


def test_facet_links_add_filters(web):
    assert 'href="/?q=%E5%9B%BD+date:2023"' in text_of(web.get("/?q=%E5%9B%BD"))


def test_year_facet_cut_at_twelve_with_more(web):
    html = text_of(web.get("/", query_string={"q": "年度报告"}))
    year = html[html.index("facet-year") : html.index("</section>", html.index("facet-year"))]
    shown, more = year.split('<details class="more">')
    assert len(re.findall(r"<li", shown)) == 12 and len(re.findall(r"<li", more)) == 3
    assert "more (3)" in more


@pytest.mark.parametrize(
    "query, start, end, expected",
    [
        ("国", "2020", "2022", "国 date:2020..2022"),
        ("国", "2020", "", "国 date:2020.."),
        ("国", "", "2021-06", "国 date:..2021-06"),
        ("国", "2021", "2021", "国 date:2021"),
        ("国 date:2023 site:gov.cn", "2019", "2020", "国 site:gov.cn date:2019..2020"),
        ("国 date:2023", "", "", "国"),
    ],
)
def test_date_form_adds_a_range(web, query, start, end, expected):
    from urllib.parse import parse_qs, urlsplit

    response = web.get("/", query_string={"q": query, "from": start, "to": end})
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["Location"]).query)["q"] == [expected]


def test_date_form_is_filled_from_the_query(web):
    html = text_of(web.get("/", query_string={"q": "国 date:2020..2023-06"}))
    assert 'name="from" value="2020"' in html and 'name="to" value="2023-06"' in html


def test_empty_result_and_suggestion_once_as_link(web, web_zh):
    html = text_of(web.get("/?q=tarif"))
    assert '<span id="total">0</span> results' in html
    assert html.count("Did you mean") == 1
    assert html.count('<a href="/?q=tariff">tariff</a>') == 1
    assert "No documents match." in html
    zh = text_of(web_zh.get("/?q=tarif"))
    assert "没有匹配的文档。" in zh and "您是不是要找：" in zh


def test_relaxed_message_is_translated(web_zh):
    html = text_of(web_zh.get("/?q=商务部 tariff"))
    assert "没有文档包含全部词语" in html


@pytest.mark.parametrize(
    "query, message",
    [
        ('"abc', "unbalanced quote"),
        ("date:2023-13", "is not a real date"),
        ("OR", "has no word before it"),
    ],
)
def test_bad_query_is_explained_not_500(web, web_zh, query, message):
    page = web.get("/", query_string={"q": query})
    assert page.status_code == 400
    assert message in text_of(page) and "The query could not be read." in text_of(page)
    assert "无法解析这个查询。" in text_of(web_zh.get("/", query_string={"q": query}))


def test_pagination_links(web):
    html = text_of(web.get("/?q=date:1900.."))
    assert "page 1 of 3" in html
    assert 'rel="next" href="/?q=date:1900..&amp;page=2"' in html
    assert 'rel="prev"' not in html


def test_page_past_the_end_links_to_the_last_page(web, web_zh):
    html = text_of(web.get("/?q=date:1900..&page=999998"))
    assert "Page 999998 is past the end of the results." in html
    assert 'href="/?q=date:1900..&amp;page=3">Go to the last page (3)' in html
    assert 'rel="prev"' not in html and "999997" not in html
    assert "超出了结果范围" in text_of(web_zh.get("/?q=date:1900..&page=999998"))


def test_dates_are_dates_and_only_http_urls_are_links(web):
    html = text_of(web.get("/?q=環境基本法"))
    assert '<time datetime="2021-01-20">2021-01-20</time>' in html
    assert "00:00:00" not in html
    assert 'href="javascript' not in html and "javascript:alert(1)" in html


def test_hostile_record_shows_as_text(web):
    html = text_of(web.get("/", query_string={"q": "脚本测试"}))
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>bold</b>" not in html
    assert 'href="data:' not in html


def test_missing_index_is_503_with_help(tmp_path):
    from zhen.web import create_app

    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "none")})
    page = app.test_client().get("/?q=x")
    assert page.status_code == 503
    assert "zhen index PATH" in text_of(page)
    assert app.test_client().get("/about").status_code == 503


# --- document page ------------------------------------------------------


def test_document_page_aligns_articles_and_marks_both_languages(web):
    html = text_of(web.get("/doc/101_law", query_string={"q": "环境 environment"}))
    rows = re.findall(r'<div class="row"(?: id="([^"]+)")?>', html)
    assert rows == ["", "article-1", "article-2", "article-2-1", "article-3"]
    assert "為保護<mark>環境</mark>" in html  # Traditional text, Simplified query
    assert "protect the <mark>environment</mark>" in html
    assert "Ministry of <mark>Environment</mark>." in html
    assert 'href="/?q=%E7%8E%AF%E5%A2%83+environment"' in html  # back to results
    assert 'class="next-match"' in html and "matches</span>" in html


def test_document_page_without_articles_has_two_columns(web):
    html = text_of(web.get("/doc/001_mofcom?q=WTO"))
    assert '<section class="side zh" lang="zh">' in html
    assert "中华人民共和国商务部发布关于<mark>WTO</mark>规则的公告。" in html
    assert "The Ministry of Commerce of the People&#x27;s Republic of China" in html
    assert 'class="articles"' not in html


def test_document_page_dates_links_and_hostile_text(web):
    html = text_of(web.get("/doc/101_law"))
    assert "2021-01-20" in html and "00:00:00" not in html
    assert 'href="https://law.moj.gov.tw/ENG/LawAll.aspx?pcode=O0100001"' in html
    assert 'href="javascript' not in html and "javascript:alert(1)" in html
    xss = text_of(web.get("/doc/102_xss?q=脚本"))
    assert XSS not in xss and "&lt;img src=x onerror=alert(1)&gt;" in xss
    assert 'href="data:' not in xss


def test_document_page_with_a_malformed_query_still_shows(web):
    page = web.get("/doc/101_law", query_string={"q": '"abc'})
    assert page.status_code == 200 and "<mark>" not in text_of(page)


def test_unknown_document_404_in_the_interface_language(web, web_zh):
    assert web.get("/doc/nope").status_code == 404
    assert "没有这个文档。" in text_of(web_zh.get("/doc/nope"))


# --- other pages --------------------------------------------------------


def test_about_page_shows_index_stats(web):
    html = text_of(web.get("/about"))
    assert '<dd id="documents">28</dd>' in html
    assert re.search(r"batch-003</a></td><td class=\"n\">17</td><td>2021-01-20</td>", html)


def test_opensearch_description(web):
    response = web.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    body = text_of(response)
    assert 'template="http://localhost/?q={searchTerms}"' in body
    assert 'template="http://localhost/api/suggest?q={searchTerms}"' in body


def test_no_external_assets_nor_inline_code(web):
    for url in ["/", "/?q=WTO", "/doc/101_law?q=環境", "/about", "/nowhere"]:
        html = text_of(web.get(url))
        assets = re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="([^"]*)"', html)
        assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "<style" not in html and " style=" not in html, url
        assert " on" + "click=" not in html, url


def test_static_files_are_served(web):
    assert web.get("/static/zhen.css").status_code == 200
    assert web.get("/static/zhen.js").status_code == 200


@pytest.mark.slow
def test_the_civil_code_page_is_aligned_and_fast(tmp_path):
    """The longest twlaw document (830 KB): 1,441 aligned rows, matches in
    both languages, well under a second on a quiet machine."""
    import shutil
    import time
    from pathlib import Path

    from zhen.indexer import update_index
    from zhen.web import create_app

    from .helpers import SHARED

    source = Path(SHARED, "corpus", "twlaw", "batch-004", "377_2a547148a1b93594.txt")
    if not source.is_file():
        pytest.skip("needs the shared twlaw corpus")
    (tmp_path / "c" / "batch-004").mkdir(parents=True)
    shutil.copy(source, tmp_path / "c" / "batch-004")
    update_index([tmp_path / "c"], index=tmp_path / "ix", jobs=1)
    client = create_app({"TESTING": True, "INDEX": str(tmp_path / "ix")}).test_client()
    url = "/doc/377_2a547148a1b93594?q=%E5%A5%91%E7%BA%A6+contract"  # 契约 contract
    client.get(url)
    started = time.perf_counter()
    html = text_of(client.get(url))
    elapsed = time.perf_counter() - started
    assert html.count('<div class="row"') >= 1400
    assert "<mark>契約</mark>" in html and "<mark>contract</mark>" in html
    assert elapsed < 2.0, elapsed
