"""``zhen stats`` and "did you mean" on a cluster index: the same answers as
the embedded engine gives for the same corpus (issue 12)."""

import json

import pytest
from click.testing import CliRunner

from zhen.cli import cli
from zhen.engines.opensearch.indexer import update_cluster_index
from zhen.engines.opensearch.searcher import ClusterSearcher
from zhen.search import Searcher

from .search_node import cluster_url, opensearch_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.cluster


def _stats(*args):
    result = CliRunner().invoke(cli, ["stats", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_stats_of_a_cluster_index(cluster_url, small_corpus, small_index):
    missing = CliRunner().invoke(cli, ["stats", "--index", cluster_url])
    assert missing.exit_code == 1 and missing.output.startswith("Error: no index at")
    update_cluster_index([small_corpus], cluster_url, shards=2)
    cluster = json.loads(_stats("--index", cluster_url, "--json"))
    embedded = json.loads(_stats("--index", str(small_index), "--json"))
    assert cluster["documents"] == embedded["documents"] == 11
    assert cluster["batches"] == embedded["batches"]
    assert embedded["settings"].items() <= cluster["settings"].items()
    assert cluster["generation"] == cluster_url.rsplit("/", 1)[1] + "-000001"
    assert cluster["updated"] and cluster["created"] and cluster["size_bytes"] > 0
    assert cluster["cluster"]["shards"] == 2 and cluster["cluster"]["replicas"] == 0
    assert cluster["cluster"]["health"] in ("green", "yellow")
    text = _stats("--index", cluster_url)
    assert "documents: 11" in text and "shards: 2" in text


@pytest.mark.parametrize(
    "typed", ["tarif", "tarrifs", "comerce", "ministy", "tariff", "ministy of comerce 商务部"]
)
def test_did_you_mean_as_on_the_embedded_engine(cluster_url, small_corpus, small_index, typed):
    update_cluster_index([small_corpus], cluster_url, shards=2)
    on_cluster = ClusterSearcher(cluster_url)
    embedded = Searcher(small_index)
    try:
        expected = embedded.search(typed).suggestion
        assert on_cluster.search(typed).suggestion == expected, typed
    finally:
        on_cluster.close()
        embedded.close()
    assert (expected is None) == (typed == "tariff")
