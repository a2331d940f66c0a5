"""OpenSearch / Elasticsearch: zhen's index on a cluster (issue 12).

zhen analyses text in Python and sends each text field as its index terms
joined by spaces, into fields with the engine's built-in ``whitespace``
analyzer, so the cluster holds exactly the terms and positions Whoosh does.

* :mod:`.mapping` -- the index settings and mapping (with the analysis
  fingerprint in ``_meta``), engine detection.
* :mod:`.compiler` -- zhen's query tree to the query DSL.
* :mod:`.writer` -- documents to bulk actions; bulk indexing with per-item
  errors and retries; deletes; the ids and hashes an index holds.
* :mod:`.indexer` -- :func:`~.indexer.update_cluster_index`, the cluster's
  ``zhen index`` (incremental, prune, rebuild with an alias switch).
* :mod:`.searcher` -- :class:`~.searcher.ClusterSearcher`, the cluster's
  :class:`zhen.search.Searcher`; :mod:`.answers` (whole answers, retries).
* :mod:`.ranking` (the question ranker's fields) and :mod:`.fusion` (its
  queries and the fusion): questions ranked as :mod:`zhen.rank` ranks them.
* :mod:`.spelling` ("did you mean"), :mod:`.stats` (``zhen stats``).
* :mod:`.connection` (index URLs, clients, errors), :mod:`.lock` (one
  writer), :mod:`.bodies` (parallel analysis), :mod:`.errors`.

One client serves both engines: opensearch-py (the ``elasticsearch`` client
refuses to talk to OpenSearch). The public surface is
``update_cluster_index``, ``ClusterSearcher`` and ``cluster_stats``, which
:mod:`zhen.engines` chooses for an index URL; see docs/opensearch.md.
"""
