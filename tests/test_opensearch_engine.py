"""The OpenSearch engine (zhen/engines/opensearch): mapping, writer and
compiler, first without a cluster, then against a real node, where every
query must match exactly the documents Whoosh matches on the same corpus."""

import os
import threading
from http.server import HTTPServer, SimpleHTTPRequestHandler

import pytest
from whoosh import query as wq

from zhen.compiler import Compiler
from zhen.corpus import read_corpus
from zhen.engines.opensearch.compiler import DslCompiler, to_dsl
from zhen.engines.opensearch.mapping import (NotACluster, alias_targets,
                                             create_index, detect_engine,
                                             fingerprint, index_body,
                                             point_alias, stored_fingerprint)
from zhen.engines.opensearch.writer import (FILLER, BulkWriter, known_hashes,
                                            wire_terms)
from zhen.query import parse
from zhen.schema import build_schema
from zhen.search import Searcher

from .helpers import SAMPLE
from .search_node import opensearch_client, opensearch_url  # noqa: F401  (fixtures)

QUERIES = [
    "商务部", "国", "人民", '"语言处理"', '"Ministry of Commerce"', "tariff", "tariffs",
    "WTO OR 世贸", "商务部 -通知", "NOT 通知", "title:商务部", "zh:通知", "en:commerce",
    "date:2023", "date:2020..", "date:..2019-12-31", "site:gov.cn", "site:mofcom.gov.cn",
    "batch:batch-001", "通知 date:2022..2023", "环境保护公益诉讼应当提交哪些材料？",
    "which rules apply to tariffs on imports", '"中华人民共和国" OR "People\'s Republic"',
    "C++", "2024", "中華民國", "(WTO OR 世贸) 规则", "外商投资", "中华人民共和国", "国务院 通知",
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
    assert set(build_schema().names()) == set(properties)


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
        "match_phrase": {"body_en": {"query": long_word}}}
    assert to_dsl(wq.Term("site_tags", long_word))["term"]
    assert to_dsl(wq.And([wq.Term("a", "b"), wq.NullQuery])) == {"match_none": {}}
    for text in QUERIES:
        for loose in (False, True):
            DslCompiler().compile(parse(text), loose=loose)  # never raises


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
    searcher = Searcher(sample_index).searcher()
    whoosh, dsl = Compiler(), DslCompiler()
    for text in QUERIES:
        tree = parse(text)
        expected = {hit["id"] for hit in
                    searcher.search(whoosh.compile(tree, loose), limit=None)}
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
        client.indices.put_settings(index="zhen-life-2",
                                    body={"index.blocks.write": True})
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
