"""The OpenSearch engine (zhen/engines/opensearch): mapping, writer and
compiler, first without a cluster, then against a real node, where every
query must match exactly the documents Whoosh matches on the same corpus."""

import os
import threading
import time
from http.server import HTTPServer, SimpleHTTPRequestHandler

import pytest
from whoosh import query as wq

from zhen.compiler import Compiler
from zhen.corpus import read_corpus
from zhen.engines.opensearch.compiler import DslCompiler, to_dsl
from zhen.engines.opensearch.mapping import (
    NotACluster,
    alias_targets,
    create_index,
    detect_engine,
    fingerprint,
    index_body,
    point_alias,
    stored_fingerprint,
)
from zhen.engines.opensearch.ranking import rank_fields
from zhen.engines.opensearch.writer import FILLER, BulkWriter, known_hashes, wire_terms
from zhen.query import parse
from zhen.schema import build_schema, char_field
from zhen.search import Searcher

from .helpers import SAMPLE, html
from .search_node import cluster_url, opensearch_client, opensearch_url  # noqa: F401  (fixtures)

QUERIES = [
    "商务部",
    "国",
    "人民",
    '"语言处理"',
    '"Ministry of Commerce"',
    "tariff",
    "tariffs",
    "WTO OR 世贸",
    "商务部 -通知",
    "NOT 通知",
    "title:商务部",
    "zh:通知",
    "en:commerce",
    "date:2023",
    "date:2020..",
    "date:..2019-12-31",
    "site:gov.cn",
    "site:mofcom.gov.cn",
    "batch:batch-001",
    "通知 date:2022..2023",
    "环境保护公益诉讼应当提交哪些材料？",
    "which rules apply to tariffs on imports",
    '"中华人民共和国" OR "People\'s Republic"',
    "C++",
    "2024",
    "中華民國",
    "(WTO OR 世贸) 规则",
    "外商投资",
    "中华人民共和国",
    "国务院 通知",
]


class _Gappy:
    """An analyzer stand-in whose terms leave position 1 empty."""

    def terms(self, runs, removestops=True):
        return [("a", 0, 0, 1), ("c", 2, 2, 3)]


class _Overlapping:
    def terms(self, runs, removestops=True):
        return [("a", 0, 0, 1), ("b", 0, 0, 1)]


def test_every_schema_field_is_mapped():
    properties = index_body()["mappings"]["properties"]
    ranking = {name for name in properties if name.startswith("rank_")}
    # the embedded engine's character twins: the cluster's are ranking fields
    twins = {name for name in build_schema().names() if char_field(name[:-1]) == name}
    assert twins == {"title_xc", "body_xc"}
    assert set(build_schema().names()) - twins == set(properties) - ranking
    assert ranking == set(rank_fields())  # the question ranker's (tests/test_opensearch_ranking.py)


def test_wire_terms_keeps_positions():
    analyzer = build_schema()["body_x"].analyzer
    assert wire_terms(analyzer, "语言，处理 C++") == "语言 言 处理 理 c++"
    assert wire_terms(_Gappy(), "x") == f"a {FILLER} c"
    with pytest.raises(ValueError):
        wire_terms(_Overlapping(), "x")


def test_compiler_renders_every_node():
    assert to_dsl(wq.NullQuery) == {"match_none": {}}
    long_word = "a" * 300
    assert to_dsl(wq.Term("body_en", long_word)) == {
        "match_phrase": {"body_en": {"query": long_word}}
    }
    assert to_dsl(wq.Term("site_tags", long_word))["term"]
    assert to_dsl(wq.And([wq.Term("a", "b"), wq.NullQuery])) == {"match_none": {}}
    for text in QUERIES:
        for loose in (False, True):
            DslCompiler().compile(parse(text), loose=loose)  # never raises


