"""The result model of a search, and how a hit is made from a stored record.

Both engines (the embedded Whoosh index, :mod:`zhen.search`, and a cluster,
:mod:`zhen.engines.opensearch`) return these, built by the same functions,
so a query gives the same hits, snippets and messages on either. Snippets
are :class:`~zhen.highlight.Fragment` spans; :mod:`zhen.render` makes the
HTML of the documented JSON.
"""

from dataclasses import dataclass

from .align import counterpart
from .errors import QueryError
from .highlight import Needles, snippet
from .query import And, Filter, Term, positive_leaves
from .render import result_json
from .schema import ENGLISH_FIELDS, TEXT_FIELDS, TITLE_FIELDS

SORTS = ("relevance", "date")
DEFAULT_LIMIT = 10  # hits per page (setting limit)
NOTHING = Needles()


@dataclass
class Hit:
    """One document of a page, with what matched where."""

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


def check_paging(page, limit, sort):
    if sort not in SORTS:
        raise QueryError(
            f"unknown sort '{sort}'",
            hint="use relevance or date",
            code="query.unknown_sort",
            params={"sort": sort},
        )
    if page < 1 or limit < 1:
        raise QueryError(
            "page and limit must be 1 or more",
            hint="e.g. --page 2 --limit 10",
            code="query.page_below_one",
        )


def hit_from_record(doc_id, score, batch, date, record, needles):
    """A :class:`Hit` from a stored record: a fragment of every text field
    (titles whole, bodies their best passage), and for a body with no match
    the passage matching the other language's."""
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
    return Hit(
        id=doc_id,
        score=round(score or 0.0, 4),
        title=record.get("title"),
        translated_title=record.get("translated_title"),
        date=_iso(date),
        url=record.get("url"),
        archive_url=record.get("archive_url"),
        site=record.get("site"),
        batch=batch,
        fragments=fragments,
        matched=matched,
    )


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


def relaxable(node):
    """Two or more plain words (no OR, NOT, phrase): when no document has
    them all, the ones with most of them are better than nothing."""
    return (
        isinstance(node, And)
        and sum(isinstance(c, Term) for c in node.children) > 1
        and all(isinstance(c, (Term, Filter)) for c in node.children)
    )


def has_latin(tree):
    return any(
        any(ch.isascii() and ch.isalpha() for ch in leaf.text) for leaf in positive_leaves(tree)
    )


def result_message(result):
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
