"""A segment's postings gathered field by field as flat columns, grouped by
term only when the segment is written.

Whoosh pools one tuple per posting and sorts them all; zhen's writer first
gathered them by term instead (a dict of three containers per term, a
Python step and three appends per posting: a fifth of a STARD build). Here a
document's postings of a field are appended as whole columns at C speed:
each term's number (given by a dict's ``setdefault``), the weights, the
values, and the document number once with its count of postings. When the
segment is written, one stable sort by the terms' byte order (numpy) puts
every posting in the order Whoosh writes them -- by term, then by document,
since documents arrive in order -- and a term's postings are slices.
"""

from array import array
from itertools import count

import numpy as np

# Postings turned back into Python objects at a time when a field is
# written: bounds the memory of that step, whatever the field holds.
_POSTINGS_PER_PIECE = 1 << 18


class GatheredField:
    """One field's postings of a segment being written, as columns.

    A field's terms are all text or all bytes (by its type); a term given
    as the other kind would be a second spelling of it, silently merged by
    nothing, so :meth:`add` refuses it.
    """

    __slots__ = ("_term_ids", "_next_id", "_ids", "_docnums", "_doc_counts", "_weights", "_values")

    def __init__(self):
        self._term_ids = {}  # term -> its number (unique, not dense)
        self._next_id = count()
        self._ids = array("I")  # each posting's term number
        self._docnums = array("I")  # each document's number, once
        self._doc_counts = array("I")  # ... and how many postings it brought
        self._weights = array("f")
        self._values = []

    def __len__(self):
        """How many postings are gathered."""
        return len(self._ids)

    def add(self, docnum, texts, weights, values):
        """Add a document's postings of this field (equal-length sequences
        of distinct terms, weights and value bytes); the number of terms
        the field did not have yet."""
        if not texts:
            return 0
        terms = self._term_ids
        known = len(terms)
        if known and type(texts[0]) is not type(next(iter(terms))):
            raise ValueError("a term gathered both as text and as bytes")
        self._ids.extend(map(terms.setdefault, texts, self._next_id))
        self._docnums.append(docnum)
        self._doc_counts.append(len(texts))
        self._weights.extend(weights)
        self._values.extend(values)
        return len(terms) - known

    def postings_by_term(self):
        """(term as UTF-8 bytes, document numbers, weights, values) of every
        term, terms in byte order and each term's documents ascending, as
        Whoosh writes them."""
        if not self._term_ids:
            return
        terms, order, ends = self._sorted()
        docs = np.repeat(
            np.frombuffer(self._docnums, dtype=np.uint32),
            np.frombuffer(self._doc_counts, dtype=np.uint32),
        )
        weights = np.frombuffer(self._weights, dtype=np.float32)
        value_at = self._values.__getitem__
        start = first = 0
        while first < len(terms):
            last = min(int(np.searchsorted(ends, start + _POSTINGS_PER_PIECE)), len(terms) - 1)
            stop = int(ends[last])
            piece = order[start:stop]
            piece_docs, piece_weights = docs[piece].tolist(), weights[piece].tolist()
            piece_values = list(map(value_at, piece.tolist()))
            at = 0
            for term, end in zip(terms[first : last + 1], ends[first : last + 1].tolist()):
                end -= start
                yield term, piece_docs[at:end], piece_weights[at:end], piece_values[at:end]
                at = end
            start, first = stop, last + 1

    def _sorted(self):
        """(terms as bytes in byte order, the postings' order by term then
        document, where each term's postings end in that order)."""
        texts = list(self._term_ids)
        if isinstance(texts[0], str):
            texts = [text.encode("utf-8") for text in texts]
        numbers = np.fromiter(self._term_ids.values(), dtype=np.int64, count=len(texts))
        by_bytes = sorted(range(len(texts)), key=texts.__getitem__)
        rank = np.zeros(int(numbers.max()) + 1, dtype=np.int64)
        rank[numbers[by_bytes]] = np.arange(len(texts))
        keys = rank[np.frombuffer(self._ids, dtype=np.uint32)]
        order = np.argsort(keys, kind="stable")
        ends = np.cumsum(np.bincount(keys, minlength=len(texts)))
        return [texts[i] for i in by_bytes], order, ends


def gathered_postings(gathered):
    """The postings of gathered fields (fieldname -> :class:`GatheredField`)
    as Whoosh's sorted ``(fieldname, term bytes, docnum, weight, value)``
    tuples."""
    for fieldname in sorted(gathered):
        for btext, docs, weights, values in gathered[fieldname].postings_by_term():
            for posting in zip(docs, weights, values):
                yield (fieldname, btext, *posting)