def test_lost_nodes_and_busy_clusters_are_retried_bad_queries_not():
    """A search that failed on the server's side while a node was lost (500,
    ``search_phase_execution_exception``: seen when a node of a three-node
    cluster was killed mid-search) is tried again; the same error for a bad
    query (400) and other server errors are not."""
    from opensearchpy.exceptions import ConnectionError as Unreachable
    from opensearchpy.exceptions import TransportError

    from zhen.engines.opensearch.answers import PartialAnswer, retryable

    assert retryable(TransportError(500, "search_phase_execution_exception", {}))
    assert retryable(TransportError(503, "unavailable_shards_exception", {}))
    assert retryable(Unreachable("N/A", "refused", None))
    assert retryable(PartialAnswer("2 of 3 shards"))
    assert not retryable(TransportError(400, "search_phase_execution_exception", {}))
    assert not retryable(TransportError(500, "illegal_state_exception", {}))
    assert retryable(TransportError(404, "index_not_found_exception", {}))
    assert not retryable(TransportError(404, "document_missing_exception", {}))


def test_detect_engine_refuses_other_servers():
    """A web server that is not a cluster gets a clear error, not a guess."""
    server = HTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(NotACluster):
            detect_engine(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()


# -- against a real node ---------------------------------------------------


@pytest.fixture(scope="module")
def sample_cluster_index(opensearch_url):
    """The sample corpus in an OpenSearch index behind an alias."""
    from opensearchpy import OpenSearch

    client = OpenSearch(opensearch_url, timeout=60)
    alias, index = "zhen-sample", "zhen-sample-000001"
    client.indices.delete(index=index, ignore_unavailable=True)
    create_index(client, index)
    point_alias(client, alias, index)
    docs, _ = read_corpus([SAMPLE])
    report = BulkWriter(client, alias, chunk_docs=100).index_documents(docs)
    client.indices.refresh(index=alias)
    yield client, alias, docs, report
    client.indices.delete(index=index, ignore_unavailable=True)
    client.close()


def _cluster_ids(client, alias, dsl):
    body = {"query": dsl, "size": 1000, "_source": False, "track_total_hits": True}
    hits = client.search(index=alias, body=body)["hits"]
    assert hits["total"]["relation"] == "eq"
    return {hit["_id"] for hit in hits["hits"]}


@pytest.mark.cluster
def test_detects_the_engine(opensearch_url):
    """OpenSearch, unless ZHEN_TEST_ENGINE names the cluster given by
    ZHEN_TEST_OPENSEARCH_URL (the same tests run on Elasticsearch)."""
    expected = os.environ.get("ZHEN_TEST_ENGINE", "opensearch")
    assert detect_engine(opensearch_url) == expected


@pytest.mark.cluster
def test_bulk_indexes_the_sample_corpus(sample_cluster_index):
    client, alias, docs, report = sample_cluster_index
    assert report.failures == [] and report.indexed == len(docs)
    assert known_hashes(client, alias, page=50) == {d.id: d.content_hash for d in docs}
    assert stored_fingerprint(client.indices.get_mapping(index=alias)) == fingerprint()


@pytest.mark.cluster
@pytest.mark.parametrize("loose", [False, True])
def test_same_matches_as_whoosh(sample_cluster_index, sample_index, loose):
    client, alias, _, _ = sample_cluster_index
    searcher = Searcher(sample_index).whoosh_searcher()
    whoosh, dsl = Compiler(), DslCompiler()
    for text in QUERIES:
        tree = parse(text)
        expected = {hit["id"] for hit in searcher.search(whoosh.compile(tree, loose), limit=None)}
        assert _cluster_ids(client, alias, dsl.compile(tree, loose)) == expected, text


@pytest.mark.cluster
def test_per_document_errors_deletes_and_alias_switch(opensearch_client):
    client, names = opensearch_client, "zhen-life-1,zhen-life-2"
    client.indices.delete(index=names, ignore_unavailable=True)
    docs, _ = read_corpus([SAMPLE])
    for name in names.split(","):
        create_index(client, name)
    point_alias(client, "zhen-life", "zhen-life-1")
    try:
        client.indices.put_settings(index="zhen-life-2", body={"index.blocks.write": True})
        refused = BulkWriter(client, "zhen-life-2", retries=0).index_documents(docs[:3])
        assert [f.id for f in refused.failures] == [d.id for d in docs[:3]]
        assert refused.failures[0].status == 403
        writer = BulkWriter(client, "zhen-life")
        writer.index_documents(docs[:5])
        report = writer.delete_ids([docs[0].id, "no-such-id"])
        assert (report.indexed, report.deleted, report.not_found) == (5, 1, 1)
        client.indices.refresh(index="zhen-life")
        assert set(known_hashes(client, "zhen-life")) == {d.id for d in docs[1:5]}
        point_alias(client, "zhen-life", "zhen-life-2")
        assert alias_targets(client, "zhen-life") == ["zhen-life-2"]
    finally:  # by name: Elasticsearch refuses wildcards in deletes
        client.indices.delete(index=names, ignore_unavailable=True)


# -- the engine: ClusterSearcher and update_cluster_index -----------------------

from zhen.engines.opensearch import indexer as cluster_indexer  # noqa: E402
from zhen.engines.opensearch import lock as cluster_lock  # noqa: E402
from zhen.engines.opensearch.errors import EngineUnavailableError  # noqa: E402
from zhen.engines.opensearch.indexer import update_cluster_index  # noqa: E402
from zhen.engines.opensearch.searcher import ClusterSearcher  # noqa: E402
from zhen.errors import DocumentNotFoundError, IndexLockedError, QueryError, SettingsMismatchError  # noqa: E402

from .helpers import write_corpus, write_record  # noqa: E402

ENGINES = ["whoosh", "opensearch"]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, small_corpus, small_index):
    """A searcher of the small corpus DOCS on each engine: every acceptance
    case below must give the same answer on both."""
    if request.param == "whoosh":
        searcher = Searcher(small_index)
    else:
        url = request.getfixturevalue("opensearch_url") + "/zhen-accept"
        update_cluster_index([small_corpus], url, rebuild=True)
        searcher = ClusterSearcher(url)
    yield searcher
    searcher.close()


