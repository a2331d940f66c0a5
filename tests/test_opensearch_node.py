"""Smoke test of the OpenSearch node the cluster tests run against: two
pre-analysed documents (terms joined by spaces into a ``whitespace`` field),
one found by a phrase of Han bigrams, the other not."""

import pytest

from zhen.analysis import GramAnalyzer, han_bigrams, prepare

from .search_node import opensearch_client, opensearch_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.cluster

INDEX = "zhen-smoke"


def grams(text):
    """The recall view of ``text`` as the cluster receives it."""
    return " ".join(term for term, *_ in GramAnalyzer().terms(prepare(text)[1]))


def test_phrase_of_pre_analysed_terms(opensearch_client):
    client = opensearch_client
    client.indices.delete(index=INDEX, ignore_unavailable=True)
    client.indices.create(
        index=INDEX,
        body={
            "settings": {"number_of_shards": 1, "number_of_replicas": 0},
            "mappings": {
                "properties": {
                    "body_x": {
                        "type": "text",
                        "analyzer": "whitespace",
                        "index_options": "positions",
                    }
                }
            },
        },
    )
    try:
        client.index(index=INDEX, id="near", body={"body_x": grams("自然语言处理技术的发展。")})
        client.index(
            index=INDEX,
            id="far",
            refresh=True,
            body={"body_x": grams("语言学的研究方法很多，其中信息处理也很重要。")},
        )
        found = client.search(
            index=INDEX,
            body={"query": {"match_phrase": {"body_x": " ".join(han_bigrams("语言处理"))}}},
        )
        assert [hit["_id"] for hit in found["hits"]["hits"]] == ["near"]
        assert found["hits"]["total"] == {"value": 1, "relation": "eq"}
    finally:
        client.indices.delete(index=INDEX, ignore_unavailable=True)
