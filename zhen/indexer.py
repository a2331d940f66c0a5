"""Building and updating the index: incremental, chunked, one writer at a time.

:func:`update_index` brings the index in line with input paths: new documents
are added, changed ones (by content hash) replaced, unchanged ones skipped
without being analysed. Work is committed every ``commit_every`` documents, so
a killed run leaves the last commit searchable and a rerun finishes the job
(ids are unique, so nothing is indexed twice). With ``rebuild=True`` the work
goes into a fresh generation that replaces the live one atomically at the end.

Memory is bounded independent of corpus size: one chunk of documents, plus
Whoosh's posting buffer of ``LIMIT_MB`` in each of ``jobs`` processes (by
Whoosh's own estimate of a posting's size; beyond it, postings are sorted in
runs on disk).
"""

import contextlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from .analysis import segmenter
from .codec import ZhenCodec
from .corpus import CorpusReader
from .errors import IndexInterruptedError
from .merge_scheduler import MergeScheduler
from .merging import finishing_groups, finishing_merge, run_is_finished_by_merging
from .prune import prunable
from .records import MAX_FIELD_CHARS, Problem
from .schema import analysed_fields, column_text, document_fields, text_values
from .store import BUILDING, CURRENT, IndexStore, _now, analysis_settings
from .whoosh_internals import FastSegmentWriter, ResilientMpWriter, column_values, index_segments
from .workers import collect_chunk, collection_paused, guarded, stop_workers

# Whoosh's posting buffer per worker: a chunk's postings sorted in memory need
# no spill to disk (pickled runs merged back: a fifth of the build time on
# twlaw with 128 MB, +44 % worker CPU on the generated corpus).
LIMIT_MB = 384
# A chunk is committed when it holds this many documents (setting
# commit_every; a crash loses at most one chunk) or when its postings would
# overflow the workers' buffers, whichever comes first. Every commit makes a
# segment per worker; short documents (STARD) need large chunks, or the
# index is made of many small segments that must then be merged.
COMMIT_EVERY = 20_000
# The postings a document brings grow with its distinct terms, and those with
# its length to the power 0.6 (Heaps' law): the chunk's budget per worker in
# those units. 1,000 twlaw laws per worker (457,000) sort in memory; 10,000
# generated documents per worker (~1,000,000) spill (bench/RESULTS.md).
CHUNK_WEIGHT_PER_JOB = 500_000
# Compression level of posting blocks (Zstandard, since format 6; zlib before):
# zlib level 1 made the first 10,000 STARD articles' index 32 % smaller (48.0
# -> 32.6 MB) for 5 % more CPU (22.1 -> 23.2 s); Zstandard's level 1 is as
# small as its level 3 on real blocks and decompresses in half zlib's time
# (bench/RESULTS.md).
COMPRESSION = 1
# A run that changes fewer documents (a small update) is written by this
# process: one segment instead of one per worker, and no worker start-up.
SMALL_RUN = 1000
# Documents handed to a worker process at a time (each batch is a pickled
# file and a queue message: 10 cost the parent 1.5 CPU s more on STARD; a run
# this large has at least 20 batches, so every worker gets some).
BATCH_DOCS = 50