def _ids(engine, query, **kw):
    return [hit.id for hit in engine.search(query, limit=50, **kw).hits]


MATCHES = [
    ('"Ministry of Commerce"', {"001_mofcom"}),
    ('"语言处理"', {"003_nlp"}),
    ("语言处理", {"003_nlp"}),
    ("人民", {"001_mofcom", "002_state_council"}),
    ("国", {"001_mofcom", "002_state_council", "005_traditional", "006_simplified"}),
    ("中華民國", {"005_traditional", "006_simplified"}),
    ("中华民国", {"005_traditional", "006_simplified"}),
    ("tariffs", {"007_api", "008_tariffs"}),
    ("tariff", {"007_api", "008_tariffs"}),
    ("WTO OR 史料", {"001_mofcom", "010_wto_only", "006_simplified"}),
    ("商务部 -公告", {"011_mofcom_only"}),
    ("商务部 -(公告 OR 规则)", {"011_mofcom_only"}),
    ("title:通知", {"002_state_council", "011_mofcom_only"}),
    ("zh:WTO", {"001_mofcom"}),
    ("en:WTO", {"001_mofcom", "010_wto_only"}),
    ("api2024", {"007_api"}),
    ("site:mofcom.gov.cn", {"001_mofcom"}),
    ("国 site:law.moj.gov.tw", {"005_traditional"}),
    ("国 batch:batch-001", {"001_mofcom", "002_state_council"}),
    ("date:2023", {"001_mofcom", "008_tariffs"}),
    ("date:2024-02-29", {"007_api"}),
    ("date:2020-01-01..2021-12-31", {"003_nlp", "004_far"}),
    ("date:..1950", {"005_traditional"}),
    ("title:发布", set()),
]


