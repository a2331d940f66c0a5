"""Whoosh postings and field lengths as numpy arrays, for term-at-a-time
scoring (:mod:`zhen.rank`).

Whoosh's matchers hand out one posting at a time, through several Python
calls each; a question's terms have tens of thousands of postings, so the
question ranker reads a term's posting blocks whole instead: each block
holds packed arrays of document numbers and weights (the term frequency,
for zhen's formats; :mod:`zhen.whoosh_internals.blocks`), and all of a
term's blocks are decoded together into numpy arrays
(:mod:`zhen.whoosh_internals.block_arrays`). Postings kept in the term
table (inlined, :mod:`zhen.codec`) are read from there. Any other matcher
is read through Whoosh's ordinary interface.

Arrays are indexed by global document number (segment offset + local
number), so one array spans every segment of the searcher.
"""

import weakref
from collections import OrderedDict
from threading import Lock

import numpy as np
from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from .schema import char_field
from .whoosh_internals import inlined_postings, length_table, packed_term_arrays, term_matcher

_BYTE_LENGTHS = np.array([byte_to_length(b) or 0 for b in range(256)], dtype=np.float64)
# Per open Whoosh searcher: (fields) -> lengths, "live" -> not-deleted mask.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Postings most recently read, by (the searcher's segments, fields, boosts,
# term): segments never change once written, so an entry stays right for as
# long as they live. Bounded by the postings held (8 bytes each).
CACHED_POSTINGS = 8_000_000
_CHAR = "\x00char:"  # term_postings of every term a character starts


def term_postings(searcher, fields, term, boosts=None):
    """(global document numbers, term frequency) of ``term`` in any of
    ``fields`` (frequencies times the field's boost, added over the
    fields), deleted documents included (:func:`live_mask` removes them)."""
    boosts = tuple(boosts or (1.0,) * len(fields))
    key = (segments(searcher), tuple(fields), boosts, term)
    found = _POSTINGS.get(key)
    if found is None:
        found = _read(searcher, fields, term, boosts)
        _POSTINGS.put(key, found)
    return found


def char_postings(searcher, fields, char, boosts=None):
    """:func:`term_postings` of one Han character in recall fields: its
    postings in each field's character twin (:func:`zhen.schema.char_field`),
    which counts every occurrence, as the recall field's bigrams starting
    with it (and the run-final unigram) would add up to. A field without
    that twin (an English field, which indexes Han text as bigrams too) is
    read the slow way: the postings of every term the character starts
    (:func:`_segment_char_postings` decides, segment by segment)."""
    return term_postings(searcher, fields, _CHAR + char, boosts)


def _read(searcher, fields, term, boosts):
    runs = []  # per field, its postings in every segment: ascending ids
    for field, boost in zip(fields, boosts):
        docs, freqs = [], []
        for sub, offset in _leaves(searcher):
            reader = sub.reader() if hasattr(sub, "reader") else sub
            found = _segment_postings(reader, field, term)
            if found is not None:
                docs.append(found[0] + offset)
                freqs.append(found[1] * boost)
        if docs:
            runs.append((np.concatenate(docs), np.concatenate(freqs)))
    if not runs:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    docs, freqs = runs[0] if len(runs) == 1 else _merge_runs(runs)
    return docs.astype(np.int32), freqs.astype(np.float32)


def _merge_runs(runs):
    """(ids, frequencies added) of several ascending runs of postings, in
    one ascending run: a stable sort merges sorted runs in linear time,
    where ``numpy.unique`` sorted them from scratch (a third of a common
    term's read, on a million documents)."""
    docs = np.concatenate([run[0] for run in runs])
    order = np.argsort(docs, kind="stable")
    docs, freqs = docs[order], np.concatenate([run[1] for run in runs])[order]
    same = docs[1:] == docs[:-1]
    if not same.any():
        return docs, freqs
    if len(runs) == 2:  # a document is in each run once: pairs at most
        freqs[:-1][same] += freqs[1:][same]
        keep = np.concatenate(([True], ~same))
        return docs[keep], freqs[keep]
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    return docs[starts], np.add.reduceat(freqs, starts)


def _leaves(searcher):
    """(sub-searcher or reader, document number offset) of each segment."""
    subs = getattr(searcher, "subsearchers", None)
    return subs if subs is not None else [(searcher, 0)]


