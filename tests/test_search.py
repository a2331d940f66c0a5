"""Search: operators, filters, sorting, paging, facets, suggestions."""

import pytest

from zhen.errors import IndexMissingError, QueryError
from zhen.search import Searcher, search

from .helpers import html


def ids(index, query, **kw):
    return [hit.id for hit in search(query, index=index, limit=50, **kw).hits]


def test_or(small_index):
    assert set(ids(small_index, "WTO OR 史料")) == {"001_mofcom", "010_wto_only", "006_simplified"}


@pytest.mark.parametrize("query", ["商务部 -公告", "商务部 NOT 公告", "商务部 -title:公告"])
def test_exclude(small_index, query):
    assert ids(small_index, query) == ["011_mofcom_only"]


def test_exclude_phrase_and_group(small_index):
    assert "001_mofcom" not in ids(small_index, 'WTO -"规则的公告"')
    assert ids(small_index, "商务部 -(公告 OR 规则)") == ["011_mofcom_only"]


def test_only_exclusions_match_everything_else(small_index):
    assert len(ids(small_index, "-国")) == 11 - len(ids(small_index, "国"))


def test_title_scope(small_index):
    assert set(ids(small_index, "title:通知")) == {"002_state_council", "011_mofcom_only"}
    assert "002_state_council" in ids(small_index, "通知")
    assert ids(small_index, "title:发布") == []


def test_language_scopes(small_index):
    assert ids(small_index, "zh:WTO") == ["001_mofcom"]
    assert set(ids(small_index, "en:WTO")) == {"001_mofcom", "010_wto_only"}
    assert ids(small_index, "en:商务部") == []


def test_site_filter_matches_host_and_parent_domain(small_index):
    assert ids(small_index, "site:www.mofcom.gov.cn") == ["001_mofcom"]
    assert ids(small_index, "site:mofcom.gov.cn") == ["001_mofcom"]
    assert ids(small_index, "国 site:law.moj.gov.tw") == ["005_traditional"]


def test_batch_filter(small_index):
    assert set(ids(small_index, "国 batch:batch-001")) == {"001_mofcom", "002_state_council"}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("date:2023", {"001_mofcom", "008_tariffs"}),
        ("date:2023-07", {"008_tariffs"}),
        ("date:2024-02-29", {"007_api"}),
        ("date:2020-01-01..2021-12-31", {"003_nlp", "004_far"}),
        ("date:2023..", {"001_mofcom", "008_tariffs", "007_api"}),
        ("date:..1950", {"005_traditional"}),
    ],
)
def test_date_filters(small_index, query, expected):
    assert set(ids(small_index, query)) == expected


def test_sort_by_date_newest_first(small_index):
    found = ids(small_index, "date:2016..", sort="date")
    assert found[:3] == ["007_api", "008_tariffs", "001_mofcom"]


def test_pagination_exact_total_and_stable(small_index):
    everything = ids(small_index, "date:1900..")
    pages = [search("date:1900..", index=small_index, limit=4, page=p) for p in (1, 2, 3)]
    assert [p.total for p in pages] == [11, 11, 11]
    assert [p.pages for p in pages] == [3, 3, 3]
    assert [h.id for p in pages for h in p.hits] == everything


def test_facets_count_the_current_query(small_index):
    result = search("国", index=small_index)
    years = {f["value"]: f["count"] for f in result.facets["year"]}
    assert years == {"2023": 1, "2022": 1, "1947": 1, "2019": 1}
    batches = {f["value"]: f["count"] for f in result.facets["batch"]}
    assert batches == {"batch-001": 2, "batch-002": 2}
    assert result.facets["site"][0]["filter"].startswith("site:")
    narrowed = search("国 " + result.facets["year"][0]["filter"], index=small_index)
    assert narrowed.total == result.facets["year"][0]["count"]


def test_did_you_mean(small_index):
    result = search("tarif", index=small_index)
    assert result.total == 0
    assert result.suggestion == "tariff"
    assert result.message == "No documents match."


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("tarrifs", "tariffs"),  # shown as documents write it, closest to what was typed
        ("comerce", "commerce"),  # the stem 'commerc' is not offered
        ("ministy", "ministry"),
    ],
)
def test_did_you_mean_offers_written_words(small_index, typed, meant):
    assert search(typed, index=small_index).suggestion == meant


def test_no_suggestion_for_known_words(small_index):
    assert search("tariff", index=small_index).suggestion is None


def test_long_question_ranks_instead_of_returning_nothing(small_index):
    result = search("中华民国的宪法是基于什么主义制定的呢", index=small_index)
    assert result.hits[0].id == "005_traditional"