@pytest.mark.cluster
@pytest.mark.parametrize("query, expected", MATCHES)
def test_matches(engine, query, expected):
    result = engine.search(query, limit=50)
    assert {hit.id for hit in result.hits} == expected
    assert (result.total, result.total_relation) == (len(expected), "eq")


@pytest.mark.cluster
def test_ranking_sort_and_paging(engine):
    assert _ids(engine, "商务部")[0] == "011_mofcom_only"  # title and body
    question = "中华民国的宪法是基于什么主义制定的呢"
    assert _ids(engine, question)[0] == "005_traditional"
    assert _ids(engine, "which rules apply to tariffs on imported goods")[0] == "008_tariffs"
    assert _ids(engine, "date:2016..", sort="date")[:3] == ["007_api", "008_tariffs", "001_mofcom"]
    everything = _ids(engine, "date:1900..", sort="date")
    pages = [engine.search("date:1900..", limit=4, page=p, sort="date") for p in (1, 2, 3)]
    assert [(p.total, p.pages) for p in pages] == [(11, 3)] * 3
    assert [h.id for p in pages for h in p.hits] == everything
    past = engine.search("date:1900..", limit=4, page=9)
    assert past.hits == [] and past.message.startswith("Page 9 is past the end")


@pytest.mark.cluster
def test_facets(engine):
    result = engine.search("国")
    assert result.facets["year"] == [
        {"value": y, "count": 1, "filter": f"date:{y}"} for y in ("2023", "2022", "2019", "1947")
    ]
    assert result.facets["batch"] == [
        {"value": "batch-001", "count": 2, "filter": "batch:batch-001"},
        {"value": "batch-002", "count": 2, "filter": "batch:batch-002"},
    ]
    assert {f["value"] for f in result.facets["site"]} == {
        "www.mofcom.gov.cn",
        "www.gov.cn",
        "law.moj.gov.tw",
    }
    narrowed = engine.search("国 " + result.facets["year"][0]["filter"])
    assert narrowed.total == 1


@pytest.mark.cluster
def test_relaxed_retry_and_messages(engine):
    result = engine.search("商务部 关税")
    assert result.relaxed and result.total == 3
    assert result.message.startswith("No document has all the words")
    none = engine.search("不存在的词语")
    assert (none.total, none.message, none.hits) == (0, "No documents match.", [])


@pytest.mark.cluster
def test_highlights(engine):
    hit = engine.search("api2024").hits[0]
    assert html(hit, "body") == "应用接口<mark>ＡＰＩ２０２４</mark>版本。"
    assert html(hit, "body_en").startswith("The <mark>API2024</mark> specification")
    assert hit.matched == ["body", "body_en"]
    (first,) = [h for h in engine.search("中华民国").hits if h.id == "005_traditional"]
    assert html(first, "title") == "<mark>中華民國</mark>憲法"
    assert (first.date, first.site, first.batch) == ("1947-01-01", "law.moj.gov.tw", "batch-002")


@pytest.mark.cluster
def test_query_errors_and_documents(engine):
    with pytest.raises(QueryError, match="unbalanced quote"):
        engine.search('"abc')
    with pytest.raises(QueryError):
        engine.search("国", sort="title")
    with pytest.raises(QueryError):
        engine.search("国", page=0)
    record = engine.document("001_mofcom")
    assert (record["id"], record["batch"], record["title"]) == (
        "001_mofcom",
        "batch-001",
        "中华人民共和国商务部公告",
    )
    with pytest.raises(DocumentNotFoundError):
        engine.document("no-such-id")


