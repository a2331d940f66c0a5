"""The Flask app through its test client: pages, API, errors never 500."""

import json

import pytest


def test_home_page(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'name="q"' in page.get_data(as_text=True)


def test_search_page_shows_both_languages_with_marks(client):
    html = client.get("/?q=WTO").get_data(as_text=True)
    assert '<span id="total">2</span> results' in html
    assert "<mark>WTO</mark> accession." in html
    assert "中华人民共和国商务部发布关于<mark>WTO</mark>规则的公告。" in html
    assert 'href="/doc/001_mofcom?q=WTO"' in html


def test_facet_links_add_filters(client):
    html = client.get("/?q=%E5%9B%BD").get_data(as_text=True)  # 国
    assert 'href="?q=%E5%9B%BD+date%3A2023&amp;sort=relevance"' in html


@pytest.mark.parametrize("query, message", [
    ('"abc', "unbalanced quote"),
    ("date:2023-13", "is not a real date"),
    ("OR", "has no word before it"),
])
def test_bad_query_is_explained_not_500(client, query, message):
    page = client.get("/", query_string={"q": query})
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)


def test_pagination_links(client):
    html = client.get("/?q=date:1900..").get_data(as_text=True)
    assert "page 1 of 2" in html
    assert 'rel="next" href="?q=date%3A1900..&amp;sort=relevance&amp;page=2"' in html


def test_document_page_side_by_side(client):
    html = client.get("/doc/001_mofcom").get_data(as_text=True)
    assert '<section class="side zh" lang="zh">' in html
    assert "中华人民共和国商务部发布关于WTO规则的公告。" in html
    assert "The Ministry of Commerce of the People&#39;s Republic of China" in html


def test_unknown_document_404(client):
    assert client.get("/doc/nope").status_code == 404


def test_api(client):
    data = json.loads(client.get("/api/search?q=tariff").data)
    assert data["total"] == 2
    error = client.get("/api/search?q=%22x")
    assert error.status_code == 400
    assert json.loads(error.data)["error"].startswith("unbalanced quote")


def test_missing_index_is_503_with_help(tmp_path):
    from zhen.web import create_app
    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "none")})
    page = app.test_client().get("/?q=x")
    assert page.status_code == 503
    assert "zhen index PATH" in page.get_data(as_text=True)


def test_no_external_assets(client):
    html = client.get("/?q=WTO").get_data(as_text=True)
    assert "http://" not in html.replace("http://www.mofcom.gov.cn", "")
    assert "https://" not in html
