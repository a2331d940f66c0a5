"""Query-time analysis: the parsed query tree to Whoosh queries.

This is the query half of the analysis pipeline (index time is
:mod:`zhen.analysis`). A Chinese word must *occur* in a document, as a
substring: it becomes a phrase of character bigrams on the recall fields
(``*_x``), scored further by jieba's words on the word fields when they
match, so a multi-word query never turns into an AND of every overlapping
sub-word. An English word matches its Snowball stem in the English fields,
and in Chinese fields its stem on the word fields or the exact word on the
recall fields; quoted phrases run on the positional fields, stop words
included.
"""

from dataclasses import dataclass
from datetime import datetime

from whoosh import query as wq

from .analysis import (
    HAN_RUN,
    QUESTION_WORDS,
    han_bigrams,
    han_words,
    reads_as_question,
    script_runs,
)
from .english import ENGLISH_STOP_WORDS, english_term, ranking_term
from .normalize import normalize, normalize_query
from .postings import CharacterPrefix
from .query import And, DateRange, Filter, Not, Or, Phrase, Term
from .rank import MATCHING, views
from .schema import CHINESE_FIELDS, ENGLISH_FIELDS, TEXT_FIELDS, TITLE_FIELDS, recall_field
from .whoosh_internals import AndNot, UnionOr

COORDINATION_BONUS = 1000.0
# Ranking weight per logical text field (settings weight_title, weight_summary,
# weight_body), chosen on STARD and Cranfield (bench/RESULTS.md), and of a
# Chinese field's character view relative to its words (weight_recall).
DEFAULT_WEIGHTS = {"title": 1.2, "title_en": 1.2, "summary_en": 1.1, "body": 1.0, "body_en": 1.0}
RECALL_WEIGHT = 0.5
QUESTION_MARKS = ("?", "？")
# Distinct words (function words aside) a query that finds nothing as
# written needs to be ranked as a question instead (relaxed_question_of).
RELAX_WORDS = 3
SCOPE_FIELDS = {
    None: tuple(TEXT_FIELDS),
    "title": TITLE_FIELDS,
    "zh": CHINESE_FIELDS,
    "en": ENGLISH_FIELDS,
}