@pytest.mark.cluster
def test_same_results_as_whoosh(small_corpus, small_index, opensearch_url):
    """Beyond the cases: for each query, the same total, facets and (for
    the same document) the same highlights on both engines."""
    url = opensearch_url + "/zhen-parity"
    update_cluster_index([small_corpus], url, rebuild=True)
    whoosh, cluster = Searcher(small_index), ClusterSearcher(url)
    try:
        for query in [q for q, _ in MATCHES] + ["商务部 WTO", "the Ministry", "-国"]:
            a, b = whoosh.search(query, limit=50), cluster.search(query, limit=50)
            assert (a.total, a.pages, a.facets, a.relaxed, a.message) == (
                b.total,
                b.pages,
                b.facets,
                b.relaxed,
                b.message,
            ), query
            by_id = {hit.id: hit for hit in b.hits}
            for hit in a.hits:
                other = by_id[hit.id]
                assert (hit.fragments, hit.matched, hit.title, hit.date, hit.url) == (
                    other.fragments,
                    other.matched,
                    other.title,
                    other.date,
                    other.url,
                ), (query, hit.id)
    finally:
        whoosh.close()
        cluster.close()


@pytest.mark.cluster
def test_deep_pages_use_search_after(opensearch_url, small_corpus, monkeypatch):
    from zhen.engines.opensearch import searcher as module

    url = opensearch_url + "/zhen-deep"
    update_cluster_index([small_corpus], url, rebuild=True)
    cluster = ClusterSearcher(url)
    shallow = [
        h.id
        for p in (1, 2, 3, 4)
        for h in cluster.search("date:1900..", limit=3, page=p, sort="date").hits
    ]
    monkeypatch.setattr(module, "RESULT_WINDOW", 4)  # every page past 1 is "deep"
    deep = [
        h.id
        for p in (1, 2, 3, 4)
        for h in cluster.search("date:1900..", limit=3, page=p, sort="date").hits
    ]
    result = cluster.search("国", limit=3, page=2)
    assert deep == shallow and len(deep) == 11
    assert result.total == 4 and len(result.hits) == 1
    cluster.close()


# -- indexing -------------------------------------------------------------------


def _counts(report):
    return {
        k: getattr(report, k)
        for k in ("added", "updated", "unchanged", "removed", "missing", "failed", "documents")
    }


@pytest.mark.cluster
def test_incremental_updates(cluster_url, tmp_path):
    root = write_corpus(tmp_path / "c")
    first = update_cluster_index([root], cluster_url)
    assert _counts(first) == dict(
        added=11, updated=0, unchanged=0, removed=0, missing=0, failed=0, documents=11
    )
    write_record(root / "batch-003", "012_new", title="新批次", resulting_text="海关新规定。")
    write_record(
        root / "batch-002",
        "011_mofcom_only",
        title="商务部通知（修订）",
        resulting_text="商务部再次发布通知。",
        date="2016-01-02",
    )
    second = update_cluster_index([root], cluster_url)
    assert (second.added, second.updated, second.unchanged, second.documents) == (1, 1, 10, 12)
    searcher = ClusterSearcher(cluster_url)
    assert _ids(searcher, "海关") == ["012_new"]
    assert _ids(searcher, "修订") == ["011_mofcom_only"]
    (root / "batch-001" / "003_nlp.txt").unlink()
    kept = update_cluster_index([root], cluster_url)
    assert (kept.missing, kept.removed, kept.documents) == (1, 0, 12)
    assert _ids(searcher, "自然语言") == ["003_nlp"]
    pruned = update_cluster_index([root], cluster_url, prune=True)
    assert (pruned.missing, pruned.removed, pruned.documents) == (0, 1, 11)
    assert _ids(searcher, "自然语言") == []
    searcher.close()


@pytest.mark.cluster
def test_rebuild_while_searching(cluster_url, small_corpus):
    """Searches running through two rebuilds never fail nor come back empty:
    the alias moves in one call and a search that meets the deleted old
    index is retried."""
    update_cluster_index([small_corpus], cluster_url)
    searcher, failures, totals = ClusterSearcher(cluster_url), [], []
    done = threading.Event()

    def search_loop():
        while not done.is_set():
            try:
                totals.append(searcher.search("国").total)
            except Exception as exc:  # noqa: BLE001  (recorded, then asserted)
                failures.append(repr(exc))

    thread = threading.Thread(target=search_loop)
    thread.start()
    try:
        for _ in range(2):
            report = update_cluster_index([small_corpus], cluster_url, rebuild=True)
            assert report.rebuilt and report.added == 11
    finally:
        done.set()
        thread.join()
        searcher.close()
    assert failures == [] and len(totals) > 5 and set(totals) == {4}


