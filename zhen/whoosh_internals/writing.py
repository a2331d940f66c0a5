"""Writing beyond Whoosh's public API: merges that keep exact field lengths,
a faster document writer, and worker processes that survive a dead one."""

import gc
import heapq
import queue
from datetime import datetime
from itertools import groupby, repeat
from operator import itemgetter

from whoosh import multiproc
from whoosh.fields import NUMERIC, FieldType
from whoosh.multiproc import MpWriter
from whoosh.writing import PostingPool, SegmentWriter

from .codec import FIELD_AND_TERM, InliningFieldWriter
from .copying import keep_exact_lengths
from .gathering import GatheredField, gathered_postings


def add_segment(writer, reader):
    """``writer.add_reader(reader)`` (merge a segment into the writer's new
    one, a posting at a time) keeping the segment's exact field-length
    totals (:func:`.copying.keep_exact_lengths`): Whoosh adds each
    document's length as stored, rounded to one byte, and after a merge the
    averages drift (scores by ~0.3 % on the sample)."""
    totals = writer.perdocwriter._fieldlengths
    before = dict(totals)
    writer.add_reader(reader)
    keep_exact_lengths(totals, before, reader)


# Whoosh's estimate of a posting's memory (PostingPool.add), less the bytes
# of its field name, term text (counted twice) and value.
_POSTING_BYTES = 28 + 4 * 5 + 21 + 26 + 18 + 16 + 21
# A gathered posting's memory: its term's number, its weight and its value's
# place in a field's columns (the value itself counted apart); and a
# gathered term's: its text and its entry in the field's term numbers.
_GATHERED_BYTES = 4 + 4 + 8
_TERM_BYTES = 120
# Numbers and dates whose postings a writer keeps (they are shared, never
# changed), and the values that qualify.
_NUMERIC_VALUES_KEPT = 10_000
_NUMBERS = (int, float, datetime)


class FieldSortedPool(PostingPool):
    """Whoosh's posting pool, holding a list of postings per field and
    sorting each by term alone: postings arrive in document order, so a
    stable sort by term gives the order of Whoosh's sort of whole
    ``(field, term, docnum, weight, value)`` tuples, 3.4 times faster (one
    bytes comparison per step instead of a tuple's; 20 % of a STARD build's
    CPU was that sort). Runs spilled to disk and their merge are Whoosh's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.by_field = {}

    def add(self, item):
        super().add(item)
        self.current.pop()  # Whoosh's add appended it (after a save, if full)
        self.by_field.setdefault(item[0], []).append(item)

    def extend(self, fieldname, postings, size):
        """Add one field's ``postings`` of one document, ``size`` bytes by
        Whoosh's estimate."""
        self.fieldnames.add(fieldname)
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()
        self.by_field.setdefault(fieldname, []).extend(postings)

    def _sorted(self):
        found = []
        for fieldname in sorted(self.by_field):
            found.extend(sorted(self.by_field[fieldname], key=_TERM))
        self.by_field = {}
        return found

    def save(self):
        postings = self._sorted()
        if postings:
            path, f = self._new_run()
            self._write_run(f, postings)
            self._add_run(path)
        self.currentsize = 0

    def items(self, maxfiles=128):
        if not self.runs:
            return self._sorted()
        return super().items(maxfiles)


_TERM = itemgetter(1)


def _columns(field, value):
    """(terms, frequencies, weights, values) of a field's postings for a
    value: Whoosh's ``index``, as four lists. A field whose format gives
    them at once (``word_columns``, :mod:`zhen.codec`) gives them so, its
    terms as text; any other as Whoosh's ``index`` yields them, its terms
    as bytes."""
    if type(field).index is FieldType.index and isinstance(value, str) and field.format:
        word_columns = getattr(field.format, "word_columns", None)
        found = word_columns(value, field.analyzer) if word_columns else None
        if found is not None:
            return found
    items = list(field.index(value))
    if not items:
        return [], [], [], []
    return tuple(map(list, zip(*items)))


