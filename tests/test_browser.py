"""The real app in a real headless Chromium (Debian's, driven by Playwright)."""

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from zhen.web import create_app

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian chromium"),
]


@pytest.fixture(scope="module")
def server(small_index):
    app = create_app({"INDEX": str(small_index)})
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page()
        yield page
        browser.close()


def test_search_from_the_box_and_open_a_document(server, page):
    page.goto(server + "/")
    page.fill("input[name=q]", "中華民國")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    assert page.inner_text("#total") == "2"
    marks = page.locator(".hit mark").all_inner_texts()
    assert "中華民國" in marks and "中华民国" in marks
    page.click("text=中華民國憲法")
    page.wait_for_selector(".sides")
    assert "Constitution of the Republic of China" in page.inner_text(".side.en h1")


def test_bad_query_shows_explanation(server, page):
    page.goto(server + "/?q=%22abc")
    assert "unbalanced quote" in page.inner_text(".error")
