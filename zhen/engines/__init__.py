"""Where an index lives: a folder (the embedded Whoosh engine) or a URL
``http(s)://HOST:PORT/NAME`` (an OpenSearch or Elasticsearch cluster).

Both engines take the terms zhen's own analysis makes (:mod:`zhen.analysis`)
and the parsed query tree (:mod:`zhen.query`), so every engine indexes the
same terms at the same positions and a query means the same everywhere; both
return the same :class:`~zhen.search.SearchResult`. The front ends choose an
engine here, by the index's name alone, and call the same two things:
:func:`open_searcher` and :func:`update_index` (and :func:`index_stats`,
:func:`merge_index`).
"""

from ..errors import ZhenError


def is_cluster_index(index):
    """Whether ``index`` names a cluster index (a URL) rather than a folder."""
    return str(index).lower().startswith(("http://", "https://"))


def _cluster():
    try:
        from .opensearch import indexer, searcher, stats
    except ImportError as exc:  # opensearch-py is an optional dependency
        raise ZhenError(
            f"a cluster index needs the OpenSearch client ({exc.name} is not installed)",
            hint="pip install 'zhen[cluster]'",
        ) from None
    return indexer, searcher, stats


def open_searcher(index, userdict=None, weights=None, recall_weight=None, warm=False):
    """A searcher (``search``, ``document``, ``version``, ``close``) on the
    index at ``index``, a folder or a cluster URL; ``weights`` and
    ``recall_weight`` as :class:`zhen.compiler.Compiler` takes them;
    ``warm``: read what questions need when the index opens (a server's
    first question is then not the slow one; the cluster keeps its own)."""
    if is_cluster_index(index):
        return _cluster()[1].ClusterSearcher(str(index), userdict, weights, recall_weight)
    from ..search import Searcher

    return Searcher(index, userdict, weights, recall_weight, warm=warm)


def update_index(paths, index, shards=None, replicas=None, **options):
    """Bring the index at ``index`` (a folder or a cluster URL) in line with
    ``paths``: :func:`zhen.indexer.update_index` or its cluster twin, with
    the same options and the same :class:`~zhen.indexer.IndexReport`.
    ``shards`` and ``replicas`` apply to a new cluster index only."""
    if is_cluster_index(index):
        layout = {k: v for k, v in (("shards", shards), ("replicas", replicas)) if v is not None}
        options.pop("commit_every", None)  # the cluster commits each bulk request
        return _cluster()[0].update_cluster_index(paths, str(index), **layout, **options)
    if shards is not None or replicas is not None:
        raise ZhenError(
            "--shards and --replicas are for a cluster index",
            hint="give --index http://HOST:PORT/NAME, or leave them out",
        )
    from ..indexer import update_index as update_folder

    return update_folder(paths, index, **options)


def index_stats(index):
    """What ``zhen stats`` shows of the index at ``index`` (a folder or a
    cluster URL): :func:`zhen.stats.index_stats` or its cluster twin."""
    if is_cluster_index(index):
        return _cluster()[2].cluster_stats(str(index))
    from ..stats import index_stats as folder_stats

    return folder_stats(index)


def merge_index(index, wait=False):
    """Merge the index folder ``index`` into fewer segments
    (:func:`zhen.forcemerge.merge_index`). A cluster merges its own
    segments: it is told how to ask it to."""
    if is_cluster_index(index):
        raise ZhenError(
            "a cluster merges its own segments; zhen merge is for an index folder",
            hint=f"ask the cluster: curl -X POST '{str(index).rstrip('/')}/_forcemerge'",
        )
    from ..forcemerge import merge_index as merge_folder

    return merge_folder(index, wait)
