"""zhen's query tree to the OpenSearch / Elasticsearch query DSL.

The query-time analysis (Han bigram phrases, jieba word bonuses, stems,
questions, the coordination bonus of loose matches, single characters as
prefixes) lives in :class:`zhen.compiler.Compiler`, whose output is a small
tree of Whoosh query objects. Rather than repeat that logic here and let two
copies drift, :class:`DslCompiler` runs it and renders each node as its DSL
twin, which scores the same way (BM25, boosts multiplied in, sums):

=============================  =============================================
Whoosh                         DSL
=============================  =============================================
Term(f, t, boost)              ``term`` (a ``match_phrase`` when t is longer
                               than the whitespace tokenizer's 255 chars)
Phrase(f, words, boost)        ``match_phrase`` of the words joined by spaces
Prefix(f, c, boost)            ``prefix`` (constant score, as in Whoosh)
And / Or                       ``bool`` ``must`` / ``should`` (min 1)
AndNot(a, b)                   ``bool`` ``must`` a, ``must_not`` b
AndMaybe(a, b)                 ``bool`` ``must`` a, ``should`` b
ConstantScoreQuery(q, s)       ``constant_score`` with ``boost`` s
DateRange                      ``range`` on ``date`` (inclusive ends)
Every / NullQuery              ``match_all`` / ``match_none``
=============================  =============================================

The field names are the Whoosh schema's (see :mod:`.mapping`). Whoosh's
``Phrase`` slop 1 means adjacent words, which is ``match_phrase`` slop 0.
"""

from whoosh import query as wq

from ...compiler import Compiler
from .mapping import KEYWORD_FIELDS

# Lucene's whitespace tokenizer cuts longer tokens into pieces of 255 UTF-16
# units; a term query on such a term must be analysed the same way.
MAX_TOKEN_UNITS = 255
MATCH_NONE: dict[str, dict] = {"match_none": {}}


class DslCompiler:
    """Compiles a parsed query (:func:`zhen.query.parse`) to a DSL query."""

    def __init__(self, userdict=None, weights=None, recall_weight=None):
        self.compiler = Compiler(userdict, weights, recall_weight)

    def compile(self, node, loose=False):
        """The DSL ``query`` object for ``node``; ``loose`` as in
        :meth:`zhen.compiler.Compiler.compile`."""
        return to_dsl(self.compiler.compile(node, loose))


def to_dsl(query):
    """The DSL twin of one Whoosh query object (recursively)."""
    if query is wq.NullQuery:
        return MATCH_NONE
    for kind, render in _RENDERERS:
        if isinstance(query, kind):
            return render(query)
    raise TypeError(f"no DSL form for the Whoosh query {query!r}")


def _boosted(body, boost):
    if boost != 1.0:
        body["boost"] = boost
    return body


def _term(query):
    field, text = query.fieldname, query.text
    if field not in KEYWORD_FIELDS and _utf16_units(text) > MAX_TOKEN_UNITS:
        return {"match_phrase": {field: _boosted({"query": text}, query.boost)}}
    return {"term": {field: _boosted({"value": text}, query.boost)}}


def _utf16_units(text):
    return len(text.encode("utf-16-le")) // 2


def _phrase(query):
    if query.slop != 1:
        raise ValueError(f"a phrase with slop {query.slop} has no zhen meaning")
    body = {"query": " ".join(query.words)}
    return {"match_phrase": {query.fieldname: _boosted(body, query.boost)}}


def _prefix(query):
    body = {"value": query.text}
    return {"prefix": {query.fieldname: _boosted(body, query.boost)}}


def _clauses(queries):
    """Rendered subqueries without the ones that match nothing."""
    return [to_dsl(q) for q in queries if q is not wq.NullQuery]


def _and(query):
    if any(q is wq.NullQuery for q in query.subqueries):
        return MATCH_NONE
    return _bool(query.boost, must=_clauses(query.subqueries))


def _or(query):
    should = _clauses(query.subqueries)
    if not should:
        return MATCH_NONE
    return _bool(query.boost, should=should, minimum_should_match=1)


def _and_not(query):
    if query.a is wq.NullQuery:
        return MATCH_NONE
    if query.b is wq.NullQuery:
        return to_dsl(query.a)
    return _bool(query.boost, must=[to_dsl(query.a)], must_not=[to_dsl(query.b)])


def _and_maybe(query):
    if query.a is wq.NullQuery:
        return MATCH_NONE
    if query.b is wq.NullQuery:
        return to_dsl(query.a)
    return _bool(query.boost, must=[to_dsl(query.a)], should=[to_dsl(query.b)])


def _bool(boost, **clauses):
    return {"bool": _boosted(clauses, boost)}


def _constant(query):
    return {"constant_score": {"filter": to_dsl(query.child), "boost": query.score}}


def _date_range(query):
    bounds = {}
    if query.startdate is not None:
        bounds["gt" if query.startexcl else "gte"] = query.startdate.isoformat()
    if query.enddate is not None:
        bounds["lt" if query.endexcl else "lte"] = query.enddate.isoformat()
    return {"range": {query.fieldname: bounds}}


def _every(query):
    return {"match_all": _boosted({}, query.boost)}


# Order matters: subclasses before the classes they extend (Prefix and
# DateRange are both ranges of terms in Whoosh's hierarchy).
_RENDERERS = (
    (wq.DateRange, _date_range),
    (wq.Prefix, _prefix),
    (wq.Term, _term),
    (wq.Phrase, _phrase),
    (wq.AndNot, _and_not),
    (wq.AndMaybe, _and_maybe),
    (wq.ConstantScoreQuery, _constant),
    (wq.And, _and),
    (wq.Or, _or),
    (wq.Every, _every),
)