def per_searcher(searcher, key, make):
    """What ``make()`` gives, kept for as long as the Whoosh ``searcher``
    lives (its segments, and so the value, do not change)."""
    cache = _CACHE.setdefault(searcher, {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


# Arrays that depend on a searcher's segments alone, not on their deleted
# documents (field lengths, length norms, facet columns), by the segments'
# identity: shared by every searcher of the same segments -- ``zhen serve``
# opens one per thread, and at a million documents each held ~100 MB of
# them. Kept for the last few sets of segments (an update makes a new set;
# threads move to it one request at a time).
_SHARED: OrderedDict = OrderedDict()
_SHARED_SETS = 2
_SHARED_LOCK = Lock()


def per_segments(searcher, key, make):
    """What ``make()`` gives, shared by every searcher of the same segments
    (``make`` must not depend on deletions); per searcher when a segment
    has no identity of its own."""
    ids = segments(searcher)
    if not all(isinstance(one, str) for one in ids):
        return per_searcher(searcher, key, make)
    with _SHARED_LOCK:
        found = _SHARED.get(ids)
        if found is None:
            found = _SHARED[ids] = {}
            while len(_SHARED) > _SHARED_SETS:
                _SHARED.popitem(last=False)
        _SHARED.move_to_end(ids)
        if key in found:
            return found[key]
    value = make()  # outside the lock: another searcher's may be made meanwhile
    with _SHARED_LOCK:
        return found.setdefault(key, value)


def segments(searcher):
    """The identity of a searcher's segments (and so of its postings)."""

    def identities():
        ids = []
        for sub, _ in _leaves(searcher):
            reader = sub.reader() if hasattr(sub, "reader") else sub
            segment = getattr(reader, "segment", None)
            ids.append(segment().segment_id() if segment else id(reader))
        return tuple(ids)

    return per_searcher(searcher, "segments", identities)


class _PostingsCache:
    """A least-recently-used cache of postings arrays."""

    def __init__(self, capacity):
        self.capacity, self.size = capacity, 0
        self.entries = OrderedDict()
        self.lock = Lock()

    def get(self, key):
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key, found):
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = found
            self.size += 1 + len(found[0])
            while self.size > self.capacity and self.entries:
                _, old = self.entries.popitem(last=False)
                self.size -= 1 + len(old[0])


_POSTINGS = _PostingsCache(CACHED_POSTINGS)


def _segment_postings(reader, field, term):
    """(local document numbers, weights) of one term in one segment."""
    if field not in reader.schema:
        return None
    if isinstance(term, str) and term.startswith(_CHAR):
        return _segment_char_postings(reader, field, term[len(_CHAR) :])
    try:
        info = reader.term_info(field, term)
    except TermNotFound:
        return None
    if info.is_inlined():
        ids, weights, _ = inlined_postings(info, reader.schema[field].format)
        ids = np.asarray(ids, dtype=np.int64)
        return ids, np.ones(len(ids)) if weights is None else np.asarray(weights, dtype=np.float64)
    found = packed_term_arrays(reader, info)
    if found is not None:
        return found
    return _generic(term_matcher(reader, field, term))


def _segment_char_postings(reader, field, char):
    """(local document numbers, summed frequencies) of the terms of
    ``field`` that ``char`` starts (its character twin's one term, when
    the field has one)."""
    twin = char_field(field)
    if twin is not None and twin in reader.schema:
        return _segment_postings(reader, twin, char)
    found = [
        _segment_postings(reader, field, term.decode("utf-8"))
        for term in reader.expand_prefix(field, char)
        if len(term) <= 6
    ]
    found = [f for f in found if f is not None]
    if not found:
        return None
    docs, inverse = np.unique(np.concatenate([f[0] for f in found]), return_inverse=True)
    return docs, np.bincount(inverse, weights=np.concatenate([f[1] for f in found]))


def _generic(matcher):
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


def group_lengths(searcher, fields, boosts=None):
    """Each document's length in ``fields`` (each times its boost, added),
    by global number; Whoosh's one-byte approximations, as its own BM25
    uses. Read once per set of segments (:func:`per_segments`)."""
    boosts = tuple(boosts or (1.0,) * len(fields))

    def lengths():
        total = np.zeros(searcher.doc_count_all())
        for sub, offset in _leaves(searcher):
            reader = sub.reader() if hasattr(sub, "reader") else sub
            for field, boost in zip(fields, boosts):
                found = _segment_lengths(reader, field)
                total[offset : offset + len(found)] += boost * found
        return total

    return per_segments(searcher, ("lengths", tuple(fields), boosts), lengths)


def _segment_lengths(reader, field):
    count = reader.doc_count_all()
    table = length_table(reader, field)
    if table is not None:  # zhen's codec: the whole column at once
        raw = np.frombuffer(table, dtype=np.uint8)[:count]
        return _BYTE_LENGTHS[raw] if len(raw) == count else np.zeros(count)
    return np.array(
        [reader.doc_field_length(n, field) or 0 for n in range(count)], dtype=np.float64
    )


def live_mask(searcher):
    """True for each global document number that is not deleted."""

    def live():
        found = np.ones(searcher.doc_count_all(), dtype=bool)
        for sub, offset in _leaves(searcher):
            reader = sub.reader() if hasattr(sub, "reader") else sub
            if reader.has_deletions():
                dead = [n for n in range(reader.doc_count_all()) if reader.is_deleted(n)]
                found[np.asarray(dead, dtype=np.int64) + offset] = False
        return found

    return per_searcher(searcher, "live", live)


class CharacterPrefix(wq.Prefix):
    """A one-character query on a bigram field: every document with a term
    starting with the character, each scoring ``boost``: the postings of the
    character in the field's character twin (:func:`zhen.schema.char_field`),
    or, in a field without one, of every term it starts. Whoosh's
    ``Prefix`` would build a union of one matcher per expanded term (726
    bigrams start with 税 in a segment of the twlaw index: ~200 ms) and
    score by BM25 in a segment where the prefix expands to a single term;
    this reads the terms' postings a block at a time into one sorted list
    and scores every match the same, in any segmentation. Deleted documents
    are left out, as Whoosh's term matchers leave them out (a replaced
    document was counted twice before)."""

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        if not reader.is_atomic():  # a multi-segment searcher: per segment
            return super().matcher(searcher, context)
        found = _segment_char_postings(reader, self.fieldname, self.text)
        if found is None:
            return NullMatcher()
        docs = found[0].tolist()
        if reader.has_deletions():  # Whoosh's own matchers skip them
            docs = [doc for doc in docs if not reader.is_deleted(doc)]
        if not docs:
            return NullMatcher()
        return ListMatcher(docs, all_weights=self.boost)

    def estimate_size(self, ixreader):
        twin = char_field(self.fieldname)
        if twin is not None and twin in ixreader.schema:
            return ixreader.doc_frequency(twin, self.text)
        return sum(
            ixreader.doc_frequency(self.fieldname, term)
            for term in ixreader.expand_prefix(self.fieldname, self.text)
        )
