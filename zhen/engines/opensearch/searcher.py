"""Searching a zhen index on OpenSearch / Elasticsearch.

:class:`ClusterSearcher` is :class:`zhen.search.Searcher` for an index URL:
the same methods, the same :class:`~zhen.search.SearchResult`. What decides
a result is shared with the Whoosh engine, not copied: the query is
compiled by :class:`zhen.compiler.Compiler` (rendered to the DSL by
:mod:`.compiler`), the relaxed retry is :func:`zhen.search._relaxable`, and
hits, snippets and messages are made by zhen.search's own functions from the
stored record (a small adapter gives them the Whoosh hit they expect).

The cluster counts and facets: ``track_total_hits: true`` makes every total
exact, and ``terms`` aggregations give the year, site and batch facets.

Ranking is the cluster's BM25 over the compiled query, with the same
boosts; ties go by id. Questions (:func:`zhen.compiler.question_of`) match
the same documents as on Whoosh and are ranked as zhen.rank ranks them:
its views scored by the cluster on ranking fields made for them, fused
here (:mod:`.fusion`, :mod:`.ranking`), the documents after the first page
re-ranked with feedback from it (:mod:`.feedback`). "Did you mean" is zhen.suggest's,
reading the cluster's vocabulary (:mod:`.spelling`).

Deep pages: a page ending beyond the cluster's result window (10,000, the
``from + size`` cap) is reached with ``search_after``, walking the sort
order in steps of 10,000 ids (no stored context; cost grows with the page).
"""

import time
from datetime import datetime

from ...compiler import question_of
from ...errors import DocumentNotFoundError, IndexMissingError, QueryError
from ...facets import FACETS
from ...highlight import Needles
from ...query import parse, positive_leaves
from ...rank import QuestionHit
from ...results import DEFAULT_LIMIT, SearchResult, has_latin
from ...results import check_paging as _check_paging
from ...results import relaxable as _relaxable
from ...results import result_message as _message
from ...search import _hit
from .answers import PartialAnswer, check_complete, raise_item_error, retryable
from .compiler import DslCompiler
from .connection import connect, detect, reason, unavailable
from .errors import EngineUnavailableError
from .feedback import FeedbackReader
from .fusion import rank_question
from .indexer import check_settings
from .spelling import cluster_suggestion

# The cluster's from + size cap (index.max_result_window).
RESULT_WINDOW = 10_000
FACET_SIZE = 1000  # values per facet (terms aggregation size)
SEARCH_TRIES = 4  # an alias switch or a node lost mid-request is retried
SOURCE = ["id", "batch", "date", "record"]


