"""Searching: one facade and one result model for the CLI and the web app.

:class:`Searcher` opens the live index once and follows it as it changes
(new commits, or a rebuild switching generations), so a long-running web
process never serves a stale or half-built index. :meth:`Searcher.search`
returns a :class:`SearchResult`, which both front ends render.
"""

import time
from dataclasses import dataclass

from whoosh import collectors, scoring, sorting

from . import settings
from .align import counterpart
from .compiler import Compiler, question_of
from .errors import DocumentNotFoundError, QueryError
from .facets import FacetCounter
from .highlight import Needles, snippet
from .query import And, Filter, Term, parse, positive_leaves
from .render import result_json
from .rank import rank_question
from .schema import ENGLISH_FIELDS, TEXT_FIELDS, TITLE_FIELDS
from .store import IndexStore
from .suggest import suggest

SORTS = ("relevance", "date")
NOTHING = Needles()


@dataclass
class Hit:
    id: str
    score: float
    title: str | None
    translated_title: str | None
    date: str | None
    url: str | None
    archive_url: str | None
    site: str | None
    batch: str
    fragments: dict  # field -> zhen.highlight.Fragment (text and match spans)
    matched: list


@dataclass
class SearchResult:
    """One page of results and what is known of all of them.

    ``total`` is the number of documents the query matches, whatever the
    page or page size. ``total_relation`` says how to read it, as
    Elasticsearch's ``hits.total.relation`` does: ``"eq"`` when it is the
    exact count, ``"gte"`` when it is a lower bound.
    """

    query: str
    total: int
    took_ms: float
    page: int
    pages: int
    limit: int
    sort: str
    hits: list
    facets: dict
    suggestion: str | None = None
    relaxed: bool = False
    message: str | None = None
    total_relation: str = "eq"

    def to_dict(self):
        """The documented JSON object (highlights as HTML)."""
        return result_json(self)


