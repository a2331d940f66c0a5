"""Every use of a Whoosh private name, in one place.

zhen relies on Whoosh 2.7.4 beyond its public API in a few places, each
for a measured reason (speed, or a Whoosh bug worked around). They all live
here, so an upgrade of Whoosh is checked in one module:
``tests/test_whoosh_internals.py`` fails with a clear message naming any
private name that the installed Whoosh no longer has.

* the codec: a term info with the ``set_inline`` name Whoosh's posting
  writer calls (its own is ``set_inlined``), a field writer that uses it,
  and a per-document reader that reads a segment's length column once;
* :class:`CountingTopCollector`: a top-k collector that also keeps every
  match (overrides ``_collect``, and never publishes ``minscore``);
* :class:`UnionOr`: OR as a plain union tree (overrides ``_matcher``);
* :class:`AndNot`: Whoosh's AndNot with its first-match bug fixed
  (overrides ``AndNotMatcher._find_first``);
* :class:`ResilientMpWriter`: a multi-process writer that survives a dead
  worker (overrides ``_enqueue``, ``_commit``, uses ``tasks``);
* :func:`segment_count` (``FileIndex._segments``);
* :func:`add_segment` (a merge that keeps exact field-length totals:
  ``W3PerDocWriter._fieldlengths``);
* for the question ranker (:mod:`zhen.postings`): a term's raw matcher, its
  posting blocks whole, a segment's length table.
"""

import queue

from whoosh import collectors, matching
from whoosh import query as wq
from whoosh.codec import whoosh3
from whoosh.index import FileIndex
from whoosh.multiproc import MpWriter
from whoosh.reading import SegmentReader
from whoosh.util import make_binary_tree
from whoosh.util.numeric import byte_to_length

# (owner, private name): what this module relies on.
REQUIRED = [
    (whoosh3, "_lenfield"),
    (whoosh3.W3TermInfo, "set_inlined"),
    (whoosh3.W3FieldWriter, "start_term"),
    (whoosh3.W3PerDocReader, "_cached_reader"),
    (collectors.TopCollector, "_collect"),
    (collectors.ScoredCollector, "matches"),
    (wq.CompoundQuery, "_matcher"),
    (matching.AndNotMatcher, "_find_first"),
    (matching.AndNotMatcher, "_find_next"),
    (MpWriter, "_enqueue"),
    (MpWriter, "_commit"),
    (MpWriter, "_new_task"),
    (FileIndex, "_segments"),
    (SegmentReader, "_text_to_bytes"),
    (whoosh3.W3LeafMatcher, "_read_data"),
    (whoosh3.W3LeafMatcher, "_goto"),
]
# Instance attributes, checked on real objects by the test.
REQUIRED_ATTRIBUTES = {
    "W3FieldWriter": ("_postwriter", "_fieldobj"),
    "W3PerDocReader": ("_doccount",),
    "W3PerDocWriter": ("_fieldlengths",),
    "fixed-width column reader": ("_count", "_dbfile", "_basepos"),
    "TopCollector": ("minscore",),
    "MpWriter": ("tasks", "jobqueue", "resultqueue"),
    "SegmentReader": ("_terms", "_perdoc"),
    "W3LeafMatcher": ("_data", "_blocklength", "_lastblock", "_nextoffset"),
}
_BYTE_LENGTHS = tuple(byte_to_length(b) for b in range(256))


def missing_names():
    """``owner.name`` of every required private name Whoosh lacks."""
    return [
        f"{getattr(owner, '__name__', owner)}.{name}"
        for owner, name in REQUIRED
        if not hasattr(owner, name)
    ]


# -- the codec ------------------------------------------------------------


class InliningTermInfo(whoosh3.W3TermInfo):
    """Whoosh 2.7.4's postings writer inlines postings by calling
    ``set_inline``, a method its term info calls ``set_inlined``; with this
    name too, inlining (a documented Whoosh feature) works. A format without
    values (ID fields) writes none; they are stored as empty bytes, since
    Whoosh's list matcher would give ``''`` for them when segments merge."""

    def set_inline(self, ids, weights, values):
        self.set_inlined(ids, weights, values or [b""] * len(ids))


