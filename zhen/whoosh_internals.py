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
  worker (overrides ``_enqueue``, ``_commit``, uses ``tasks``) and whose
  workers write with :class:`FastSegmentWriter` (``multiproc.SegmentWriter``
  replaced in the worker process only);
* :class:`FastSegmentWriter`: Whoosh's ``add_document`` with a document's
  postings added to the pool field by field (``PostingPool.current``,
  ``currentsize``, ``limit``, ``fieldnames``);
* :func:`segment_count` (``FileIndex._segments``);
* :func:`add_segment` (a merge that keeps exact field-length totals:
  ``W3PerDocWriter._fieldlengths``);
* for the question ranker (:mod:`zhen.postings`): a term's raw matcher, its
  posting blocks whole, a segment's length table.
"""

import queue
from itertools import groupby
from operator import itemgetter

from whoosh import collectors, matching, multiproc
from whoosh import query as wq
from whoosh.codec import whoosh3
from whoosh.codec.base import OutOfOrderError
from whoosh.index import FileIndex
from whoosh.multiproc import MpWriter
from whoosh.reading import SegmentReader
from whoosh.util import make_binary_tree
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

# (owner, private name): what this module relies on.
REQUIRED = [
    (whoosh3, "_lenfield"),
    (whoosh3.W3TermInfo, "set_inlined"),
    (whoosh3.W3FieldWriter, "start_term"),
    (whoosh3.W3PostingsWriter, "_write_block"),
    (whoosh3.W3PerDocReader, "_cached_reader"),
    (collectors.TopCollector, "_collect"),
    (collectors.ScoredCollector, "matches"),
    (wq.CompoundQuery, "_matcher"),
    (matching.AndNotMatcher, "_find_first"),
    (matching.AndNotMatcher, "_find_next"),
    (MpWriter, "_enqueue"),
    (MpWriter, "_commit"),
    (MpWriter, "_new_task"),
    (multiproc, "SegmentWriter"),
    (multiproc.SubWriterTask, "run"),
    (SegmentWriter, "_check_fields"),
    (SegmentWriter, "_doc_boost"),
    (SegmentWriter, "_field_boost"),
    (FileIndex, "_segments"),
    (SegmentReader, "_text_to_bytes"),
    (whoosh3.W3LeafMatcher, "_read_data"),
    (whoosh3.W3LeafMatcher, "_goto"),
]
# Instance attributes, checked on real objects by the test.
REQUIRED_ATTRIBUTES = {
    "W3FieldWriter": ("_postwriter", "_fieldobj"),
    "W3PostingsWriter": (
        "_blocklimit",
        "_ids",
        "_weights",
        "_values",
        "_maxweight",
        "_minlength",
        "_maxlength",
    ),
    "W3PerDocReader": ("_doccount",),
    "W3PerDocWriter": ("_fieldlengths",),
    "fixed-width column reader": ("_count", "_dbfile", "_basepos"),
    "TopCollector": ("minscore",),
    "MpWriter": ("tasks", "jobqueue", "resultqueue", "storage", "indexname", "subargs"),
    "PostingPool": ("current", "currentsize", "limit", "fieldnames"),
    "SegmentWriter": ("perdocwriter", "docnum", "pool", "_added"),
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
    :class:`InliningTermInfo`, and filling a term's posting blocks a block
    at a time: Whoosh's loop makes four calls per posting (40 % of a STARD
    build's flush). The blocks, term infos and bytes are Whoosh's own
    (``tests/test_codec.py`` compares them with Whoosh's loop)."""

    def start_term(self, btext):
        self._btext = btext
        self._postwriter.start_postings(self._fieldobj.format, InliningTermInfo())

    def add_postings(self, schema, lengths, items):
        field_length = _length_bytes(lengths)
        current_field, last = None, None
        for key, group in groupby(items, key=_FIELD_AND_TERM):
            if last is not None and key <= last:
                raise OutOfOrderError(f"{last!r} .. {key!r}")
            last = key
            fieldname, btext = key
            if fieldname != current_field:
                if current_field is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                current_field = fieldname
            postings = list(group)
            if postings[0][2] == -1:  # spelling words (sorted first): not postings
                postings = [p for p in postings if p[2] != -1]
            if postings:
                self.start_term(btext)
                self._fill_blocks(postings, fieldname, field_length)
                self.finish_term()
        if current_field is not None:
            self.finish_field()

    def _fill_blocks(self, postings, fieldname, field_length):
        """What Whoosh's ``add_posting`` does one posting at a time: full
        blocks written as the next posting arrives, the last one left to
        ``finish_term`` (which may inline it)."""
        writer = self._postwriter
        limit = writer._blocklimit
        lengths = field_length(fieldname)
        for start in range(0, len(postings), limit):
            if start:
                writer._write_block()
            block = postings[start : start + limit]
            docs = [p[2] for p in block]
            weights = [p[3] for p in block]
            writer._ids.extend(docs)
            writer._weights.extend(weights)
            writer._values.extend([p[4] for p in block if p[4]])
            writer._maxweight = max(0, *weights)
            # length bytes: 0 is "no length"; byte_to_length is monotonic
            known = [lengths[d] for d in docs]
            shortest = min(filter(None, known), default=0)
            writer._minlength = _BYTE_LENGTHS[shortest] if shortest else None
            writer._maxlength = _BYTE_LENGTHS[max(known)]


