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
import gc
import multiprocessing
import os
import signal
import sys
from typing import Any

from .whoosh_internals import ResilientMpWriter

_PR_SET_PDEATHSIG = 1
_state: dict[str, Any] = {"active": False, "parent": None, "handles": []}


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


os.register_at_fork(
    before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child
)


@contextlib.contextmanager
def guarded(*handles):
    """Children forked inside the block die with this process and do not
    keep ``handles`` (open files such as the writer lock) open."""
    previous = dict(_state)
    _state.update(active=True, parent=os.getpid(), handles=[*previous["handles"], *handles])
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
    pooled = isinstance(writer, ResilientMpWriter)
    tasks = {*(writer.worker_processes() if pooled else ()), *multiprocessing.active_children()}
    for task in tasks:
        with contextlib.suppress(Exception):
            task.terminate()
    for task in tasks:
        with contextlib.suppress(Exception):
            task.join(5)
    for jobs in writer.queues() if pooled else ():
        jobs.cancel_join_thread()


@contextlib.contextmanager
def collection_paused():
    """Python's cyclic garbage collector off inside the block, in this
    process and in the worker processes forked inside it (they inherit it,
    and exit at the end of their chunk). A chunk holds millions of postings,
    which the collector walked again and again for garbage that reference
    counting frees anyway: 7 % of a STARD build. Call :func:`collect_chunk`
    after each chunk for the cycles it left."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collect_chunk():
    """Free the reference cycles made since the last call (with collection
    paused, everything made since is in the youngest generation), keeping
    the scan to what the last chunk left alive."""
    gc.collect(0)
