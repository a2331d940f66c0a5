"""The index settings and mapping of a zhen index on OpenSearch or
Elasticsearch, and which of the two a URL points at.

Field names are those of the Whoosh schema (:mod:`zhen.schema`), so a query
compiled for one means the same on the other. Text fields hold pre-analysed
terms joined by spaces and use the built-in ``whitespace`` analyzer (the
minimal distributions have no custom tokenizers): the ranking view of Chinese
fields without positions (``freqs``, like Whoosh's TermFrequency format), the
recall and English views with positions, for phrases. Filters and facets are
``keyword`` fields, ``date`` a date; the stored record is kept in ``_source``
but not indexed, and the analysed text is left out of ``_source`` (it is
derived, and would double the stored size). The question ranker's fields
(one per group of fields zhen.rank scores as one text, each with the BM25
similarity of its language) are described in :mod:`.ranking`.
"""

import json
import urllib.error
import urllib.request

from ...schema import CHINESE_FIELDS, ENGLISH_FIELDS, recall_field
from ...store import analysis_settings
from .ranking import rank_fields, ranking_fingerprint, similarities

# Version of this mapping; part of the fingerprint, so a change asks for
# --rebuild, as a change of zhen's analysis does.
MAPPING_VERSION = 2  # 2: the question ranker's fields (.ranking)
KEYWORD_FIELDS = ("id", "hash", "path", "batch", "batch_tags", "site", "site_tags", "year", "stamp")
# Whoosh KEYWORD fields hold space-separated values; here they are arrays.
LIST_FIELDS = ("batch_tags", "site_tags")
RANKING = {"type": "text", "analyzer": "whitespace", "index_options": "freqs"}
POSITIONAL = {"type": "text", "analyzer": "whitespace", "index_options": "positions"}
ENGINES = ("opensearch", "elasticsearch")


def text_fields():
    """Analysed field name -> its mapping, for every text view."""
    fields = {}
    for name in CHINESE_FIELDS:
        fields[name] = RANKING
        fields[recall_field(name)] = POSITIONAL
    for name in ENGLISH_FIELDS:
        fields[name] = POSITIONAL
    return fields


def fingerprint(userdict=None):
    """What the index's terms depend on (kept in the mapping's ``_meta``)."""
    return {
        **analysis_settings(userdict),
        "mapping": MAPPING_VERSION,
        "ranking": ranking_fingerprint(),
    }


def index_body(userdict=None, shards=1, replicas=0, state=None, refresh=None):
    """The body of ``PUT /<index>`` for a new zhen index. ``state`` (e.g.
    ``"building"``) is kept in ``_meta`` as ``zhen_build``; ``refresh`` sets
    the refresh interval (``"-1"``: none, for a rebuild nobody searches)."""
    properties = {name: {"type": "keyword"} for name in KEYWORD_FIELDS}
    properties.update(
        date={"type": "date"},
        record={"type": "object", "enabled": False},
        **text_fields(),
        **rank_fields(),
    )
    settings = {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "similarity": similarities(),
    }
    if refresh is not None:
        settings["refresh_interval"] = refresh
    return {
        "settings": {"index": settings},
        "mappings": {
            "dynamic": "strict",
            "_meta": meta(userdict, state),
            "_source": {"excludes": sorted([*text_fields(), *rank_fields()])},
            "properties": properties,
        },
    }


def meta(userdict=None, state=None):
    """The mapping's ``_meta``: the fingerprint, and the build state when
    given (``_meta`` is replaced as a whole by a mapping update)."""
    body = {"zhen": fingerprint(userdict)}
    if state is not None:
        body["zhen_build"] = {"state": state}
    return body


def stored_fingerprint(mapping_response):
    """The zhen fingerprint in a ``GET /<index>/_mapping`` response (one
    index, possibly reached through an alias), or None."""
    for body in mapping_response.values():
        return body.get("mappings", {}).get("_meta", {}).get("zhen")
    return None


class NotACluster(Exception):
    """The URL answers, but not as OpenSearch or Elasticsearch."""


def detect_engine(base_url, timeout=10):
    """``"opensearch"`` or ``"elasticsearch"`` for a cluster's base URL.

    Elasticsearch marks every response, errors included, with the header
    ``X-Elastic-Product: Elasticsearch`` (its minimal build answers
    ``GET /`` with 405, so the header is all there is); OpenSearch says
    ``"distribution": "opensearch"`` in ``GET /``. Raises
    :class:`urllib.error.URLError` when nothing answers and
    :class:`NotACluster` when something else does.
    """
    status, headers, body = _get(base_url.rstrip("/") + "/", timeout)
    if headers.get("X-Elastic-Product", "").lower() == "elasticsearch":
        return "elasticsearch"
    try:
        version = json.loads(body).get("version", {})
    except (ValueError, AttributeError):
        version = {}
    if isinstance(version, dict) and version.get("distribution") == "opensearch":
        return "opensearch"
    raise NotACluster(f"{base_url} answers HTTP {status} but is not OpenSearch or Elasticsearch")


def _get(url, timeout):
    """(status, headers, body) of a GET, HTTP errors included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def create_index(client, name, userdict=None, shards=1, replicas=0, state=None, refresh=None):
    """Create a new zhen index (never through an alias: aliases point at
    indexes made here)."""
    client.indices.create(index=name, body=index_body(userdict, shards, replicas, state, refresh))


def alias_targets(client, alias):
    """The indexes ``alias`` points at (none when it does not exist)."""
    if not client.indices.exists_alias(name=alias):
        return []
    return sorted(client.indices.get_alias(name=alias))


def point_alias(client, alias, index):
    """Point ``alias`` at ``index`` alone, in one atomic ``_aliases`` call
    (searchers see the old index or the new one, never neither)."""
    actions = [
        {"remove": {"index": old, "alias": alias}}
        for old in alias_targets(client, alias)
        if old != index
    ]
    actions.append({"add": {"index": index, "alias": alias}})
    client.indices.update_aliases(body={"actions": actions})