def _length_bytes(lengths):
    """fieldname -> a table of each document's one-byte field length, from
    a per-document reader (or none: every length 0)."""
    if isinstance(lengths, LengthTableReader):
        return lengths.length_table
    if not lengths:
        return lambda fieldname: _NO_LENGTHS

    def table(fieldname):
        return _LengthsOf(lengths, fieldname)

    return table


class _LengthsOf:
    """doc -> one-byte field length, from any per-document reader."""

    def __init__(self, reader, fieldname):
        self.reader, self.fieldname = reader, fieldname

    def __getitem__(self, docnum):
        return length_to_byte(self.reader.doc_field_length(docnum, self.fieldname) or 0)


class _NoLengths:
    def __getitem__(self, docnum):
        return 0


_NO_LENGTHS = _NoLengths()


class LengthTableReader(whoosh3.W3PerDocReader):
    """Reads each field's length column once, then answers from memory
    (Whoosh reads the column file once per posting)."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._length_tables = {}

    def length_table(self, fieldname):
        """Every document's one-byte length of ``fieldname`` (0: none)."""
        table = self._length_tables.get(fieldname)
        if table is None:
            table = self._length_tables[fieldname] = self._length_table(fieldname)
        return table or _NO_LENGTHS

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


_FIELD_AND_TERM = itemgetter(0, 1)


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


# Whoosh's estimate of a posting's memory (PostingPool.add), less the bytes
# of its field name, term text (counted twice) and value.
_POSTING_BYTES = 28 + 4 * 5 + 21 + 26 + 18 + 16 + 21


class FastSegmentWriter(SegmentWriter):
    """Whoosh's segment writer, adding a document's postings to the pool a
    field at a time (one list and one size sum per field) instead of one
    call per posting: 10 % of a STARD build was ``PostingPool.add``. The
    pool's content, and so every byte written, is Whoosh's own
    (``tests/test_codec.py``); only when it spills to disk may a run end a
    field earlier."""

    def add_document(self, **fields):
        self._check_state()
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            if field.separate_spelling() or field.vector:
                raise NotImplementedError(f"{fieldname}: spelling or vectors")
            length = 0
            if field.indexed:
                boost = self._field_boost(fields, fieldname, docboost)
                items = list(field.index(value))
                if field.scorable:
                    length = sum(item[1] for item in items)
                self._pool_field(fieldname, docnum, items, boost)
            stored = fields.get("_stored_%s" % fieldname, value)
            perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
            if field.column_type and stored is not None:
                perdocwriter.add_column_value(
                    fieldname, field.column_type, field.to_column_value(stored)
                )
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _pool_field(self, fieldname, docnum, items, boost):
        if not items:
            return
        pool = self.pool
        posts = [(fieldname, text, docnum, weight * boost, v) for text, _, weight, v in items]
        size = (_POSTING_BYTES + len(fieldname)) * len(posts)
        size += sum(2 * len(text) + len(v or b"") for text, _, _, v in items)
        pool.fieldnames.add(fieldname)
        pool.currentsize += size
        if pool.currentsize > pool.limit:
            pool.save()
        pool.current.extend(posts)


class _FastWriterTask(multiproc.SubWriterTask):
    """A worker process of :class:`ResilientMpWriter`: Whoosh's own task,
    writing with :class:`FastSegmentWriter` (the name Whoosh's task looks up
    is replaced in this forked process only)."""

    def run(self):
        multiproc.SegmentWriter = FastSegmentWriter
        super().run()


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

    def _new_task(self):
        task = _FastWriterTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task

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