@pytest.mark.cluster
def test_killed_rebuild_is_resumed(cluster_url, small_corpus, monkeypatch, opensearch_client):
    update_cluster_index([small_corpus], cluster_url)
    alias = cluster_url.rsplit("/", 1)[1]

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cluster_indexer, "switch", killed)
    with pytest.raises(KeyboardInterrupt):
        update_cluster_index([small_corpus], cluster_url, rebuild=True)
    monkeypatch.undo()
    assert alias_targets(opensearch_client, alias) == [f"{alias}-000001"]
    resumed = update_cluster_index([small_corpus], cluster_url, rebuild=True)
    assert (resumed.added, resumed.unchanged, resumed.documents) == (0, 11, 11)
    assert alias_targets(opensearch_client, alias) == [f"{alias}-000002"]
    assert sorted(opensearch_client.indices.get(index=f"{alias}-*")) == [f"{alias}-000002"]


@pytest.mark.cluster
def test_one_writer_at_a_time(cluster_url, small_corpus, opensearch_client, monkeypatch):
    alias = cluster_url.rsplit("/", 1)[1]
    update_cluster_index([small_corpus], cluster_url)
    holder = cluster_lock.ClusterLock(opensearch_client, alias)
    with holder:
        with pytest.raises(IndexLockedError, match=f"pid {os.getpid()}") as info:
            update_cluster_index([small_corpus], cluster_url)
        assert "--wait" in info.value.hint
        release = threading.Timer(1.5, lambda: holder.__exit__(None, None, None))
        release.start()
        waited = update_cluster_index([small_corpus], cluster_url, wait=True)
        assert waited.unchanged == 11
    # a dead writer's lock (no heartbeat for LOCK_TTL seconds) is taken over
    opensearch_client.index(
        index=cluster_lock.LOCKS_INDEX,
        id=alias,
        refresh=True,
        body={"owner": "pid 1 on elsewhere", "heartbeat": 0},
    )
    with pytest.raises(IndexLockedError, match="pid 1 on elsewhere"):
        monkeypatch.setattr(cluster_lock, "LOCK_TTL", 10**12)
        update_cluster_index([small_corpus], cluster_url)
    monkeypatch.setattr(cluster_lock, "LOCK_TTL", 60)
    assert update_cluster_index([small_corpus], cluster_url).unchanged == 11
    assert not opensearch_client.exists(index=cluster_lock.LOCKS_INDEX, id=alias)


@pytest.mark.cluster
def test_lock_taken_over_is_noticed(opensearch_client):
    """A writer that stalled past the TTL finds out at its next heartbeat
    and stops before writing on."""
    first = cluster_lock.ClusterLock(opensearch_client, "zhen-t-takeover", ttl=0.4)
    with first:
        first._stop.set()  # stalled: no more heartbeats
        first._beat.join()
        time.sleep(0.5)
        with cluster_lock.ClusterLock(opensearch_client, "zhen-t-takeover", ttl=0.4):
            assert not first.beat()
            with pytest.raises(IndexLockedError, match="taken over by pid"):
                first.check()
    assert not opensearch_client.exists(index=cluster_lock.LOCKS_INDEX, id="zhen-t-takeover")


@pytest.mark.cluster
def test_bulk_error_reported_with_its_file(cluster_url, tmp_path):
    root = tmp_path / "c"
    write_record(root, "ok", title="好")
    bad = write_record(root, "huge", title="大", input_url="http://" + "a" * 40000 + ".com/")
    report = update_cluster_index([root], cluster_url)
    assert (report.added, report.failed, report.documents) == (1, 1, 1)
    (problem,) = report.problems
    assert problem.file == str(bad) and "refused" in problem.message
    # the engine's reason, in its words ("immense term" on OpenSearch,
    # "failed to parse field [site]" on Elasticsearch)
    assert "immense term" in problem.message or "failed to parse" in problem.message


