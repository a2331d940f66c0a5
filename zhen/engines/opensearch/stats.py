"""``zhen stats`` for a cluster index: the facts :func:`zhen.stats.index_stats`
gives of a folder, asked of the cluster, plus the cluster's own.

Keys as the embedded engine's (``index``, ``generation`` -- here the
concrete index the alias names --, ``documents``, ``batches``,
``created``, ``updated``, ``size_bytes`` and ``segments`` of the primary
shards, ``settings`` -- the analysis fingerprint), and ``cluster``: the
engine, shards, replicas, the index's health and the number of nodes.
"""

from datetime import UTC, datetime

from ...errors import IndexMissingError, ZhenError
from .connection import connect, unavailable
from .mapping import alias_targets

BATCHES = 10_000  # batches counted (terms aggregation size)


def cluster_stats(url):
    """A dict describing the live index behind the alias of ``url``."""
    target, client, engine = connect(url)
    try:
        with unavailable(target):
            name = _live_index(client, target)
            return {"index": str(target), "generation": name, **_facts(client, name, engine)}
    finally:
        client.close()


def _live_index(client, target):
    names = alias_targets(client, target.name)
    if not names:
        raise IndexMissingError(
            f"no index at {target}", hint=f"build one with: zhen index --index {target} PATH"
        )
    if len(names) > 1:
        raise ZhenError(
            f"the alias {target.name} names several indexes ({', '.join(names)})",
            hint="point it at one: zhen index --rebuild --index URL PATH",
        )
    return names[0]


def _facts(client, name, engine):
    meta = client.indices.get_mapping(index=name)[name]["mappings"].get("_meta", {})
    index = client.indices.get_settings(index=name)[name]["settings"]["index"]
    primaries = client.indices.stats(index=name, metric="store,segments")["indices"][name][
        "primaries"
    ]
    counted = client.search(
        index=name,
        body={
            "size": 0,
            "track_total_hits": True,
            "aggs": {"batch": {"terms": {"field": "batch", "size": BATCHES}}},
        },
    )
    batches = {b["key"]: b["doc_count"] for b in counted["aggregations"]["batch"]["buckets"]}
    health = client.cluster.health(index=name)
    settings = {k: v for k, v in meta.get("zhen", {}).items() if k != "ranking"}
    return {
        "documents": counted["hits"]["total"]["value"],
        "batches": dict(sorted(batches.items())),
        "created": _iso(int(index["creation_date"]) / 1000),
        "updated": meta.get("zhen_build", {}).get("updated"),
        "size_bytes": primaries["store"]["size_in_bytes"],
        "segments": primaries["segments"]["count"],
        "settings": settings,
        "cluster": {
            "engine": engine,
            "shards": int(index["number_of_shards"]),
            "replicas": int(index["number_of_replicas"]),
            "health": health["status"],
            "nodes": health["number_of_nodes"],
        },
    }


def _iso(seconds):
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
