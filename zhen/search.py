"""Searching the embedded Whoosh index: the :class:`Searcher` facade.

:class:`Searcher` opens the live index once and follows it as it changes
(new commits, or a rebuild switching generations), so a long-running web
process never serves a stale or half-built index. :meth:`Searcher.search`
returns a :class:`~zhen.results.SearchResult` (the model both engines and
both front ends share). Settings arrive as arguments: the library reads no
environment.
"""

import os
import time

import numpy as np
from whoosh import scoring, sorting

from .compiler import Compiler, question_of, relaxed_question_of
from .errors import DocumentNotFoundError
from .facets import count_facets
from .highlight import Needles
from .keywords import evaluate
from .query import parse, positive_leaves
from .rank import QuestionHit, rank_question, warm
from .results import (  # noqa: F401
    DEFAULT_LIMIT,
    SORTS,
    Hit,
    SearchResult,
    check_paging,
    has_latin,
    hit_from_record,
    relaxable,
    result_message,
)
from .store import IndexStore
from .suggest import suggest
from .whoosh_internals import CountingTopCollector


class Searcher:
    """Query facade over the live index of one index directory."""

    def __init__(
        self,
        index: str | os.PathLike,
        userdict: str | None = None,
        weights: dict[str, float] | None = None,
        recall_weight: float | None = None,
        warm: bool = False,
    ) -> None:
        """``warm``: each time an index (or a new generation of it) opens,
        read what every question needs at once (:func:`zhen.rank.warm`), as
        a long-running server wants; a one-shot search need not."""
        self.store = IndexStore(index)
        self.warm = warm
        self.userdict = userdict
        self.compiler = Compiler(userdict, weights, recall_weight)
        self._gen = None
        self._searcher = None

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def whoosh_searcher(self):
        """An open Whoosh searcher on the newest committed live index."""
        gen = self.store.require_current()
        if self._searcher is None or gen != self._gen:
            self.close()
            self.store.check_settings(gen, self.userdict)
            self._searcher = self.store.open(gen).searcher(weighting=scoring.BM25F())
            self._gen = gen
            if self.warm:
                warm(self._searcher)
        elif not self._searcher.up_to_date():
            self._searcher = self._searcher.refresh()
            if self.warm:
                warm(self._searcher)
        return self._searcher

    def version(self) -> tuple[str, int]:
        """What identifies the index state searched now (generation and
        commit), e.g. for a result cache's key; raises when there is none."""
        searcher = self.whoosh_searcher()
        return str(self._gen), searcher.reader().generation()

    def search(
        self, text: str, page: int = 1, limit: int = DEFAULT_LIMIT, sort: str = "relevance"
    ) -> SearchResult:
        """One page of results for the query ``text`` (see :mod:`zhen.query`);
        raises :class:`~zhen.errors.QueryError` for a malformed query."""
        started = time.perf_counter()
        check_paging(page, limit, sort)
        tree = parse(text)
        searcher = self.whoosh_searcher()
        top, docnums, relaxed = self._run(searcher, self.compiler, tree, page, limit, sort)
        needles = Needles.from_texts((leaf.text for leaf in positive_leaves(tree)), self.userdict)
        total = len(docnums)
        result = SearchResult(
            query=text,
            total=total,
            took_ms=0.0,
            page=page,
            pages=max(1, -(-total // limit)),
            limit=limit,
            sort=sort,
            hits=[_hit(h, needles) for h in top],
            facets=count_facets(searcher, docnums),
            relaxed=relaxed,
        )
        if result.total == 0 or has_latin(tree):
            result.suggestion = suggest(searcher, text, tree)
        result.message = result_message(result)
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def _run(self, searcher, compiler, tree, page, limit, sort):
        """(hits of the page, every matching docnum, relaxed?)."""
        question = question_of(compiler, tree) if sort == "relevance" else None
        if question is not None:  # ranked by zhen.rank, in one pass
            return (*self._question(searcher, compiler, question, page, limit, sort), False)
        found = _top_and_all(searcher, compiler.compile(tree), page, limit, sort)
        if not len(found[1]) and relaxable(tree):
            loose = _top_and_all(searcher, compiler.compile(tree, loose=True), page, limit, sort)
            if len(loose[1]):
                return (*loose, True)
        relaxed = relaxed_question_of(compiler, tree) if not len(found[1]) else None
        if relaxed is not None:  # a long query found nothing: rank it as a question
            loose = self._question(searcher, compiler, relaxed, page, limit, sort)
            if len(loose[1]):
                return (*loose, True)
        return (*found, False)

    def _question(self, searcher, compiler, question, page, limit, sort):
        """(hits of the page, every matching docnum) of a question, ranked
        by :mod:`zhen.rank` or, in date order, the same matches sorted."""
        if sort != "relevance":
            return _top_and_all(searcher, compiler.question(question), page, limit, sort)
        hits, docnums = rank_question(searcher, question, page * limit, self.userdict)
        return hits[(page - 1) * limit :], docnums

    def document(self, doc_id: str) -> dict:
        """The stored record of one document, with its index facts."""
        fields = self.whoosh_searcher().document(id=doc_id)
        if fields is None:
            raise DocumentNotFoundError(
                f"no document with id '{doc_id}' in the index",
                hint="search for it first: zhen search QUERY",
            )
        record = dict(fields["record"])
        record.update(id=fields["id"], batch=fields["batch"])
        return record


def _hit(hit, needles):
    """A :class:`Hit` from a Whoosh hit (or a ranked question's hit)."""
    return hit_from_record(
        hit["id"], hit.score, hit["batch"], hit.get("date"), hit["record"], needles
    )


def _top_and_all(searcher, query, page, limit, sort):
    """The page's hits and the numbers of all matching documents: every
    match is found and scored (an exact total needs them all), on postings
    arrays (:mod:`zhen.keywords`) when the query allows it, else by Whoosh
    in one pass, which costs less than a top-k pass with Whoosh's block
    skipping followed by a second pass to count."""
    if sort != "date":
        found = evaluate(searcher, query)
        if found is not None:
            return _page_of(searcher, *found, page, limit)
    if sort == "date":
        collector = searcher.collector(
            limit=page * limit, sortedby=sorting.FieldFacet("date", reverse=True)
        )
    else:
        # Whoosh re-plans the matcher tree every 10 matches by default, which
        # costs more than it saves on OR-heavy questions: every 1,000 cut
        # STARD question latency by 30% (208 -> 147 ms p50, 60 questions).
        collector = CountingTopCollector(limit=page * limit, usequality=False, replace=1000)
    searcher.search_with_collector(query, collector)
    results = collector.results()
    # Index the top hits directly: len(results) would re-run the query.
    top = [results[i] for i in range((page - 1) * limit, results.scored_length())]
    return top, collector.docset


def _page_of(searcher, docs, scores, page, limit):
    """The page's hits among ``docs`` scored ``scores``, best first (ties in
    document order, as Whoosh's collector breaks them), and ``docs``."""
    order = np.lexsort((docs, -scores))[(page - 1) * limit : page * limit]
    hits = [QuestionHit(searcher.stored_fields(int(docs[i])), float(scores[i])) for i in order]
    return hits, docs


def search(text: str, index: str | os.PathLike, **kwargs) -> SearchResult:
    """Run one query against the index (opens and closes it)."""
    searcher = Searcher(index)
    try:
        return searcher.search(text, **kwargs)
    finally:
        searcher.close()
