"""Merges beside the indexing: a merge runs in a process of its own while
the next chunk is indexed, as Lucene's ``ConcurrentMergeScheduler`` does.

Run inside a commit, a merge keeps the indexing waiting: the workers of the
next chunk start only once it is done, and on two cores one of them sits
idle. At 100,000 generated documents the parent's merges were 133 of the
build's 460 CPU seconds, at a million more than a third, and growing faster
than the documents (``bench/RESULTS.md``).

A :class:`MergeScheduler` is a Whoosh merge policy (``mergetype``) for every
commit of one indexing run. At a commit it

1. takes in the merge that finished since the last one, if every segment
   it merged is still in the index with the same deleted documents (a
   document replaced meanwhile would otherwise come back); else the merged
   segment is dropped and the policy chooses again later;
2. asks :func:`~zhen.merging.segments_to_merge` which segments to merge
   next, leaving out those a running merge reads; small ones are merged
   into the writer's new segment at once
   (:func:`~zhen.merging.merged_apart`); a larger merge is started in a
   forked process, one at a time.

The merged segment's files are written to a folder of their own in the
index folder (:data:`MERGING`), out of reach of the clean-up every commit
makes of files no table of contents names, and moved beside the others
just before the commit that names the segment. Until then the segments it
merges stay the index: a merge killed with its run leaves only that
folder, cleared when the next run starts. A merge that fails is raised in
the run at the next commit (:class:`~zhen.errors.IndexMergeError`), never
dropped in silence; what was committed stays searchable.
"""

import contextlib
import gc
import multiprocessing
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

from whoosh.filedb.filestore import FileStorage

from .errors import IndexMergeError
from .merging import merged_apart, segments_to_merge, whoosh_merge
from .whoosh_internals import copy_segments

# The folder, inside a generation's folder, that merged segments are
# written to before they enter the index (a dot: Whoosh's clean-up skips it).
MERGING = ".merging"


class MergeScheduler:
    """The merge policy of one indexing run, merging beside it (see the
    module's docstring). Call :meth:`finish` after the run's last commit
    and :meth:`cancel` when the run is abandoned."""

    def __init__(self, ix):
        self.folder = Path(ix.storage.folder)
        self.out = self.folder / MERGING
        shutil.rmtree(self.out, ignore_errors=True)  # left by a killed run
        self.running = None  # a _Merge, while one runs

    def __call__(self, writer, segments):
        """The policy of one commit: returns the segments it keeps."""
        segments = self._take_finished(segments, wait=False)
        busy = self.running.deleted.keys() if self.running else set()
        chosen = segments_to_merge([seg for seg in segments if seg.segment_id() not in busy])
        if not chosen:
            return segments
        if not merged_apart(writer, chosen):  # small: into the writer's segment
            whoosh_merge(writer, chosen)
            return _without(segments, chosen)
        if self.running is None:
            self.running = _Merge.start(writer, chosen, self.out)
        return segments

    def finish(self, new_writer):
        """Wait for the running merge, if any, and commit its segment with
        a writer from ``new_writer()``."""
        if self.running is None:
            return
        self.running.process.join()
        writer = new_writer()
        try:
            writer.commit(mergetype=lambda writer, segments: self._take_finished(segments))
        except BaseException:
            writer.cancel()
            raise

    def cancel(self):
        """Stop the running merge, if any, and delete what it wrote."""
        if self.running is not None:
            self.running.stop()
            self.running = None
        shutil.rmtree(self.out, ignore_errors=True)

    def _take_finished(self, segments, wait=True):
        """``segments`` with the finished merge's sources replaced by its
        segment (last), when it may enter the index."""
        merge = self.running
        if merge is None or not (wait or merge.done()):
            return segments
        self.running = None
        merged, valid = merge.result(), merge.still_valid(segments)
        if merged is not None and valid:
            merge.move_into(merged, self.folder)
        shutil.rmtree(self.out, ignore_errors=True)  # a dropped merge, temporary files
        if not valid:
            return segments
        kept = _without(segments, merge.sources)
        return kept if merged is None else [*kept, merged]  # None: nothing was live


class _Merge:
    """One merge running in a forked process."""

    def __init__(self, process, conn, sources, out):
        self.process, self.conn, self.sources, self.out = process, conn, sources, out
        # segment id -> deleted documents when the merge started
        self.deleted = {seg.segment_id(): seg.deleted_count() for seg in sources}

    @classmethod
    def start(cls, writer, sources, out):
        out.mkdir(exist_ok=True)
        spec = SimpleNamespace(
            storage=writer.storage,
            schema=writer.schema,
            codec=writer.codec,
            indexname=writer.indexname,
        )
        receive, send = multiprocessing.Pipe(duplex=False)
        process = multiprocessing.get_context("fork").Process(
            target=_merge_in_child, args=(spec, sources, str(out), send), daemon=True
        )
        gc.freeze()  # the child's collections leave the parent's pages shared
        try:
            process.start()
        finally:
            gc.unfreeze()
        send.close()
        return cls(process, receive, sources, out)

    def done(self):
        return self.conn.poll()

    def result(self):
        """The merged segment (None when no document was live); raises
        :class:`IndexMergeError` when the merge failed."""
        try:
            kind, value = self.conn.recv()
        except EOFError:  # the process died without a word
            kind, value = "error", None
        finally:
            self.conn.close()
        self.process.join()
        if kind == "error":
            value = value or f"the merge process exited with code {self.process.exitcode}"
            raise IndexMergeError(
                f"a merge of {len(self.sources)} segments failed: {value}",
                hint="what was committed is searchable; run the same command again",
            )
        return value

    def still_valid(self, segments):
        """Whether every merged segment is in ``segments`` with the
        documents it had when the merge started."""
        now = {seg.segment_id(): seg.deleted_count() for seg in segments}
        return all(now.get(seg_id) == count for seg_id, count in self.deleted.items())

    def move_into(self, merged, folder):
        prefix = merged.segment_id()
        for name in os.listdir(self.out):
            if name.startswith(prefix):
                os.replace(self.out / name, folder / name)

    def stop(self):
        with contextlib.suppress(Exception):
            self.process.terminate()
            self.process.join(5)
        self.conn.close()


def _merge_in_child(spec, sources, out, conn):
    """The merge process: copy ``sources`` into a segment written to
    ``out`` and send it (or the failure) back."""
    try:
        merged = copy_segments(spec, sources, into=FileStorage(out))
        conn.send(("ok", merged))
    except BaseException as exc:  # everything goes back to the run
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _without(segments, dropped):
    ids = {seg.segment_id() for seg in dropped}
    return [seg for seg in segments if seg.segment_id() not in ids]
