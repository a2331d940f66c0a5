"""The real app in a real headless Chromium (Debian's, driven by Playwright):
languages, filters, the date form, the document page, a phone's width,
hostile records, and no Content-Security-Policy violation anywhere."""

import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from zhen.web import create_app

from .web_fixtures import XSS, web_index  # noqa: F401

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian chromium"),
]


@pytest.fixture(scope="module")
def server(web_index):
    app = create_app({"INDEX": str(web_index)})
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser):
    """new(locale=..., width=...) -> a page in a fresh context (own cookies);
    a script error, a refused (CSP) load, a failing sub-resource or an alert
    fails the test."""
    contexts, problems = [], []

    def new(locale="en-US", width=1280, height=900):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and "Failed to load resource" not in m.text
                and problems.append(m.text)
            ),
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and r.request.resource_type != "document"
                and problems.append(f"{r.status} {r.url}")
            ),
        )
        page.on("dialog", lambda d: problems.append("dialog: " + d.message) or d.dismiss())
        return page

    yield new
    for context in contexts:
        context.close()
    assert not problems


def test_search_from_the_box_and_open_a_document(server, open_page):
    page = open_page()
    page.goto(server + "/")
    page.fill("input[name=q]", "中華民國")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    assert page.inner_text("#total") == "2"
    marks = page.locator(".hit mark").all_inner_texts()
    assert "中華民國" in marks and "中华民国" in marks
    page.click("text=中華民國憲法")
    page.wait_for_selector(".sides")
    assert "Constitution of the Republic of China" in page.inner_text("h1.en")


def test_chinese_query_in_the_chinese_interface(server, open_page):
    page = open_page(locale="zh-CN")
    page.goto(server + "/")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    page.fill("input[name=q]", "中华民国")
    page.click("button[type=submit]")
    page.wait_for_selector(".hit")
    assert page.inner_text(".summary .count") == "2 条结果"
    assert "排序" in page.inner_text(".summary")


def test_a_malformed_query_is_explained_in_the_interface_language(server, open_page):
    page = open_page(locale="zh-CN")
    page.goto(server + "/")
    page.fill("input[name=q]", '"语言处理')
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".error")
    box = page.inner_text(".error")
    assert "无法解析这个查询" in box and "引号不配对" in box and '补上引号："语言处理"' in box
    assert "unbalanced" not in box
    page.click("a.lang[lang=en]")
    page.wait_for_load_state()
    assert "unbalanced quote: the phrase at column 1 is not closed" in page.inner_text(".error")


def test_switching_to_english_is_kept_on_the_next_page(server, open_page):
    page = open_page(locale="zh-CN")
    page.goto(server + "/?q=WTO")
    assert page.inner_text(".summary .count") == "2 条结果"
    page.click("a.lang[lang=en]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text(".summary .count") == "2 results"  # same query, now English
    page.fill("input[name=q]", "tariff")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    assert page.get_attribute("html", "lang") == "en"
    page.click("a.about")
    assert page.inner_text("h1") == "About this index"


def test_facet_chip_added_and_removed(server, open_page):
    page = open_page()
    page.goto(server + "/?q=国")
    total = int(page.inner_text("#total"))
    page.click(".facet-year a:text-is('2023')")
    page.wait_for_selector(".chip")
    assert page.locator(".chip span").all_inner_texts() == ["date:2023"]
    assert int(page.inner_text("#total")) < total
    assert page.input_value("input[name=q]") == "国 date:2023"
    page.click(".facet-year li.selected a")  # the applied value undoes itself
    assert page.locator(".chip").count() == 0
    page.click(".facet-year a:text-is('2023')")
    page.click(".chip .remove")
    page.wait_for_load_state()
    assert page.locator(".chip").count() == 0
    assert int(page.inner_text("#total")) == total


def test_date_form(server, open_page):
    page = open_page()
    page.goto(server + "/?q=年度报告")
    page.fill("input[name=from]", "1995")
    page.fill("input[name=to]", "1999")
    page.click(".dates button")
    page.wait_for_selector(".chip")
    assert page.locator(".chip span").all_inner_texts() == ["date:1995..1999"]
    dates = page.locator(".hit time").all_inner_texts()
    assert len(dates) == 5 and all("1995" <= d[:4] <= "1999" for d in dates)
    assert page.input_value("input[name=from]") == "1995"


def test_document_page_marks_and_aligned_articles(server, open_page):
    page = open_page()
    page.goto(server + "/?q=环境 environment")
    page.click("a.title:has-text('環境基本法')")
    page.wait_for_selector(".articles")
    assert page.locator(".articles .row").count() == 5
    row = page.locator("#article-2-1")
    assert row.locator(".zh").inner_text().startswith("第 2-1 條 環境教育")
    assert row.locator(".en").inner_text().startswith("Article 2-1 Environmental")
    zh_box, en_box = (page.locator("#article-1 " + s).bounding_box() for s in (".zh", ".en"))
    assert abs(zh_box["y"] - en_box["y"]) < 2 and en_box["x"] > zh_box["x"]  # side by side
    assert page.locator(".zh mark").count() >= 3 and page.locator(".en mark").count() >= 2
    page.click(".next-match")
    page.click(".next-match")
    assert page.locator("mark.current").count() == 1
    assert page.locator("mark.current").get_attribute("id") == "match-2"
    page.click("a.back")
    page.wait_for_selector(".hit")
    assert page.input_value("input[name=q]") == "环境 environment"


def test_phone_width_has_no_horizontal_scroll(server, open_page):
    page = open_page(width=390, height=844)
    for url in [
        "/?q=国",
        "/?q=年度报告",
        "/doc/101_law?q=环境",
        "/doc/001_mofcom",
        "/about",
        "/?q=%22abc",
        "/",
    ]:
        page.goto(server + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (url, width)
    page.goto(server + "/?q=国")
    assert page.evaluate("document.querySelector('details.facets').open") is False
    facets = page.locator("details.facets").bounding_box()
    hits = page.locator(".hits").bounding_box()
    assert facets["y"] < hits["y"]  # collapsed above the hits
    page.goto(server + "/doc/101_law")
    title = page.locator("h1.en").bounding_box()
    assert title["x"] >= 0 and title["x"] + title["width"] <= 390
    zh_box, en_box = (page.locator("#article-1 " + s).bounding_box() for s in (".zh", ".en"))
    assert en_box["y"] > zh_box["y"]  # the two languages stack


def test_hostile_record_shows_as_text(server, open_page):
    page = open_page()
    page.goto(server + "/?q=脚本测试")
    assert XSS in page.inner_text(".hit")
    page.click(".hit a.title")
    page.wait_for_selector(".document")
    assert XSS in page.inner_text(".document")
    assert page.locator(".document img, .document script, .document b").count() == 0
    assert page.locator(".document a[href^='data:'], .document a[href^='javascript:']").count() == 0


def test_suggestions_fill_the_search_box_list(server, open_page):
    page = open_page()
    page.goto(server + "/")
    page.type("input[name=q]", "中华")
    page.wait_for_selector("#suggestions option", state="attached")
    options = page.eval_on_selector_all("#suggestions option", "os => os.map(o => o.value)")
    assert "中华民国史料" in options
    assert re.match(r"^http://127\.0\.0\.1:\d+/$", page.url)