def test_highlight_html_is_escaped(make_index):
    index = make_index(
        {"b": {"x": dict(title="<b>商务</b> & 部", translated_content="a <script> tariff")}}
    )
    hit = search("商务 tariff", index=index).hits[0]
    assert html(hit, "title") == "&lt;b&gt;<mark>商务</mark>&lt;/b&gt; &amp; 部"
    assert html(hit, "body_en") == "a &lt;script&gt; <mark>tariff</mark>"


def test_title_fields_are_weighted_above_bodies(make_index):
    index = make_index(
        {
            "b": {
                "body": dict(title="其他", resulting_text="关于海关的规定。"),
                "title": dict(title="海关规定", resulting_text="其他内容。"),
            }
        }
    )
    assert ids(index, "海关") == ["title", "body"]


def test_bad_query_raises_query_error(small_index):
    with pytest.raises(QueryError, match="unbalanced quote"):
        search('"abc', index=small_index)


def test_missing_index(tmp_path):
    with pytest.raises(IndexMissingError) as info:
        search("国", index=tmp_path / "none")
    assert info.value.hint.startswith("build one with: zhen index PATH")


def test_searcher_sees_new_commits(tmp_path):
    from zhen.indexer import update_index

    from .helpers import write_record

    write_record(tmp_path / "c", "a", title="第一")
    update_index([tmp_path / "c"], index=tmp_path / "ix", jobs=1)
    searcher = Searcher(tmp_path / "ix")
    assert searcher.search("第二").total == 0
    write_record(tmp_path / "c", "b", title="第二")
    update_index([tmp_path / "c"], index=tmp_path / "ix", jobs=1)
    assert searcher.search("第二").total == 1
    searcher.close()


def test_searchers_of_the_same_segments_share_their_arrays(tmp_path):
    """``zhen serve`` opens a searcher per thread: the whole-index arrays
    (field lengths, length norms, facet columns) are made once for all of
    them, and made again, right, once an update changes the segments."""
    from zhen import postings
    from zhen.indexer import update_index

    from .helpers import write_record

    write_record(tmp_path / "c", "a", title="第一", input_url="http://www.gov.cn/a")
    update_index([tmp_path / "c"], index=tmp_path / "ix", jobs=1)
    one, two = Searcher(tmp_path / "ix"), Searcher(tmp_path / "ix")
    first, second = one.whoosh_searcher(), two.whoosh_searcher()
    assert first is not second
    lengths = postings.group_lengths(first, ("title",))
    assert postings.group_lengths(second, ("title",)) is lengths
    assert one.search("第一").facets == two.search("第一").facets
    write_record(tmp_path / "c", "b", title="第二 第二", input_url="http://www.mofcom.gov.cn/b")
    update_index([tmp_path / "c"], index=tmp_path / "ix", jobs=1)
    updated = one.whoosh_searcher()
    now = postings.group_lengths(updated, ("title",))
    assert now is not lengths
    assert now.tolist() == [updated.doc_field_length(n, "title", 0) for n in range(2)]
    sites = {f["value"]: f["count"] for f in two.search("第二 OR 第一").facets["site"]}
    assert sites == {"www.gov.cn": 1, "www.mofcom.gov.cn": 1}
    one.close()
    two.close()


def test_highlight_on_full_width_text(small_index):
    hit = search("api2024", index=small_index).hits[0]
    assert html(hit, "body") == "应用接口<mark>ＡＰＩ２０２４</mark>版本。"
    assert html(hit, "body_en").startswith("The <mark>API2024</mark> specification")


def test_other_language_snippet_shows_the_same_article(tmp_path):
    from zhen.indexer import update_index

    from .helpers import write_record

    zh = "".join(f"第 {n} 條 {'一般規定' * 8}。\n" for n in range(1, 30))
    zh = zh.replace("第 17 條 一般規定", "第 17 條 海關檢查")
    en = "".join(f"Article {n} {'General provisions apply here. ' * 4}\n" for n in range(1, 30))
    en = en.replace("Article 17 General", "Article 17 Customs inspection. General")
    write_record(tmp_path / "c", "law", title="法", resulting_text=zh, translated_content=en)
    update_index([tmp_path / "c"], index=tmp_path / "ix", jobs=1)
    hit = search("海關", index=tmp_path / "ix").hits[0]
    assert "<mark>海關</mark>" in html(hit, "body")
    assert html(hit, "body_en").startswith("…Article 17 Customs inspection.")
    back = search("customs", index=tmp_path / "ix").hits[0]
    assert html(back, "body").startswith("…第 17 條 海關檢查")


