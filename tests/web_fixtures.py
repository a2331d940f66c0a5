"""Fixtures for the web tests: the small corpus plus documents that exercise
the pages (an aligned law, hostile markup and URLs, many years)."""

import pytest

from zhen.indexer import update_index
from zhen.web import create_app

from .helpers import DOCS, write_corpus

LAW_ZH = (
    "第 一 章 總則\n"
    "第 1 條 為保護環境，特制定本法。\n"
    "第 2 條 本法所稱主管機關：在中央為環境部。\n"
    "依第 1 條規定辦理。\n"
    "第 2-1 條 環境教育應普及。\n"
    "第 3 條 （刪除）\n"
)
LAW_EN = (
    "Chapter 1 General Provisions\n"
    "Article 1 This Act is enacted to protect the environment.\n"
    "Article 2 The competent authority is the Ministry of Environment.\n"
    "Article 2-1 Environmental education shall be promoted.\n"
    "Article 3 (Deleted)\n"
)
XSS = "<img src=x onerror=alert(1)>"

WEB_DOCS = {
    **DOCS,
    "batch-003": {
        "101_law": dict(
            title="環境基本法",
            resulting_text=LAW_ZH,
            translated_title="Environmental Basic Act",
            translated_content=LAW_EN,
            date="2021-01-20 00:00:00",
            input_url="20210120000000/javascript:alert(1)",
            returned_url="https://law.moj.gov.tw/ENG/LawAll.aspx?pcode=O0100001",
        ),
        "102_xss": dict(
            title=XSS + "标题",
            resulting_text=XSS + " 脚本测试。",
            translated_title="<b>bold</b> title",
            translated_content="script test " + XSS,
            input_url="data:text/html,<script>alert(1)</script>",
            date="2020-02-02",
        ),
        **{
            f"2{i:02d}_report": dict(
                title=f"年度报告{i}", resulting_text="年度报告全文。", date=f"{1990 + i}-06-30"
            )
            for i in range(15)
        },
    },
}


@pytest.fixture(scope="session")
def web_index(tmp_path_factory):
    corpus = write_corpus(tmp_path_factory.mktemp("web_corpus"), WEB_DOCS)
    index = tmp_path_factory.mktemp("web_index")
    update_index([corpus], index=index, jobs=1)
    return index


@pytest.fixture
def web_app(web_index):
    return create_app({"TESTING": True, "INDEX": str(web_index)})


@pytest.fixture
def web(web_app):
    """A test client of the app over the web corpus, English interface."""
    client = web_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    return client


@pytest.fixture
def web_zh(web_app):
    """The same, Chinese interface (from Accept-Language)."""
    client = web_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9,en;q=0.5"
    return client
