"""Bulk bodies made in parallel: zhen's analysis of many documents.

Analysis (jieba words, Han bigrams, stems; :func:`.writer.source_json`) is
where a cluster build spends most of its client time, and it is pure
Python, so one process uses one core. :class:`Renderer` analyses a chunk of
documents in a pool of forked worker processes when the chunk is large
enough to repay the pickling, else in this process. Workers are forked
inside :func:`zhen.workers.guarded`: they die with their parent and leave
Ctrl-C to it. A document whose analysis fails becomes an error message,
never a failed chunk.
"""

import multiprocessing
import os

from ...workers import guarded
from .writer import field_analyzers, source_json

# Fewer documents than this are analysed in this process.
PARALLEL_MIN = 64

_worker: dict = {}  # the analyzers of a worker process (set by _init)


def _init(userdict):
    _worker["analyzers"] = field_analyzers(userdict)


def _render_many(docs):
    """(id, JSON line or None, error message or None) of each document."""
    return [_render_one(doc, _worker["analyzers"]) for doc in docs]


def _render_one(doc, analyzers):
    try:
        return doc.id, source_json(doc, analyzers), None
    except Exception as exc:  # any failure of analysis: report the document
        return doc.id, None, f"cannot be indexed: {type(exc).__name__}: {exc}"


class Renderer:
    """Documents to ``_source`` lines, in ``jobs`` processes when it pays."""

    def __init__(self, userdict=None, jobs=None):
        self.userdict = userdict
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.analyzers = field_analyzers(userdict)
        self.pool = None
        self._guard = None

    def render(self, docs):
        """([(id, JSON line)], {id: error message}) for ``docs``, in order."""
        if self.jobs > 1 and len(docs) >= PARALLEL_MIN:
            size = -(-len(docs) // (self.jobs * 4))
            parts = [docs[i : i + size] for i in range(0, len(docs), size)]
            results = [r for part in self._pool().map(_render_many, parts) for r in part]
        else:
            results = [_render_one(doc, self.analyzers) for doc in docs]
        rendered = [(doc_id, line) for doc_id, line, _ in results if line is not None]
        errors = {doc_id: error for doc_id, _, error in results if error is not None}
        return rendered, errors

    def _pool(self):
        if self.pool is None:
            self._guard = guarded()
            self._guard.__enter__()
            context = multiprocessing.get_context("fork")
            self.pool = context.Pool(self.jobs, initializer=_init, initargs=(self.userdict,))
        return self.pool

    def close(self):
        """Stop the worker processes (at once: nothing is pending)."""
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        if self._guard is not None:
            self._guard.__exit__(None, None, None)
            self._guard = None