def test_counterpart_falls_back_to_relative_position():
    from zhen.align import counterpart

    assert counterpart(50, "甲" * 100, "a" * 400, "zh") == 200
    assert counterpart(0, "", "abc", "zh") == 0


def test_punctuated_chinese_question_ranks_by_its_words(tmp_path):
    from zhen.indexer import update_index

    from .helpers import write_record

    write_record(
        tmp_path / "c",
        "carrier",
        title="运输规定",
        resulting_text="承运人对运输过程中货物的灭失，应当承担赔偿责任。",
    )
    write_record(tmp_path / "c", "other", title="其他", resulting_text="其他内容。")
    update_index([tmp_path / "c"], index=tmp_path / "ix", jobs=1)
    result = search("承运人把货物弄丢了，应该怎么要求赔偿？", index=tmp_path / "ix")
    assert [h.id for h in result.hits] == ["carrier"]
    assert not result.relaxed
    assert "<mark>承运人</mark>" in html(result.hits[0], "body")


def test_long_english_question_is_ranked_not_required(small_index):
    result = search("which rules apply to tariffs on imported goods", index=small_index)
    assert result.hits[0].id == "008_tariffs"
    assert not result.relaxed


@pytest.mark.parametrize(
    "query",
    [
        "国",
        "中华民国",
        "商务部 WTO",
        "tariffs",
        "the Ministry",
        "api2024",
        "WTO 规则",
        '"Ministry of Commerce"',
        "WTO OR 史料",
        "商务部 -公告",
        "title:通知",
        "en:WTO",
        "中华民国的宪法是基于什么主义制定的呢",
        "which rules apply to tariffs on imported goods",
    ],
)
@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_total_counts_every_match_in_either_sort(small_index, query, sort):
    from zhen.compiler import Compiler
    from zhen.query import parse

    searcher = Searcher(small_index)
    matching = set(searcher.whoosh_searcher().docs_for_query(Compiler().compile(parse(query))))
    result = searcher.search(query, limit=2, sort=sort)
    pages = [
        searcher.search(query, limit=2, page=p, sort=sort).hits for p in range(1, result.pages + 1)
    ]
    assert result.total == len(matching) > 0
    assert len({hit.id for page in pages for hit in page}) == result.total
    searcher.close()


def test_questions_rank_without_english_stop_words_but_phrases_keep_them():
    from zhen.compiler import Compiler
    from zhen.query import parse

    question = Compiler().compile(parse("what is the duty on the tariffs of imported goods"))
    words = {text for _, text in question.all_terms()}
    assert {"tariff", "duti", "import"} <= words and not words & {"the", "of", "is"}
    phrase = Compiler().compile(parse('"Ministry of Commerce"'))
    assert "of" in {text for _, text in phrase.all_terms()}


def test_not_excludes_the_first_candidate_too(make_index):
    """Whoosh's AndNot returned the first candidate even when excluded, if
    the excluded clause matched an earlier document (zhen.whoosh_internals)."""
    docs = {
        "b": {
            "d0": dict(title="法", resulting_text="法律。"),
            "d1": dict(title="行政", resulting_text="行政法规。"),
            "d2": dict(title="行政", resulting_text="行政机关。"),
        }
    }
    index = make_index(docs)
    for query in ("行政 -法", "行政 -法规", "行政 NOT 法规"):
        assert [h.id for h in search(query, index=index).hits] == ["d2"], query


def test_one_character_query_matches_whooshs_prefix(make_index):
    """CharacterPrefix reads the bigrams' postings whole: the same documents
    as Whoosh's Prefix, every one scoring the boost, on several segments."""
    from whoosh import query as wq

    from zhen.postings import CharacterPrefix

    from .helpers import SAMPLE

    index = make_index(paths=[SAMPLE], commit_every=40)
    searcher = Searcher(index).whoosh_searcher()
    assert len(searcher.leaf_searchers()) > 1
    chars = sorted({c for doc in searcher.all_stored_fields() for c in doc["record"]["title"]})
    checked = 0
    for char in (c for c in chars if "\u4e00" <= c <= "\u9fff"):
        ours = searcher.search(CharacterPrefix("body_x", char, boost=0.5), limit=None)
        whoosh = searcher.search(wq.Prefix("body_x", char), limit=None)
        assert sorted(h.docnum for h in ours) == sorted(h.docnum for h in whoosh), char
        assert {h.score for h in ours} <= {0.5}
        checked += len(ours)
    assert checked > 1000
