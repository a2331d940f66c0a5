"""A cluster that can answer for only part of an index (a red shard) gives
an error, never a short answer: totals, facets and the ranking would
silently leave out the documents of the missing shards (issue 12)."""

import time

import pytest
from click.testing import CliRunner

from zhen.cli import cli
from zhen.corpus import read_corpus
from zhen.engines.opensearch.errors import EngineUnavailableError
from zhen.engines.opensearch.mapping import index_body, point_alias
from zhen.engines.opensearch.searcher import ClusterSearcher
from zhen.engines.opensearch.writer import BulkWriter

from .search_node import cluster_url, opensearch_client, opensearch_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.cluster


def _health(client, index, **wait):
    """Cluster health of ``index`` once ``wait`` holds (60 s at most)."""
    query = "&".join(f"{k}={v}" for k, v in wait.items())  # params' "timeout" is the client's
    return client.transport.perform_request(
        "GET", f"/_cluster/health/{index}?timeout=60s&{query}", params={"request_timeout": 90}
    )


def _red_index(client, alias, docs):
    """A zhen index of two shards of which only one can be assigned (at most
    one shard per node, on a one-node cluster: the other primary stays
    unassigned, the index red), holding the documents that route to the
    assigned shard; (the index's name, the documents in it)."""
    name = f"{alias}-000001"
    body = index_body(shards=2)
    body["settings"]["index"]["routing.allocation.total_shards_per_node"] = 1
    client.indices.create(index=name, body=body, params={"wait_for_active_shards": "0"})
    _health(client, name, wait_for_active_shards="1")
    shards = client.cat.shards(index=name, format="json")
    live = {int(s["shard"]) for s in shards if s["state"] == "STARTED"}
    assert len(live) == 1 and len(shards) == 2, shards

    def on_live_shard(doc_id):  # the copies of the shard the id routes to
        found = client.transport.perform_request(
            "GET", f"/{name}/_search_shards", params={"routing": doc_id}
        )
        return any(copy["state"] == "STARTED" for copy in found["shards"][0])

    kept = [doc for doc in docs if on_live_shard(doc.id)]
    assert 0 < len(kept) < len(docs)
    report = BulkWriter(client, name).index_documents(kept)
    assert not report.failures
    # No explicit refresh: it waits for the missing shard; the periodic one
    # (every second) makes the documents visible.
    for _ in range(60):
        if client.count(index=name)["count"] == len(kept):
            break
        time.sleep(0.5)
    point_alias(client, alias, name)
    return name, kept


def test_a_red_shard_is_an_error_not_a_short_answer(cluster_url, small_corpus, opensearch_client):
    client, alias = opensearch_client, cluster_url.rsplit("/", 1)[1]
    docs, _ = read_corpus([small_corpus])
    name, kept = _red_index(client, alias, docs)
    raw = client.search(index=alias, body={"query": {"match_all": {}}})["_shards"]
    # OpenSearch counts the missing shard in no column but total (failed 0),
    # Elasticsearch as failed: zhen must catch both.
    assert raw["total"] == 2 and raw["successful"] == 1, raw

    searcher = ClusterSearcher(cluster_url)
    try:
        with pytest.raises(EngineUnavailableError, match="1 of 2 shards") as info:
            searcher.search("国")
        assert "health" in info.value.hint
        with pytest.raises(EngineUnavailableError, match="1 of 2 shards"):
            searcher.search("环境保护公益诉讼应当提交哪些材料？")  # a question, ranked apart
        result = CliRunner().invoke(cli, ["search", "--index", cluster_url, "国"])
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: only part of the index")
        assert "Traceback" not in result.output

        # The missing shard allowed back (empty): every shard answers again.
        client.indices.put_settings(
            index=name, body={"index.routing.allocation.total_shards_per_node": 2}
        )
        _health(client, name, wait_for_status="green")
        found = searcher.search("NOT zzqqxx", limit=50)
        assert found.total == len(kept)
    finally:
        searcher.close()