class Compiler:
    """Turns a query tree into a Whoosh query with the configured weights."""

    def __init__(self, userdict=None, weights=None, recall_weight=None):
        self.userdict = userdict
        self.weights = weights or DEFAULT_WEIGHTS
        self.recall = RECALL_WEIGHT if recall_weight is None else recall_weight

    def question(self, question):
        """Any of a question's terms, with its filters and exclusions."""
        found = views(question.text, self.userdict, question.scope)
        groups = [g for name in MATCHING for g in found[name]]
        query = UnionOr([wq.Term(f, t) for g in groups for f in g.fields for t in g.terms])
        if question.filters:
            query = wq.And([query, *question.filters])
        if question.negatives:
            query = AndNot(query, UnionOr(list(question.negatives)))
        return query

    def compile(self, node, loose=False):
        """``loose`` joins words with OR (ranked by how many match) instead
        of AND; it is the fallback for questions and for no strict match.
        A question (:func:`question_of`) matches the documents with any of
        the terms :mod:`zhen.rank` scores it by, so its matches are the same
        whichever way it is ranked or sorted."""
        question = question_of(self, node) if isinstance(node, (And, Term)) else None
        if question is not None:
            return self.question(question)
        if isinstance(node, Term):
            return self.term(node.text, node.scope, loose)
        if isinstance(node, Phrase):
            return self.phrase(node.text, node.scope)
        if isinstance(node, Filter):
            return self.filter(node)
        if isinstance(node, Not):
            return AndNot(wq.Every(), self.compile(node.child))
        if isinstance(node, Or):
            return UnionOr([self.compile(c, loose) for c in node.children])
        return self._join(node.children, loose)

    def _join(self, children, loose):
        """AND (or, when loose, a ranked OR) of the children, with filters
        and exclusions applied to the result."""
        words = [c for c in children if not isinstance(c, (Not, Filter))]
        filters = [self.filter(c) for c in children if isinstance(c, Filter)]
        negatives = [self.compile(c.child) for c in children if isinstance(c, Not)]
        if len(words) > QUESTION_WORDS:
            # A question, not keywords: rank by BM25 over any of its words.
            positives = [
                UnionOr(
                    [self.compile(c, loose=True) for c in _without_stop_words(words, _term_word)]
                )
            ]
        elif loose and len(words) > 1:
            positives = [
                UnionOr(
                    [
                        _coordinated(self.compile(c, loose))
                        for c in _without_stop_words(words, _term_word)
                    ]
                )
            ]
        else:
            positives = [self.compile(c, loose) for c in words]
        required = positives + filters or [wq.Every()]
        query = required[0] if len(required) == 1 else wq.And(required)
        return AndNot(query, UnionOr(negatives)) if negatives else query

    def term(self, text, scope, loose=False):
        runs = _query_runs(text)
        if not runs:
            return wq.NullQuery
        fields = SCOPE_FIELDS[scope]
        if len(runs) > 1 and all(kind != "han" for kind, _ in runs):
            return self._phrase_on(fields, [word for _, word in runs])
        if loose or reads_as_question(run for kind, run in runs if kind == "han"):
            # A question or a loose match: every word counts, none is required,
            # and English stop words (which English fields keep for phrases)
            # would only add noise to the ranking.
            return UnionOr(
                [
                    self._sentence(run, _chinese_only(fields))
                    if kind == "han"
                    else self._latin_word(run, fields, kind == "word")
                    for kind, run in _without_stop_words(runs, _run_word)
                ]
            )
        parts = [
            self._han_word(run, _chinese_only(fields))
            if kind == "han"
            else self._latin_word(run, fields, kind == "word")
            for kind, run in runs
        ]
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def _han_word(self, run, fields):
        grams = han_bigrams(run)
        required = UnionOr(
            [
                _phrase_or_term(recall_field(f), grams, self.weights[f] * self._recall(f))
                for f in fields
            ]
        )
        chinese = [f for f in fields if f in CHINESE_FIELDS]
        if not chinese:
            return required
        words = [w for w, _, _ in han_words(run, self.userdict)]
        bonus = UnionOr([_all_terms(f, words, self.weights[f]) for f in chinese])
        return wq.AndMaybe(required, bonus)

    def _recall(self, field):
        """The weight share of a Chinese field's recall twin (its words rank
        beside it); an English field is its own, single view."""
        return self.recall if field in CHINESE_FIELDS else 1.0

    def _sentence(self, run, fields):
        """A long Han stretch, e.g. a question: any of its words, ranked."""
        words = [w for w, _, _ in han_words(run, self.userdict)]
        picked = [w for w in words if len(w) > 1] or words
        return UnionOr([self._han_word(w, fields) for w in dict.fromkeys(picked)])

    def _latin_word(self, word, fields, is_word):
        clauses = []
        ranked = ranking_term(word) if is_word else None  # None: a stop word
        for f in fields:
            if f in ENGLISH_FIELDS:
                clauses.append(wq.Term(f, english_term(word), boost=self.weights[f]))
                continue
            if ranked:  # the stem matches wherever the exact word does
                clauses.append(wq.Term(f, ranked, boost=self.weights[f]))
            clauses.append(wq.Term(recall_field(f), word, boost=self.weights[f] * self.recall))
        return UnionOr(clauses)

    def phrase(self, text, scope):
        runs = _query_runs(text)
        words = []
        for i, (kind, run) in enumerate(runs):
            if kind == "han":
                words.extend(han_bigrams(run))
                if len(run) > 1 and i < len(runs) - 1:
                    words.append(run[-1])  # keep positions aligned for what follows
            else:
                words.append(run)
        if not words:
            return wq.NullQuery
        fields = SCOPE_FIELDS[scope]
        if all(kind == "han" for kind, _ in runs):
            fields = _chinese_only(fields)
        return self._phrase_on(fields, words)

    def _phrase_on(self, fields, words):
        return UnionOr(
            [
                _phrase_or_term(recall_field(f), _field_terms(f, words), self.weights[f])
                for f in fields
            ]
        )

    def filter(self, node):
        if node.field == "date":
            query = _date_range(node.value)
        elif node.field == "site":
            query = wq.Term("site_tags", node.value)
        else:
            query = wq.Term("batch_tags", node.value)
        return query


@dataclass(frozen=True)
class Question:
    """A question to rank by :mod:`zhen.rank`: its words (any may match),
    the scope they share, and the Whoosh queries of its filters and
    exclusions (applied as document sets)."""

    text: str
    scope: str | None
    filters: tuple
    negatives: tuple


def question_of(compiler, tree):
    """The :class:`Question` in ``tree``, or None when it is not one.

    A question has only words, phrases (and groups of them) of one scope,
    filters and exclusions, and reads as a question: more than
    :data:`QUESTION_WORDS` words, a word that is a sentence (more than 8 Han
    characters), or a last word ending in a question mark (``什么是留置权？``).
    Its words are ranked, none required; so are its quoted parts, which in
    a question mark a term as people write them (“外嫁女”是否享有拆迁补偿？)
    rather than ask for an exact phrase: requiring them left 15 of STARD's
    1,235 questions without any result. ORs keep their meaning through
    :meth:`Compiler.compile`.
    """
    leaves = _question_leaves(tree)
    if leaves is None:
        return None
    words = [leaf for leaf in leaves if isinstance(leaf, Term)]
    if not (
        len(leaves) > QUESTION_WORDS
        or any(map(_reads_as_question, words))
        or leaves[-1].text.rstrip().endswith(QUESTION_MARKS)
    ):
        return None
    return _question(compiler, tree, leaves)


