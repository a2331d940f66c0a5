"""Searching beyond Whoosh's public API: counting every match, plain unions,
a fixed AndNot, posting blocks read whole for the question ranker and for
phrases evaluated on arrays, and columns read whole for the indexer."""

from itertools import accumulate

import numpy as np
from whoosh import collectors, columns, matching
from whoosh import query as wq
from whoosh.reading import TermNotFound
from whoosh.util import make_binary_tree

from .block_arrays import decode_ids_weights
from .blocks import (
    block_data,
    decode_block,
    inlined_postings,
    stored_blocks,
    values_at,
)
from .codec import LengthTableReader


class CountingTopCollector(collectors.TopCollector):
    """Whoosh's top-k collector, also keeping every matching document in
    ``docset``.

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


class UnionOr(wq.Or):
    """Whoosh's OR as a plain tree of union matchers over the clauses that
    match anything in a segment.

    Whoosh's automatic choice for small segments preloads an array of 2,048
    scores per OR and per segment, and its tree builder first looks up every
    clause's size to balance the tree; both cost more than the whole match
    of a short keyword query, on indexes with several segments.
    """

    def _matcher(self, subs, searcher, context):
        matchers = [q.matcher(searcher, context) for q in subs]
        matchers = [m for m in matchers if m.is_active()]
        if not matchers:
            return matching.NullMatcher()
        tree = make_binary_tree(matching.UnionMatcher, matchers)
        return matching.WrappingMatcher(tree, self.boost) if self.boost != 1.0 else tree


def term_matcher(reader, field, term):
    """A segment reader's raw matcher for one term (no scorer)."""
    text = reader._text_to_bytes(field, term)
    return reader._terms.matcher(field, text, reader.schema[field].format)


def packed_term_arrays(reader, terminfo):
    """(ids as int64, weights as float64) of every posting of a term that
    is not inlined, its blocks read in one call (:func:`.blocks.stored_blocks`)
    and decoded together (:func:`.block_arrays.decode_ids_weights`); None
    when the segment's codec does not write packed blocks (its class says
    so with ``PACKED_BLOCKS``)."""
    if not getattr(getattr(reader, "_codec", None), "PACKED_BLOCKS", False):
        return None
    counts, blocks = [], []
    for count, _, stored in stored_blocks(terminfo, reader._terms._postfile):
        counts.append(count)
        blocks.append(block_data(stored))
    return decode_ids_weights(blocks, counts)


def length_table(reader, field):
    """A segment's one-byte field lengths of every document as bytes, when
    it is read through zhen's codec (:class:`LengthTableReader`); else None."""
    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, LengthTableReader):
        return None
    return perdoc._length_table(field)


def segment_count(ix):
    """How many segments the index's last commit has."""
    return len(index_segments(ix))


def index_segments(ix):
    """The segments of the index's last commit (Whoosh ``Segment`` objects)."""
    return ix._segments()


class _AndNotMatcher(matching.AndNotMatcher):
    """Whoosh's matcher moves the excluded matcher up to the first
    candidate only when both start on the same document: when the excluded
    one starts earlier (it matches a document before the first candidate),
    the first candidate is returned even when it is excluded. ``行政 -法``
    then matched a document with 法 in each segment (found by the merge
    tests: totals changed with the segmentation)."""

    def _find_first(self):
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class AndNot(wq.AndNot):
    """``a ANDNOT b`` that never matches a document ``b`` matches."""

    def matcher(self, searcher, context=None):
        matches = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(matches, excluded)


def column_values(reader):
    """Every value of a variable-width column reader as a list of bytes, read
    in one piece (Whoosh's iterator makes a file read per value: most of an
    unchanged re-run of 58,637 documents). Other readers: their iterator."""
    if type(reader) is not columns.VarBytesColumn.Reader:  # noqa: E721 (not a subclass)
        return list(reader)
    lengths = reader._lengths
    data = reader._dbfile.get(reader._basepos, sum(lengths))
    starts = accumulate(lengths, initial=0)
    return [data[start : start + length] for start, length in zip(starts, lengths)]


def phrase_positions(searcher, field, textbytes, docs):
    """The positions of a term in ``field`` of each of ``docs`` (global
    document numbers, ascending), as lists; an empty list for a document
    without the term. Only the posting blocks whose range holds one of
    ``docs`` are decompressed, and only those documents' values decoded
    (a phrase's common word has a block in every stretch of the index)."""
    format_ = searcher.schema[field].format
    found = [[] for _ in range(len(docs))]
    subs = getattr(searcher, "subsearchers", None) or [(searcher, 0)]
    for sub, offset in subs:
        reader = sub.reader()
        lo, hi = np.searchsorted(docs, [offset, offset + reader.doc_count_all()])
        if lo == hi:
            continue
        local = docs[lo:hi] - offset
        try:
            terminfo = reader.term_info(field, textbytes)
        except TermNotFound:
            continue
        postfile = reader._terms._postfile
        for at, values in _values_of(terminfo, format_, postfile, local):
            for j, value in zip(at.tolist(), values):
                found[lo + j] = format_.decode_positions(value)
    return found


def _values_of(terminfo, format_, postfile, local):
    """(indexes into ``local`` of the documents a term has, their values),
    block by block."""
    if terminfo.is_inlined():
        ids, _, values = inlined_postings(terminfo, format_)
        at, hit = _present(np.asarray(ids, dtype=np.int64), local)
        yield at, [values[i] for i in hit.tolist()]
        return
    start = 0
    for count, last, stored in stored_blocks(terminfo, postfile):
        end = int(np.searchsorted(local, last, side="right"))
        if end > start:  # some of ``local`` fall in this block's range
            data = block_data(stored)
            ids = np.asarray(decode_block(data, count, values=False)[0], dtype=np.int64)
            at, hit = _present(ids, local[start:end])
            if len(at):
                yield start + at, values_at(data, count, hit.tolist())
        start = end
        if start == len(local):
            return


def _present(ids, wanted):
    """(indexes into ``wanted`` of the ones in ``ids``, their indexes in
    ``ids``); both ascending."""
    if not len(ids):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    hit = np.flatnonzero(ids[at] == wanted)
    return hit, at[hit]


def numeric_range_query(query, reader):
    """The query of terms Whoosh runs for a numeric (or date) range: its
    trie terms, as a constant-score union (``NumericRange._compile_query``)."""
    return query._compile_query(reader)
