"""Question ranking: BM25 over three views of a question, fused.

A question ("环境保护公益诉讼应当提交哪些材料？", "what problems of heat
conduction in composite slabs have been solved") is not a list of required
keywords: any of its words may match, and how well a document answers it is
a matter of ranking. Measured on STARD and Cranfield (``bench/RESULTS.md``),
questions rank best when views are scored separately and then fused: Han
character bigrams (robust to jieba's segmentation of informal questions),
jieba words and English stems (precise when the segmentation is right), and
the question's rarer single characters (partial matches: 转借 and 贷款).

Each view is scored by BM25 term at a time over Whoosh's postings
(:mod:`zhen.postings`) into one numpy array per view (a document's fields of
one language are one text, BM25F); each view is divided by its best score,
and the weighted sum ranks. Every query term counts once, whatever its
frequency in the question, and function words are left out
(:mod:`zhen.stopwords`). A question matches the documents with any of its
bigrams or words; characters only rank them.
"""

from dataclasses import dataclass

import numpy as np

from . import feedback, postings
from .analysis import han_words, script_runs
from .english import english_term
from .normalize import normalize
from .schema import CHINESE_FIELDS, ENGLISH_FIELDS, recall_field
from .stopwords import is_stop_word

# BM25 parameters (k1, b, title boost: a title term counts this many times
# a body term, as in BM25F) of Chinese and of English fields, each tuned on
# the judged collection of its language (bench/RESULTS.md).
PARAMS = {"zh": (1.2, 0.75, 1.0), "zh_x": (1.2, 0.75, 1.0), "en": (2.0, 0.75, 2.0)}
TITLE_FIELDS = ("title", "title_x", "title_en")
# Characters in more than this share of documents (as their bigrams show)
# are left out of the character view.
COMMON_CHAR = 0.05
# View weights, after each view is divided by its maximum (bench/RESULTS.md).
WEIGHTS = {"grams": 0.55, "words": 0.3, "chars": 0.15}
# The views whose terms decide what a question matches (what
# :meth:`zhen.compiler.Compiler.question` compiles); characters only rank.
MATCHING = ("grams", "words")
SCOPES = {
    None: CHINESE_FIELDS + ENGLISH_FIELDS,
    "title": ("title", "title_en"),
    "zh": CHINESE_FIELDS,
    "en": ENGLISH_FIELDS,
}


@dataclass(frozen=True)
class Group:
    """Fields scored as one text, as BM25F does: each field's term counts
    and length times its boost, added."""

    fields: tuple
    terms: tuple
    lang: str = "zh"  # whose PARAMS score it
    chars: bool = False  # terms are single Han characters (in recall fields)
    grams: tuple = ()  # for characters: the question's bigrams
    weights: tuple = ()  # each term's weight, when not all 1 (feedback terms)

    @property
    def boosts(self):
        title = PARAMS[self.lang][2]
        return tuple(title if f in TITLE_FIELDS else 1.0 for f in self.fields)


def views(text, userdict=None, scope=None, stop=is_stop_word):
    """{view name: [Group]} of a question's text, within ``scope``'s fields;
    a question of nothing but function words is ranked by them."""
    found = _views(text, userdict, scope, stop)
    if stop is not None and not any(found.values()):
        return _views(text, userdict, scope, None)
    return found


def _views(text, userdict, scope, stop):
    stop = stop or (lambda word: False)
    grams, words, latin = [], [], []
    norm = normalize(text).text
    for kind, start, end in script_runs(norm):
        run = norm[start:end]
        if kind == "han":
            grams.extend(g for g in _bigrams(run) if not stop(g))
            words.extend(w for w, _, _ in han_words(run, userdict) if len(w) > 1 and not stop(w))
        elif not stop(run):
            latin.append(english_term(run))
    fields = SCOPES[scope]
    zh = tuple(f for f in CHINESE_FIELDS if f in fields)
    en = tuple(f for f in ENGLISH_FIELDS if f in fields)
    chars = [c for g in grams for c in g if not stop(c)]
    recall = tuple(map(recall_field, zh))
    out = {
        "grams": [Group(recall, _unique(grams), "zh_x")],
        "chars": [Group(recall, _unique(chars), "zh_x", True, _unique(grams))],
        "words": [Group(zh, _unique(words + latin)), Group(en, _unique(latin), "en")],
    }
    return {name: [g for g in groups if g.fields and g.terms] for name, groups in out.items()}


def _bigrams(run):
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _unique(items):
    return tuple(dict.fromkeys(items))


def fused_scores(searcher, question_views, weights=None):
    """One score per global document number: each view's BM25 divided by
    its best, weighted and added (0 where nothing matched)."""
    weights = weights or WEIGHTS
    fused = np.zeros(searcher.doc_count_all(), dtype=np.float64)
    matched = np.zeros(len(fused), dtype=bool)
    for name, groups in question_views.items():
        if not weights.get(name):
            continue
        view = np.zeros_like(fused)
        for group in groups:
            bm25(searcher, group, view)
        if name in MATCHING:
            matched |= view > 0
        best = view.max() if len(view) else 0.0
        if best > 0:
            fused += weights.get(name, 0.0) * view / best
    return np.where(matched, fused, 0.0)