def relaxed_question_of(compiler, tree):
    """``tree`` as a :class:`Question` to fall back on when it finds
    nothing as written, or None: a query of the shape a question has and at
    least :data:`RELAX_WORDS` words to rank by (``网络借贷实际交付``, a word and a
    quoted phrase no article has together). Users expect something rather
    than nothing for such a query; a shorter one (``第二``, ``tarif``)
    keeps its empty result and its suggestion."""
    leaves = _question_leaves(tree)
    if leaves is None:
        return None
    question = _question(compiler, tree, leaves)
    found = views(question.text, compiler.userdict, question.scope)
    words = {t for group in found["words"] for t in group.terms}
    return question if len(words) >= RELAX_WORDS else None


def _question_leaves(tree):
    """The words and phrases of ``tree`` when it has the shape of a question
    (see :func:`question_of`), else None."""
    children = tree.children if isinstance(tree, And) else (tree,)
    leaves = _plain_leaves([c for c in children if not isinstance(c, (Not, Filter))])
    if not leaves or len({leaf.scope for leaf in leaves}) != 1:
        return None
    return leaves


def _question(compiler, tree, leaves):
    children = tree.children if isinstance(tree, And) else (tree,)
    return Question(
        text=" ".join(leaf.text for leaf in leaves),
        scope=leaves[0].scope,
        filters=tuple(compiler.filter(c) for c in children if isinstance(c, Filter)),
        negatives=tuple(compiler.compile(c.child) for c in children if isinstance(c, Not)),
    )


def _reads_as_question(word):
    return reads_as_question(run for kind, run in _query_runs(word.text) if kind == "han")


def _plain_leaves(nodes):
    """The words and phrases of ``nodes`` when all are words, phrases or
    groups of them (``(the fluid flow being along the generators)``), else
    None."""
    leaves = []
    for node in nodes:
        if isinstance(node, And):
            inner = _plain_leaves(node.children)
            if inner is None:
                return None
            leaves.extend(inner)
        elif isinstance(node, (Term, Phrase)):
            leaves.append(node)
        else:
            return None
    return leaves


def _query_runs(text):
    """(kind, text) of each script run of normalised query text."""
    norm = normalize(text).text
    return [(kind, norm[s:e]) for kind, s, e in script_runs(norm)]


def _field_terms(field, words):
    """Phrase words as a field indexes them: English fields hold stems."""
    if field not in ENGLISH_FIELDS:
        return words
    return [w if HAN_RUN.match(w) else english_term(w) for w in words]


def _without_stop_words(items, word_of):
    """``items`` but those whose ``word_of`` is an English stop word, unless
    nothing else is left: where no word is required, stop words (which
    English fields keep, for phrases) only add noise to the ranking."""
    return [item for item in items if word_of(item) not in ENGLISH_STOP_WORDS] or items


def _term_word(node):
    """A query node's text when it is a plain word, normalised."""
    return normalize_query(node.text) if isinstance(node, Term) else None


def _run_word(run):
    """A script run's text when it is a Latin word."""
    return run[1] if run[0] == "word" else None


def _chinese_only(fields):
    """Chinese text is looked for in the Chinese fields (English ones hold
    none), unless the user scoped the query to English fields."""
    return tuple(f for f in fields if f in CHINESE_FIELDS) or fields


def _coordinated(query):
    """``query`` plus a constant larger than any BM25 score it gives, so an
    OR of such clauses ranks documents by how many clauses they match first,
    then by relevance. (Scoring only: the matches are those of ``query``.)"""
    return wq.AndMaybe(wq.ConstantScoreQuery(query, COORDINATION_BONUS), query)


def _phrase_or_term(field, words, boost):
    """A phrase of recall terms; one Han character is a prefix, since it is
    indexed as the first half of bigrams (and alone only at a run's end).
    The prefix scores ``boost`` for every match, in any segmentation
    (:class:`zhen.postings.CharacterPrefix`)."""
    if len(words) > 1:
        return wq.Phrase(field, words, boost=boost)
    word = words[0]
    if len(word) == 1 and HAN_RUN.match(word):
        return CharacterPrefix(field, word, boost=boost)
    return wq.Term(field, word, boost=boost)


def _all_terms(field, words, boost):
    if len(words) == 1:
        return wq.Term(field, words[0], boost=boost)
    return wq.And([wq.Term(field, w, boost=boost) for w in words])


def _date_range(value: DateRange):
    start = value.start or datetime(1, 1, 1)
    end = value.end or datetime(9999, 12, 31)
    return wq.DateRange("date", start, end)