class InliningFieldWriter(whoosh3.W3FieldWriter):
    """Whoosh's field writer, starting each term with an
    :class:`InliningTermInfo`."""

    def start_term(self, btext):
        self._btext = btext
        self._postwriter.start_postings(self._fieldobj.format, InliningTermInfo())


class LengthTableReader(whoosh3.W3PerDocReader):
    """Reads each field's length column once, then answers from memory
    (Whoosh reads the column file once per posting)."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._length_tables = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        table = self._length_tables.get(fieldname)
        if table is None:
            table = self._length_tables[fieldname] = self._length_table(fieldname)
        if not table:
            return default
        # Whoosh's reader gives None for a stored zero; so does this.
        return _BYTE_LENGTHS[table[docnum]] or None

    def _length_table(self, fieldname):
        """The field's one-byte lengths of every document, as bytes."""
        reader = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        if reader is None:
            return b""
        stored = reader._count  # Whoosh's fixed-width column reader
        raw = reader._dbfile.get(reader._basepos, stored) if stored else b""
        return raw + bytes(max(0, self._doccount - stored))


# -- searching ------------------------------------------------------------


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


def posting_blocks(matcher):
    """(delta-coded ids, weights, count) of each block of a W3 leaf matcher,
    a whole block at a time (its public interface gives one posting per
    call, through several Python calls each)."""
    while True:
        matcher._read_data()
        yield matcher._data[0], matcher._data[1], matcher._blocklength
        if matcher._lastblock:
            return
        matcher._goto(matcher._nextoffset)


def length_table(reader, field):
    """A segment's one-byte field lengths of every document as bytes, when
    it is read through zhen's codec (:class:`LengthTableReader`); else None."""
    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, LengthTableReader):
        return None
    return perdoc._length_table(field)


def segment_count(ix):
    """How many segments the index's last commit has."""
    return len(ix._segments())


def add_segment(writer, reader):
    """``writer.add_reader(reader)`` (merge a segment into the writer's new
    one) keeping the segment's exact field-length totals, so BM25's average
    field length, and every score, are what a fresh build would give.
    Whoosh adds each document's length as stored, rounded to one byte: after
    a merge the averages drift (scores by ~0.3 % on the sample). A segment
    with deleted documents keeps the rounded sum of its live ones (their
    exact lengths are not stored)."""
    totals = writer.perdocwriter._fieldlengths
    before = dict(totals)
    writer.add_reader(reader)
    if reader.has_deletions():
        return
    for name in list(totals):
        added = totals[name] - before.get(name, 0)
        if added:
            totals[name] += reader.field_length(name) - added


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


# -- writing with worker processes ----------------------------------------


class ResilientMpWriter(MpWriter):
    """Whoosh's MpWriter that keeps going when a worker process dies.

    A worker that dies (an analysis bug on one record, the OOM killer)
    takes the documents it held with it; the indexer finds them missing
    after the commit and indexes them one by one, reporting any that fail
    (:meth:`zhen.indexer._Run._commit`). Whoosh's own writer would instead
    keep counting the dead worker as one of its ``procs`` and, once the job
    queue is full, wait forever for it to take the next job.
    """

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.jobqueue = _PatientQueue(self.jobqueue, self)

    def _enqueue(self):
        self.forget_dead_workers()
        super()._enqueue()

    def _commit(self, mergetype, optimize, merge):
        self.forget_dead_workers()
        super()._commit(mergetype, optimize, merge)

    def forget_dead_workers(self):
        self.tasks = [task for task in self.tasks if task.is_alive()]

    def start_worker(self):
        return self._new_task()

    def worker_processes(self):
        return list(self.tasks)

    def queues(self):
        return [self.jobqueue, self.resultqueue]


class _PatientQueue:
    """A job queue whose ``put`` starts a new worker whenever every worker
    has died, instead of blocking on a full queue forever."""

    def __init__(self, inner, writer):
        self.inner, self.writer = inner, writer

    def put(self, item, block=True, timeout=None):
        while True:
            try:
                return self.inner.put(item, timeout=1)
            except queue.Full:
                self.writer.forget_dead_workers()
                if not self.writer.tasks:
                    self.writer.start_worker()

    def __getattr__(self, name):
        return getattr(self.inner, name)
