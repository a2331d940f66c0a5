"""The document page's content: both languages, the query's matches marked,
and laws read article by article side by side.

Matching is the library's (:func:`zhen.highlight.match_spans`, the same
normalisation as the index, so 中華民國 is marked for the query 中华民国);
each text is matched once, whole, and each article row marks its own slice
of the spans, so a law of 1,200 articles costs one pass per language.
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from markupsafe import Markup

from ..align import article_pairs
from ..errors import QueryError
from ..highlight import Needles, match_spans
from ..query import parse, positive_leaves
from ..render import mark


@dataclass
class Row:
    """One aligned row: an article (or the text before the first) in each
    language; either may be missing."""

    key: str | None
    zh: Markup | None
    en: Markup | None


@dataclass
class Reading:
    """What the document page shows besides the record's plain fields."""

    title: Markup
    title_en: Markup
    summary: Markup
    zh: Markup = Markup("")
    en: Markup = Markup("")
    rows: list = field(default_factory=list)
    matches: int = 0

    @property
    def aligned(self):
        return bool(self.rows)


def needles_for(query, userdict=None):
    """What to mark for ``query``: its words and phrases (not the NOT part,
    nor filters); nothing for an empty or malformed query."""
    if not query or not query.strip():
        return Needles()
    try:
        tree = parse(query)
    except QueryError:
        return Needles()
    return Needles.from_texts((leaf.text for leaf in positive_leaves(tree)), userdict)


def reading(record, query="", userdict=None):
    """The :class:`Reading` of a document record for ``query``."""
    needles = needles_for(query, userdict)
    zh_text = record.get("resulting_text") or ""
    en_text = record.get("translated_content") or ""
    marked = {
        key: _Marked(record.get(key) or "", needles)
        for key in ("title", "translated_title", "english_summary")
    }
    zh, en = _Marked(zh_text, needles), _Marked(en_text, needles)
    result = Reading(
        title=marked["title"].html(),
        title_en=marked["translated_title"].html(),
        summary=marked["english_summary"].html(),
        matches=sum(m.count for m in (*marked.values(), zh, en)),
    )
    pairs = article_pairs(zh_text, en_text) if zh_text and en_text else None
    if pairs is None:
        result.zh, result.en = zh.html(), en.html()
    else:
        result.rows = [
            Row(
                key=(a or b).key,
                zh=zh.html(a.start, a.end) if a else None,
                en=en.html(b.start, b.end) if b else None,
            )
            for a, b in pairs
        ]
    return result


class _Marked:
    """A text and its match spans, marked a slice at a time."""

    def __init__(self, text, needles):
        self.text = text
        self.spans = match_spans(text, needles) if text and needles else []
        self._ends = [end for _, end in self.spans]
        self._starts = [start for start, _ in self.spans]

    @property
    def count(self):
        return len(self.spans)

    def html(self, start=0, end=None):
        """Escaped ``text[start:end]`` with its matches in <mark> (only the
        spans that touch the slice are handed to :func:`mark`)."""
        end = len(self.text) if end is None else end
        first = bisect_right(self._ends, start)
        last = bisect_left(self._starts, end)
        return Markup(mark(self.text, self.spans[first:last], start, end))