@pytest.mark.cluster
def test_settings_mismatch_and_bad_urls(cluster_url, small_corpus, opensearch_client):
    update_cluster_index([small_corpus], cluster_url)
    alias = cluster_url.rsplit("/", 1)[1]
    old = dict(fingerprint(), analysis="zhen-analysis-1")
    opensearch_client.indices.put_mapping(index=alias, body={"_meta": {"zhen": old}})
    with pytest.raises(SettingsMismatchError, match="analysis changed") as info:
        update_cluster_index([small_corpus], cluster_url)
    assert info.value.hint.startswith("run: zhen index --rebuild")
    with pytest.raises(SettingsMismatchError):
        ClusterSearcher(cluster_url).search("国")
    assert update_cluster_index([small_corpus], cluster_url, rebuild=True).added == 11
    for url in ("http://127.0.0.1:1/zhen", "ftp://x/zhen", "http://127.0.0.1:9200/Zhen"):
        with pytest.raises(EngineUnavailableError):
            update_cluster_index([small_corpus], url)
    with pytest.raises(EngineUnavailableError, match="cannot reach"):
        ClusterSearcher("http://127.0.0.1:1/zhen").search("国")


@pytest.mark.cluster
def test_a_web_server_is_not_a_cluster(small_corpus):
    server = HTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/zhen"
        with pytest.raises(EngineUnavailableError, match="not an OpenSearch"):
            update_cluster_index([small_corpus], url)
        with pytest.raises(EngineUnavailableError, match="not an OpenSearch"):
            ClusterSearcher(url).search("国")
    finally:
        server.shutdown()
        server.server_close()


# -- the command line: one setting moves zhen onto the cluster ------------------


@pytest.mark.cluster
def test_cli_index_search_show_on_a_cluster_url(cluster_url, small_corpus, small_index):
    import json

    from click.testing import CliRunner

    from zhen.cli import cli

    runner = CliRunner()
    built = runner.invoke(
        cli, ["index", "--index", cluster_url, "--shards", "2", "--json", str(small_corpus)]
    )
    assert built.exit_code == 0, built.output
    assert json.loads(built.output)["documents"] == 11
    for query in ("中华民国", '"Ministry of Commerce"', "国 date:2020..", "tariffs"):
        on_cluster = runner.invoke(cli, ["search", "--index", cluster_url, "--json", query])
        embedded = runner.invoke(cli, ["search", "--index", str(small_index), "--json", query])
        a, b = json.loads(on_cluster.output), json.loads(embedded.output)
        assert (a["total"], sorted(h["id"] for h in a["hits"])) == (
            b["total"],
            sorted(h["id"] for h in b["hits"]),
        ), query
    shown = runner.invoke(cli, ["show", "--index", cluster_url, "--json", "001_mofcom"])
    assert json.loads(shown.output)["site"] == "www.mofcom.gov.cn"
    bad = runner.invoke(cli, ["search", "--index", cluster_url, '"unclosed'])
    assert bad.exit_code == 2


def test_cli_refuses_shards_for_a_folder(tmp_path, small_corpus):
    from click.testing import CliRunner

    from zhen.cli import cli

    result = CliRunner().invoke(
        cli, ["index", "--index", str(tmp_path / "ix"), "--shards", "2", str(small_corpus)]
    )
    assert result.exit_code == 1
    assert "--shards and --replicas are for a cluster index" in result.output


def test_cli_unreachable_cluster_is_a_clear_error():
    from click.testing import CliRunner

    from zhen.cli import cli

    result = CliRunner().invoke(cli, ["search", "--index", "http://127.0.0.1:9/none", "国"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "Traceback" not in result.output