class ClusterSearcher:
    """Query facade over the index an alias names on a cluster."""

    def __init__(self, url, userdict=None, weights=None, recall_weight=None):
        self.url = url
        self.userdict = userdict
        self.target, self.client, _ = connect(url, check=False)
        self.compiler = DslCompiler(self.userdict, weights, recall_weight)
        self._checked = set()  # concrete indexes whose fingerprint matched
        self.feedback = FeedbackReader(self)  # for questions' pages after the first

    def close(self):
        self.client.close()

    def search(self, text, page=1, limit=DEFAULT_LIMIT, sort="relevance"):
        """One page of results for ``text``, as :meth:`zhen.search.Searcher.search`."""
        started = time.perf_counter()
        _check_paging(page, limit, sort)
        tree = parse(text)
        response, relaxed = self._run(tree, page, limit, sort)
        needles = Needles.from_texts((leaf.text for leaf in positive_leaves(tree)), self.userdict)
        total = response["hits"]["total"]
        result = SearchResult(
            query=text,
            total=total["value"],
            took_ms=0.0,
            page=page,
            pages=max(1, -(-total["value"] // limit)),
            limit=limit,
            sort=sort,
            hits=[_hit(_adapt(h), needles) for h in response["hits"]["hits"]],
            facets=facets(response.get("aggregations", {})),
            relaxed=relaxed,
            total_relation=total["relation"],
        )
        if result.total == 0 or has_latin(tree):
            result.suggestion = cluster_suggestion(self, text, tree)
        result.message = _message(result)
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def _run(self, tree, page, limit, sort):
        """(the response for the page, relaxed?), as Searcher._run decides."""
        question = question_of(self.compiler.compiler, tree) if sort == "relevance" else None
        if question is not None and page * limit <= RESULT_WINDOW:
            ranked = self._question(question, self.compiler.compile(tree), page, limit)
            if ranked is not None:
                return ranked, False
        found = self._page(self.compiler.compile(tree), page, limit, sort)
        if question is None and not found["hits"]["total"]["value"] and _relaxable(tree):
            loose = self._page(self.compiler.compile(tree, loose=True), page, limit, sort)
            if loose["hits"]["total"]["value"]:
                return loose, True
        return found, False

    def _page(self, query, page, limit, sort):
        """The response holding the page's hits, the total and the facets."""
        start = (page - 1) * limit
        body = {
            "query": query,
            "sort": sort_order(sort),
            "track_total_hits": True,
            "_source": SOURCE,
            "aggs": facet_aggregations(),
        }
        if start + limit <= RESULT_WINDOW:
            return self._search({**body, "from": start, "size": limit})
        counted = self._search({**body, "size": 0})
        if start < counted["hits"]["total"]["value"]:
            after = self._skip(query, sort, start)
            if after is not None:
                hits = self._search(
                    {
                        "query": query,
                        "sort": sort_order(sort),
                        "size": limit,
                        "_source": SOURCE,
                        "track_total_hits": False,
                        "search_after": after,
                    }
                )
                counted["hits"]["hits"] = hits["hits"]["hits"]
        return counted

    def _question(self, question, matching, page, limit):
        """The response for a page of a question ranked as zhen.rank ranks
        it (:mod:`.fusion`): total and facets of what it matches, the
        page's documents in fused order with their fused scores; None when
        the ranking cannot be settled within the result window."""
        count = {"query": matching, "size": 0, "track_total_hits": True}
        ranked, (counted,) = rank_question(
            self._msearch,
            question,
            matching,
            page * limit,
            self.userdict,
            also=[{**count, "aggs": facet_aggregations()}],
            reader=self.feedback,
        )
        if ranked is None:
            return None
        ranked = ranked[(page - 1) * limit :]
        counted["hits"]["hits"] = self._documents(ranked) if ranked else []
        return counted

    def _documents(self, ranked):
        """Raw hits of the documents [(id, score)], in that order, scored so."""
        found = self._search(
            {
                "query": {"ids": {"values": [doc for doc, _ in ranked]}},
                "size": len(ranked),
                "_source": SOURCE,
                "track_total_hits": False,
            }
        )
        by_id = {hit["_id"]: hit for hit in found["hits"]["hits"]}
        return [{**by_id[doc], "_score": score} for doc, score in ranked if doc in by_id]

    def _msearch(self, bodies, statistics=True):
        """The responses to several search bodies, in one ``_msearch``
        (with index-wide term statistics, ``dfs_query_then_fetch``, when
        ``statistics``); retried and refused as one search is (each answer
        must be whole)."""
        if not bodies:
            return []
        lines = [line for body in bodies for line in ({}, body)]

        def call():
            answer = self.client.msearch(
                body=lines,
                index=self.target.name,
                params={
                    "search_type": "dfs_query_then_fetch" if statistics else "query_then_fetch"
                },
            )
            for item in answer["responses"]:
                raise_item_error(item)
                check_complete(item)
            return answer

        return self._request(call)["responses"]

    def _skip(self, query, sort, count):
        """The sort values of the ``count``-th hit (``search_after`` walk)."""
        after, skipped = None, 0
        while skipped < count:
            size = min(RESULT_WINDOW, count - skipped)
            body = {
                "query": query,
                "sort": sort_order(sort),
                "size": size,
                "_source": False,
                "track_total_hits": False,
            }
            if after is not None:
                body["search_after"] = after
            hits = self._search(body)["hits"]["hits"]
            if not hits:
                return None
            after, skipped = hits[-1]["sort"], skipped + len(hits)
        return after

    def _search(self, body):
        """One search request through the alias, retried when the alias
        moved or a node was lost meanwhile; checks each new index's
        settings fingerprint."""
        response = self._request(lambda: self.client.search(index=self.target.name, body=body))
        for name in {hit["_index"] for hit in response["hits"]["hits"]} - self._checked:
            check_settings(self.client, self.target, name, self.userdict)
            self._checked.add(name)
        return response

    def _request(self, call):
        """``call()`` with retries and zhen's errors (see :func:`_failure`)."""
        from opensearchpy.exceptions import ConnectionError as Unreachable
        from opensearchpy.exceptions import TransportError

        for attempt in range(SEARCH_TRIES):
            try:
                response = call()
                check_complete(response)
                return response
            except (PartialAnswer, Unreachable, TransportError) as exc:
                if attempt == SEARCH_TRIES - 1 or not retryable(exc):
                    raise self._failure(exc) from None
            time.sleep(0.1 * 2**attempt)

    def _failure(self, exc):
        """The zhen error for a failed request (a clear one when the URL is
        not a cluster at all)."""
        if isinstance(exc, PartialAnswer):
            return EngineUnavailableError(
                f"only part of the index at {self.target} answered: {exc}",
                hint=(
                    "the cluster has lost every copy of some shards (health red); "
                    "bring back the nodes that held them, or rebuild the index, then "
                    "search again (GET /_cluster/health?level=indices shows which)"
                ),
            )
        if (
            getattr(exc, "status_code", None) == 404
            and getattr(exc, "error", "") == "index_not_found_exception"
        ):
            return IndexMissingError(
                f"no index at {self.target}",
                hint=(f"build one with: zhen index --index {self.target} PATH"),
            )
        if getattr(exc, "status_code", None) == 400:
            return QueryError(
                f"the cluster refused the query: {reason(exc)}",
                hint="simplify the query (fewer words or ORs)",
            )
        detect(self.target)  # raises EngineUnavailableError: no cluster there
        with unavailable(self.target):  # a cluster that cannot serve: 5xx
            raise exc

    def document(self, doc_id):
        """The stored record of one document, with its index facts."""
        from opensearchpy.exceptions import NotFoundError

        try:
            found = self._request(
                lambda: self.client.get(index=self.target.name, id=doc_id, _source_includes=SOURCE)
            )
        except IndexMissingError:
            raise
        except NotFoundError:
            found = {"found": False}
        if not found.get("found"):
            raise DocumentNotFoundError(
                f"no document with id '{doc_id}' in the index",
                hint="search for it first: zhen search QUERY",
            )
        source = found["_source"]
        record = dict(source["record"])
        record.update(id=source["id"], batch=source["batch"])
        return record

    def version(self):
        """What identifies the index version searched now (the concrete
        index and its last update), e.g. for a result cache's key."""
        response = self._request(lambda: self.client.indices.get_mapping(index=self.target.name))
        ((name, body),) = response.items()
        return name, body.get("mappings", {}).get("_meta", {}).get("zhen_build", {})


def sort_order(sort):
    """The DSL sort: by score or date, ties by id (so pages and the
    ``search_after`` walk agree)."""
    if sort == "date":
        return [{"date": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
    return [{"_score": "desc"}, {"id": "asc"}]


def facet_aggregations():
    """A ``terms`` aggregation per facet (``FACETS`` of zhen.facets)."""
    return {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in FACETS}


def facets(aggregations):
    """{facet: [{"value", "count", "filter"}]} in zhen.facets' order:
    years newest first, sites and batches by count, then by name."""
    out = {}
    for name, key in FACETS.items():
        buckets = aggregations.get(name, {}).get("buckets", [])
        items = [(str(b["key"]), b["doc_count"]) for b in buckets]
        items = (
            sorted(items, reverse=True)
            if name == "year"
            else sorted(items, key=lambda item: (-item[1], item[0]))
        )
        out[name] = [{"value": v, "count": c, "filter": f"{key}:{v}"} for v, c in items]
    return out


def _adapt(hit):
    """A cluster hit as the Whoosh hit zhen.search's ``_hit`` reads."""
    source = hit["_source"]
    date = source.get("date")
    fields = {
        "id": source["id"],
        "batch": source["batch"],
        "record": source["record"],
        "date": datetime.fromisoformat(date) if date else None,
    }
    return QuestionHit(fields, hit.get("_score"))
