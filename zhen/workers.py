"""Worker processes that never outlive the indexer that started them.

``zhen index --jobs N`` analyses documents in forked worker processes
(Whoosh's MpWriter). Left alone they would survive a ``kill -9`` of their
parent, asleep on their job queue and holding the inherited writer lock,
so every later run would find the index "being written". While
:func:`guarded` is active, every child forked by this process:

* is killed by the kernel when its parent dies (Linux ``PR_SET_PDEATHSIG``);
* closes its copy of the writer lock's file, so only the parent holds it;
* ignores Ctrl-C, which is the parent's to handle (it stops the workers and
  says what was committed, instead of N tracebacks).
"""

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
import sys

from whoosh.multiproc import MpWriter

_PR_SET_PDEATHSIG = 1
_state = {"active": False, "parent": None, "handles": []}


def _die_with_parent():
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != _state["parent"]:  # the parent died before prctl
        os._exit(1)


def _before_fork():
    # Ctrl-C reaches the whole process group, the child being forked too:
    # held back until the child ignores it (and the parent can handle it).
    if _state["active"]:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _after_fork_in_parent():
    if _state["active"]:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _after_fork_in_child():
    if not _state["active"]:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent()
    for handle in _state["handles"]:
        with contextlib.suppress(OSError):
            os.close(handle.fileno())


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                    after_in_child=_after_fork_in_child)


@contextlib.contextmanager
def guarded(*handles):
    """Children forked inside the block die with this process and do not
    keep ``handles`` (open files such as the writer lock) open."""
    previous = dict(_state)
    _state.update(active=True, parent=os.getpid(),
                  handles=[*previous["handles"], *handles])
    try:
        yield
    finally:
        _state.update(previous)


def stop_workers(writer):
    """Terminate the worker processes of a Whoosh MpWriter, if any (they
    wait on a queue that nobody will feed any more), and let this process
    exit without flushing jobs into queues no one reads."""
    # every child, not only the writer's list: Ctrl-C may land between a
    # worker's start and its entry in that list
    tasks = {*getattr(writer, "tasks", ()), *multiprocessing.active_children()}
    for task in tasks:
        with contextlib.suppress(Exception):
            task.terminate()
    for task in tasks:
        with contextlib.suppress(Exception):
            task.join(5)
    for name in ("jobqueue", "resultqueue"):
        jobs = getattr(writer, name, None)
        if jobs is not None:
            jobs.cancel_join_thread()


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
        self._forget_dead_workers()
        super()._enqueue()

    def _commit(self, mergetype, optimize, merge):
        self._forget_dead_workers()
        super()._commit(mergetype, optimize, merge)

    def _forget_dead_workers(self):
        self.tasks = [task for task in self.tasks if task.is_alive()]


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
                self.writer._forget_dead_workers()
                if not self.writer.tasks:
                    self.writer._new_task()

    def __getattr__(self, name):
        return getattr(self.inner, name)