@dataclass
class IndexReport:
    """What one indexing run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    missing: int = 0
    failed: int = 0
    documents: int = 0
    seconds: float = 0.0
    index: str = ""
    rebuilt: bool = False
    problems: list = field(default_factory=list)

    def to_dict(self):
        data = asdict(self)
        data["problems"] = [p.to_dict() for p in self.problems]
        return data


def update_index(
    paths: Iterable[str | os.PathLike],
    index: str | os.PathLike,
    rebuild: bool = False,
    prune: bool = False,
    jobs: int | None = None,
    commit_every: int = COMMIT_EVERY,
    userdict: str | None = None,
    wait: bool = False,
    progress: Callable[[], None] | None = None,
    max_field_chars: int = MAX_FIELD_CHARS,
) -> IndexReport:
    """Index ``paths`` into the index directory ``index``; returns an
    :class:`IndexReport`. ``jobs`` defaults to the number of CPUs.

    Raises :class:`~zhen.errors.IndexInterruptedError` on Ctrl-C, after
    closing the work in progress: what was committed stays searchable and
    a rerun finishes the job.
    """
    store = IndexStore(index)
    reader = CorpusReader(paths, max_field_chars)
    sources = reader.sources()  # fails early on a path that does not exist
    started = time.monotonic()
    segmenter(userdict)  # loaded once here; worker processes inherit it
    with store.lock(wait) as lock, guarded(lock.handle), collection_paused():
        gen = _target_generation(store, rebuild, userdict)
        run = _Run(store.open(gen), jobs or os.cpu_count() or 1, commit_every, progress)
        try:
            report = run.apply(reader, prune)
        except BaseException as exc:
            run.cancel()
            if not isinstance(exc, KeyboardInterrupt):
                raise
            raise IndexInterruptedError(
                f"interrupted: {run.committed:,} documents of this run were "
                f"committed; the index holds {run.ix.doc_count():,}",
                hint="run the same command again to finish",
            ) from None
        if rebuild:
            previous = store.current()
            store.link_generation(CURRENT, gen)
            store.remove_link(BUILDING)
            store.clean_old_generations(keep_previous=previous)
        report.documents = run.ix.doc_count()
        store.write_meta(gen, updated=_now(), sources=len(sources))
    report.seconds = round(time.monotonic() - started, 3)
    report.index, report.rebuilt = str(store.root), rebuild
    return report


def _target_generation(store, rebuild, userdict):
    """The generation to write: the live one, or the one being rebuilt."""
    if rebuild:
        gen = store.linked_generation(BUILDING)
        if gen is None or store.meta(gen).get("settings") != analysis_settings(userdict):
            gen = store.create_generation(userdict)
            store.link_generation(BUILDING, gen)
        return gen
    gen = store.current()
    if gen is None:
        gen = store.create_generation(userdict)
        store.link_generation(CURRENT, gen)
    store.check_settings(gen, userdict)
    return gen


class _Run:
    """One pass over the input against one open index."""

    def __init__(self, ix, jobs, commit_every, progress):
        self.ix = ix
        self.jobs = max(1, jobs)
        self.commit_every = max(1, commit_every)
        self.progress = progress or (lambda: None)
        self.writer = None
        self.pending = {}  # id -> (Document, "added" or "updated") since the last commit
        self.pending_weight = 0.0
        self.held = []  # pending documents not yet given to a writer
        self.parallel = False  # the run has used worker processes
        self.weight_limit = CHUNK_WEIGHT_PER_JOB * self.jobs
        self.committed = 0
        self.report = IndexReport()
        self.merges = MergeScheduler(ix)  # the policy of every commit of the run

    def apply(self, reader, prune):
        report = self.report
        known = known_documents(self.ix)
        seen = visit_documents(reader, known, self._one, report, self.progress)
        gone = prunable(known, seen, reader)
        if prune and gone:
            self._writer(parallel=self.jobs > 1 and self.parallel)
            for doc_id in gone:
                self.writer.delete_by_term("id", doc_id)
            report.removed = len(gone)
        else:
            report.missing = len(gone)
        self._commit(last=True)
        self.merges.finish(lambda: self._new_writer(parallel=False))
        if run_is_finished_by_merging(report.added + report.updated):
            self._finish()
        report.problems = reader.problems + report.problems
        report.failed = sum(p.severity == "error" for p in report.problems)
        return report

    def _one(self, doc, old):
        doc_hash = doc.content_hash
        if old is not None and old.hash == doc_hash:
            self.report.unchanged += 1
            return
        repeated = doc.id in self.pending  # the same id twice in one chunk:
        if repeated:  # commit so the update can see it
            self._commit()
        how = "added" if old is None and not repeated else "updated"
        setattr(self.report, how, getattr(self.report, how) + 1)
        self.pending[doc.id] = (doc, how)
        self.pending_weight += chunk_weight(doc)
        small_so_far = not self.parallel and len(self.pending) < SMALL_RUN
        if self.writer is None and self.jobs > 1 and small_so_far:
            self.held.append((doc, how))  # until the run proves large
        else:
            self._write(doc, how)
        if len(self.pending) >= self.commit_every or self.pending_weight >= self.weight_limit:
            self._commit()

    def _write(self, doc, how):
        writer = self._writer()
        if writer is None:  # a held document failed: the chunk was redone
            return
        try:
            if how == "added":
                writer.add_document(**document_fields(doc))
            else:
                writer.update_document(**document_fields(doc))
        except Exception:  # analysis failed in this process (one job)
            self._recover_chunk()

    def _recover_chunk(self):
        """A document failed half-way into the in-process writer, which
        cannot be trusted any more: drop the chunk and index it again one
        document at a time, so only the failing record is lost."""
        entries = list(self.pending.values())
        self.cancel()
        self.pending, self.pending_weight, self.held = {}, 0.0, []
        self._index_one_by_one(entries)

    def _writer(self, parallel=None):
        """The chunk's writer (made on first use, then fed the documents held
        back so far): worker processes for ``jobs`` > 1, except for a run of
        fewer than :data:`SMALL_RUN` documents, written in this process."""
        if self.writer is None:
            parallel = self.jobs > 1 if parallel is None else parallel
            self.parallel = self.parallel or parallel
            self.writer = self._new_writer(parallel)
            while self.held:
                self._write(*self.held.pop(0))
        return self.writer

    def _new_writer(self, parallel):
        codec = ZhenCodec(compression=COMPRESSION)
        if not parallel:
            return FastSegmentWriter(self.ix, limitmb=LIMIT_MB, codec=codec, compound=False)
        # Small batches, so an update is shared by every worker.
        return ResilientMpWriter(
            self.ix,
            procs=self.jobs,
            limitmb=LIMIT_MB,
            batchsize=BATCH_DOCS,
            multisegment=True,
            codec=codec,
            compound=False,
        )

    def _commit(self, last=False):
        if self.writer is None:
            if not self.held:
                return
            self._writer(parallel=self.jobs > 1 and not last)
            if self.writer is None:  # redone one by one
                return
        pending, before = self.pending, self.ix.doc_count()
        self.writer.commit(mergetype=self.merges)
        self.writer, self.pending, self.pending_weight = None, {}, 0.0
        collect_chunk()
        lost = self._lost(pending, before)
        self.committed += len(pending) - len(lost)
        if lost:
            self._index_one_by_one(lost)

    def _finish(self):
        """A large run's last commit: its small segments merged
        (:func:`~zhen.merging.finishing_merge`), so that the index it built
        is searched in few segments."""
        if finishing_groups(index_segments(self.ix)):
            self._new_writer(parallel=False).commit(mergetype=finishing_merge)

    def _lost(self, pending, before):
        """Documents of the chunk just committed that are not in the index:
        a worker process that failed takes its share of the chunk with it,
        silently (Whoosh's MpWriter merges what the others wrote)."""
        new = sum(1 for _, how in pending.values() if how == "added")
        if self.ix.doc_count() >= before + new:
            return []
        with self.ix.searcher() as searcher:
            return [
                entry
                for doc_id, entry in pending.items()
                if searcher.document_number(id=doc_id) is None
            ]

    def _index_one_by_one(self, entries):
        """Index the documents of ``entries`` in this process, one at a
        time: each that fails becomes a problem naming its record (and is
        not counted as added or updated); the others are indexed."""
        writer = self._new_writer(parallel=False)
        for doc, how in entries:
            try:
                fields = analysed_fields(self.ix.schema, doc)
            except Exception as exc:  # any failure of analysis: report it
                self.report.problems.append(
                    Problem(doc.path, doc.line, f"cannot be indexed: {type(exc).__name__}: {exc}")
                )
                setattr(self.report, how, getattr(self.report, how) - 1)
                continue
            writer.update_document(**fields)
            self.committed += 1
        writer.commit(mergetype=self.merges)

    def cancel(self):
        """Drop the uncommitted chunk (Ctrl-C) and a running merge;
        committed work stays."""
        self.merges.cancel()
        if self.writer is not None:
            stop_workers(self.writer)
            with contextlib.suppress(Exception):
                self.writer.cancel()
            self.writer = None


def chunk_weight(doc):
    """A document's share of a chunk's posting buffer (see
    :data:`CHUNK_WEIGHT_PER_JOB`)."""
    return sum(len(text) ** 0.6 for _, text in text_values(doc))


def visit_documents(reader, known, handle, report, progress):
    """Call ``handle(doc, known.get(doc.id))`` for every document ``reader``
    reads, not reading record files (and JSON Lines files) whose size,
    modification time, path and batch are those of ``known`` (id ->
    :class:`Known`); counts their documents as unchanged in ``report``.
    Returns the ids of ``known`` that were seen (only those can be pruned;
    a set of every id read took 126 MB at a million documents). Both
    engines' indexers walk their input this way."""
    seen = set()
    by_path = _ids_by_path(known)

    def unchanged(doc_id, path, batch, stamp):
        old = known.get(doc_id)
        return old is not None and (old.path, old.batch, old.stamp) == (path, batch, stamp)

    def unchanged_file(path, batch, stamp):
        held = by_path.get(path)
        ids = held if isinstance(held, list) else [held] if held is not None else []
        if ids and all((known[i].batch, known[i].stamp) == (batch, stamp) for i in ids):
            return ids
        return None

    for doc in reader.documents(unchanged, unchanged_file):
        if doc.id in known:
            seen.add(doc.id)
        handle(doc, known.get(doc.id))
        progress()
    for doc_id, _ in reader.skipped:
        seen.add(doc_id)
        report.unchanged += 1
        progress()
    return seen


def _ids_by_path(known):
    """path -> the id of the one document ``known`` has from that file, or
    a list of ids (a JSON Lines file). Keys and ids are ``known``'s own
    strings: at a million record files, a list and a tuple per file took
    203 MB more."""
    by_path: dict[str, str | list] = {}
    for doc_id, old in known.items():
        held = by_path.setdefault(old.path, doc_id)
        if isinstance(held, list):
            held.append(doc_id)  # in place: a copy each time made STARD's one file quadratic
        elif held is not doc_id:
            by_path[old.path] = [held, doc_id]
    return by_path


class Known(NamedTuple):
    """What the index holds of a document, to tell whether it changed."""

    hash: str
    path: str
    batch: str
    stamp: str | None


def known_documents(ix):
    """id -> :class:`Known` of every live document, read from the column
    store so no stored record is loaded; each column read whole, in order
    (an unchanged re-run of 58,637 documents spends most of its time here).
    Segment by segment: a column that no document of a segment has is
    simply absent there."""
    known, batches = {}, {}  # one string per batch, not one per document
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            ids, *facts = (
                column_values(leaf.column_reader(name, translate=False))
                if leaf.has_column(name)
                else None
                for name in ("id", "hash", "path", "batch", "stamp")
            )
            for n in leaf.all_doc_ids():
                hash_, path, batch, stamp = (
                    column_text(c[n]) if c is not None else None for c in facts
                )
                batch = batches.setdefault(batch, batch)
                known[column_text(ids[n])] = Known(hash_, path, batch, stamp)
    return known