def bm25(searcher, group, out):
    """Add the BM25 score of each document for ``group`` into ``out``."""
    norms = length_norms(searcher, group)
    if norms is None:
        return
    k1 = PARAMS[group.lang][0]
    count = searcher.doc_count_all()
    terms = group.terms
    if group.chars:
        terms = _rare_chars(searcher, group, count * COMMON_CHAR)
    weights = dict(zip(group.terms, group.weights))
    for term in terms:
        read = postings.char_postings if group.chars else postings.term_postings
        docs, tf = read(searcher, group.fields, term, group.boosts)
        if not len(docs):
            continue
        idf = np.log(1 + (count - len(docs) + 0.5) / (len(docs) + 0.5))
        out[docs] += weights.get(term, 1.0) * idf * tf * (k1 + 1) / (tf + norms[docs])


def length_norms(searcher, group):
    """BM25's length normalisation, k1 · (1 − b + b · length / average
    length), of every document in ``group``'s fields (None when no document
    has any length there): computed once per set of segments, not once per
    term (on a million documents, a whole-index array each time)."""
    k1, b, _ = PARAMS[group.lang]

    def norms():
        lengths = postings.group_lengths(searcher, group.fields, group.boosts)
        present = lengths[lengths > 0]
        return k1 * (1 - b + b * lengths / present.mean()) if len(present) else None

    return postings.per_segments(searcher, ("norms", group.fields, group.boosts, k1, b), norms)


def _rare_chars(searcher, group, most):
    """The characters of ``group`` in at most ``most`` documents, as far as
    the question's own bigrams tell: a character is in every document one
    of its bigrams is in. A common character weighs little in BM25 and is
    the costliest to read (its postings are those of every bigram it
    starts), so it is left to the bigram view."""
    seen = {}
    for gram in group.grams:
        df = len(postings.term_postings(searcher, group.fields, gram, group.boosts)[0])
        for char in gram:
            seen[char] = max(seen.get(char, 0), df)
    return [c for c in group.terms if seen.get(c, 0) <= most]


def top(scores, allowed, k):
    """(the ``k`` best document numbers in order, every matching one)."""
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0)
    matched = np.flatnonzero(scores > 0)
    if len(matched) > k:
        best = matched[np.argpartition(-scores[matched], k - 1)[:k]]
    else:
        best = matched
    order = best[np.lexsort((best, -scores[best]))]
    return order, matched


class QuestionHit(dict):
    """A ranked document: its stored fields, as Whoosh's hit gives them
    (``hit["record"]``, ``hit.get("date")``), and its fused ``score``."""

    def __init__(self, fields, score):
        super().__init__(fields)
        self.score = score


def rank_question(searcher, question, k, userdict=None):
    """(the ``k`` best :class:`QuestionHit` in order, every matching global
    document number) of a :class:`zhen.compiler.Question`."""
    found = views(question.text, userdict, question.scope)
    scores = np.where(allowed_mask(searcher, question), fused_scores(searcher, found), 0.0)
    # feedback always draws from the same first page, whatever ``k``, so
    # that pages of any size agree
    order, matched = top(scores, None, max(k, feedback.SOURCE))
    if k > feedback.KEPT and len(order) > feedback.KEPT:
        order, ranked = _with_feedback(searcher, found, scores, order, k)
    else:
        order = order[:k]
        ranked = scores[order]
    hits = [QuestionHit(searcher.stored_fields(int(d)), float(s)) for d, s in zip(order, ranked)]
    return hits, matched


def _with_feedback(searcher, found, scores, order, k):
    """(``order`` with the documents after the question's first
    ``feedback.KEPT`` re-ranked by the question and the terms typical of its
    first page (:mod:`zhen.feedback`), their scores)."""
    first = order[: feedback.SOURCE]
    extra = np.zeros_like(scores)
    for group in feedback.feedback_groups(found):
        terms = feedback.feedback_terms(searcher, group, scores, first, set(group.terms))
        if terms:
            expanded = Group(group.fields, tuple(terms), group.lang, weights=tuple(terms.values()))
            bm25(searcher, expanded, extra)
    return feedback.rerank_after_kept(order, scores, extra, k)


def allowed_mask(searcher, question):
    """True for each live document its filters select and no exclusion hits."""
    allowed = postings.live_mask(searcher).copy()
    for query in question.filters:
        selected = np.zeros_like(allowed)
        selected[list(searcher.docs_for_query(query))] = True
        allowed &= selected
    for query in question.negatives:
        allowed[list(searcher.docs_for_query(query))] = False
    return allowed


def warm(searcher):
    """Read once what every question needs, so that the first question
    after an index opens does not pay for it: jieba's dictionary (about a
    quarter of a second), each view's length normalisation and the deleted
    documents. Characters' postings are not read ahead: each costs tens of
    milliseconds and a corpus has thousands (bench/RESULTS.md)."""
    found = views("预热 warm", scope=None, stop=None)
    for groups in found.values():
        for group in groups:
            length_norms(searcher, group)
    postings.live_mask(searcher)