class Searcher:
    """Query facade over the live index of one index directory."""

    def __init__(self, index=None, userdict=None):
        self.store = IndexStore(index)
        self.userdict = settings.get("userdict", userdict)
        self._gen = None
        self._searcher = None
        self._facets = FacetCounter()

    def close(self):
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def searcher(self):
        """An open Whoosh searcher on the newest committed live index."""
        gen = self.store.require_current()
        if self._searcher is None or gen != self._gen:
            self.close()
            self.store.check_settings(gen, self.userdict)
            self._searcher = self.store.open(gen).searcher(
                weighting=scoring.BM25F())
            self._gen = gen
        elif not self._searcher.up_to_date():
            self._searcher = self._searcher.refresh()
        return self._searcher

    def version(self):
        """What identifies the index state searched now (generation and
        commit), e.g. for a result cache's key; raises when there is none."""
        searcher = self.searcher()
        return str(self._gen), searcher.reader().generation()

    def search(self, text, page=1, limit=None, sort="relevance"):
        started = time.perf_counter()
        limit = settings.get("limit", limit)
        _check_paging(page, limit, sort)
        tree = parse(text)
        searcher = self.searcher()
        compiler = Compiler(self.userdict)
        top, docnums, relaxed = self._run(searcher, compiler, tree, page, limit, sort)
        needles = Needles.from_texts((leaf.text for leaf in positive_leaves(tree)),
                                     self.userdict)
        total = len(docnums)
        result = SearchResult(
            query=text, total=total, took_ms=0.0, page=page,
            pages=max(1, -(-total // limit)), limit=limit, sort=sort,
            hits=[_hit(h, needles) for h in top],
            facets=self._facets.count(searcher, docnums), relaxed=relaxed)
        if result.total == 0 or _has_latin(tree):
            result.suggestion = suggest(searcher, text, tree)
        result.message = _message(result)
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def _run(self, searcher, compiler, tree, page, limit, sort):
        """(hits of the page, every matching docnum, relaxed?)."""
        question = question_of(compiler, tree) if sort == "relevance" else None
        if question is not None:  # ranked by zhen.rank, in one pass
            hits, docnums = rank_question(searcher, question, page * limit, self.userdict)
            return hits[(page - 1) * limit:], docnums, False
        found = _top_and_all(searcher, compiler.compile(tree), page, limit, sort)
        if not found[1] and _relaxable(tree):
            loose = _top_and_all(searcher, compiler.compile(tree, loose=True),
                                 page, limit, sort)
            if loose[1]:
                return (*loose, True)
        return (*found, False)

    def document(self, doc_id):
        """The stored record of one document, with its index facts."""
        fields = self.searcher().document(id=doc_id)
        if fields is None:
            raise DocumentNotFoundError(f"no document with id '{doc_id}' in the index",
                                   hint="search for it first: zhen search QUERY")
        record = dict(fields["record"])
        record.update(id=fields["id"], batch=fields["batch"])
        return record


def _check_paging(page, limit, sort):
    if sort not in SORTS:
        raise QueryError(f"unknown sort '{sort}'", hint="use relevance or date")
    if page < 1 or limit < 1:
        raise QueryError("page and limit must be 1 or more",
                         hint="e.g. --page 2 --limit 10")


def _top_and_all(searcher, query, page, limit, sort):
    """The page's hits and the numbers of all matching documents, in one
    pass: every match is visited (an exact total needs that anyway) and
    scored on the way, which costs less than a top-k pass with Whoosh's
    block skipping followed by a second pass to count."""
    if sort == "date":
        collector = searcher.collector(limit=page * limit,
                                       sortedby=sorting.FieldFacet("date", reverse=True))
    else:
        # Whoosh re-plans the matcher tree every 10 matches by default, which
        # costs more than it saves on OR-heavy questions: every 1,000 cut
        # STARD question latency by 30% (208 -> 147 ms p50, 60 questions).
        collector = _CountingTopCollector(limit=page * limit, usequality=False,
                                          replace=1000)
    searcher.search_with_collector(query, collector)
    results = collector.results()
    # Index the top hits directly: len(results) would re-run the query.
    top = [results[i] for i in range((page - 1) * limit, results.scored_length())]
    return top, collector.docset


class _CountingTopCollector(collectors.TopCollector):
    """Whoosh's top-k collector, also keeping every matching document.

    Whoosh's scored collectors re-plan the matcher tree with the lowest
    score still in the top k (``matcher.replace(minscore)``): a union then
    drops a branch that cannot reach that score, and the documents only it
    matches are never visited. That is right for ranking and wrong for
    counting, so this collector never publishes a minimum score: re-planning
    only removes exhausted branches, and every match is visited.
    """

    def _collect(self, global_docnum, score):
        self.docset.add(global_docnum)
        result = super()._collect(global_docnum, score)
        self.minscore = 0
        return result


def _hit(hit, needles):
    record = hit["record"]
    fragments, matched, firsts = {}, [], {}
    for name, key in TEXT_FIELDS.items():
        text = record.get(key)
        if not text:
            continue
        lang = "en" if name in ENGLISH_FIELDS else "zh"
        fragment, first = snippet(text, needles, lang, whole=name in TITLE_FIELDS)
        fragments[name], firsts[name] = fragment, first
        if first is not None:
            matched.append(name)
    _align_bodies(record, fragments, firsts)
    return Hit(id=hit["id"], score=round(hit.score or 0.0, 4),
               title=record.get("title"),
               translated_title=record.get("translated_title"),
               date=_iso(hit.get("date")), url=record.get("url"),
               archive_url=record.get("archive_url"), site=record.get("site"),
               batch=hit["batch"], fragments=fragments, matched=matched)


def _align_bodies(record, fragments, firsts):
    """When only one body matched, show the other body's same passage
    (which has no match to look for: it was just searched)."""
    zh, en = record.get("resulting_text"), record.get("translated_content")
    if not zh or not en:
        return
    if firsts.get("body") is not None and firsts.get("body_en") is None:
        around = counterpart(firsts["body"], zh, en, "zh")
        fragments["body_en"] = snippet(en, NOTHING, "en", around=around)[0]
    elif firsts.get("body_en") is not None and firsts.get("body") is None:
        around = counterpart(firsts["body_en"], en, zh, "en")
        fragments["body"] = snippet(zh, NOTHING, "zh", around=around)[0]


def _relaxable(node):
    """Two or more plain words (no OR, NOT, phrase): when no document has
    them all, the ones with most of them are better than nothing."""
    return isinstance(node, And) and \
        sum(isinstance(c, Term) for c in node.children) > 1 and \
        all(isinstance(c, (Term, Filter)) for c in node.children)


def _has_latin(tree):
    return any(any(ch.isascii() and ch.isalpha() for ch in leaf.text)
               for leaf in positive_leaves(tree))


def _message(result):
    """A sentence for the front ends; the suggestion is a field of its own
    (each front end shows it once, as a link or a line)."""
    if result.total == 0:
        return "No documents match."
    if result.page > result.pages:
        pages = f"{result.pages} page" + ("s" if result.pages != 1 else "")
        return f"Page {result.page} is past the end: the results fill {pages}."
    if result.relaxed:
        return "No document has all the words; showing those with some of them."
    return None


def _iso(value):
    return value.date().isoformat() if hasattr(value, "date") and value else None


def search(text, index=None, **kwargs):
    """Run one query against the index (opens and closes it)."""
    searcher = Searcher(index)
    try:
        return searcher.search(text, **kwargs)
    finally:
        searcher.close()