class FastSegmentWriter(SegmentWriter):
    """Whoosh's segment writer, gathering a document's postings a field at a
    time as columns (fieldname -> :class:`.gathering.GatheredField`),
    grouped by term with one sort per field when the segment is written,
    instead of pooling one tuple per posting and sorting them all: the
    tuples, their sort and their grouping back into terms were a fifth of
    a STARD build. Every byte written is Whoosh's own
    (``tests/test_codec.py``).

    Gathered postings are counted against Whoosh's posting budget
    (``limitmb``); past it, and once a segment is merged in (its postings
    come as sorted tuples), they move to Whoosh's pool, a
    :class:`FieldSortedPool`, which sorts runs in memory or spills them to
    disk as Whoosh does."""

    def __init__(self, ix, *args, **kwargs):
        super().__init__(ix, *args, **kwargs)
        whooshs = self.pool
        self.pool = FieldSortedPool(whooshs.tempstore, whooshs.segment)
        self.pool.limit = whooshs.limit
        self.collected = {}
        self.collected_size = 0
        self.collecting = True
        self.numeric_terms = {}

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
                added = self._add_postings(fieldname, field, docnum, value, boost)
                if field.scorable:
                    length = added
            stored = fields.get("_stored_%s" % fieldname, value)
            perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
            if field.column_type and stored is not None:
                perdocwriter.add_column_value(
                    fieldname, field.column_type, field.to_column_value(stored)
                )
        perdocwriter.finish_doc()
        if self.collecting and self.collected_size > self.pool.limit:
            self._pool_collected()
        self._added = True
        self.docnum += 1

    def _add_postings(self, fieldname, field, docnum, value, boost):
        """Gather (or pool) a field's postings of a document; its length
        (the sum of the frequencies)."""
        if isinstance(field, NUMERIC) and isinstance(value, _NUMBERS):
            texts, freqs, weights, values = self._numeric_terms(fieldname, field, value)
        else:
            texts, freqs, weights, values = _columns(field, value)
        if boost != 1.0:
            weights = [weight * boost for weight in weights]
        if self.collecting:
            self._gather(fieldname, docnum, texts, weights, values)
        else:
            self._pool_field(fieldname, docnum, texts, weights, values)
        return sum(freqs)

    def _numeric_terms(self, fieldname, field, value):
        """A number's or date's postings (Whoosh's ``index``: a term for
        each of its resolutions, 8 for a date), made once per value: dates
        repeat from document to document, and making their terms was 4 %
        of a STARD build."""
        key = (fieldname, value)
        found = self.numeric_terms.get(key)
        if found is None:
            if len(self.numeric_terms) >= _NUMERIC_VALUES_KEPT:
                self.numeric_terms.clear()
            found = self.numeric_terms[key] = _columns(field, value)
        return found

    def _pool_field(self, fieldname, docnum, texts, weights, values):
        if not texts:
            return
        if isinstance(texts[0], str):
            texts = [text.encode("utf-8") for text in texts]
        count = len(texts)
        size = (_POSTING_BYTES + len(fieldname)) * count + 2 * sum(map(len, texts))
        if values[0] is not None:  # a format's values are all bytes or all None
            size += sum(map(len, values))
        posts = zip(repeat(fieldname, count), texts, repeat(docnum, count), weights, values)
        self.pool.extend(fieldname, list(posts), size)

    def add_reader(self, reader):
        self._pool_collected()
        super().add_reader(reader)

    def _pool_collected(self):
        """Move the gathered postings to the pool, and pool from now on."""
        gathered = gathered_postings(self.collected)
        for fieldname, group in groupby(gathered, key=itemgetter(0)):
            posts = list(group)
            size = (_POSTING_BYTES + len(fieldname)) * len(posts)
            size += sum(2 * len(btext) + len(value or b"") for _, btext, _, _, value in posts)
            self.pool.extend(fieldname, posts, size)
        self.collected, self.collected_size, self.collecting = {}, 0, False

    def _gather(self, fieldname, docnum, texts, weights, values):
        """Gather a document's postings of a field (:class:`GatheredField`)."""
        gathered = self.collected.get(fieldname)
        if gathered is None:
            gathered = self.collected[fieldname] = GatheredField()
        new_terms = gathered.add(docnum, texts, weights, values)
        size = _GATHERED_BYTES * len(texts) + _TERM_BYTES * new_terms
        if values and values[0]:
            size += sum(map(len, values))
        self.collected_size += size

    def _flush_segment(self):
        """Whoosh's flush, with the gathered fields written among the
        pooled ones (:meth:`.codec.InliningFieldWriter.add_postings`)."""
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        postings = self.pool.iter_postings()
        if isinstance(self.fieldwriter, InliningFieldWriter):
            self.fieldwriter.add_postings(self.schema, lengths, postings, self.collected)
        else:  # another codec's writer: the gathered postings merged in
            gathered = gathered_postings(self.collected)
            postings = heapq.merge(postings, gathered, key=FIELD_AND_TERM)
            self.fieldwriter.add_postings(self.schema, lengths, postings)
        self.collected = {}
        self.fieldwriter.close()
        if lengths:
            lengths.close()


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
        # The child inherits every object of this process (the run's file
        # list, the chunk): frozen, its garbage collections do not write to
        # them, so their pages stay shared instead of being copied.
        gc.freeze()
        try:
            task.start()
        finally:
            gc.unfreeze()
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
