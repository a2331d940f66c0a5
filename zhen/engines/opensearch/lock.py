"""One writer per cluster index: a lock document with a heartbeat.

The Whoosh store locks with ``flock``, which the kernel releases when the
writer dies. A cluster has no such thing, so the lock is a document in the
index ``zhen-locks`` whose id is the alias:

* taken with ``op_type=create`` (HTTP 409 when it exists: someone else
  writes, and :class:`~zhen.errors.IndexLockedError` names them);
* kept alive by a heartbeat thread that rewrites the document every
  ``ttl / 4`` seconds, with optimistic concurrency (``if_seq_no`` and
  ``if_primary_term``), so a writer notices when its lock was taken over;
* taken over when its heartbeat is older than ``ttl`` seconds (the writer
  died without releasing it), again with optimistic concurrency, so of two
  writers racing for a stale lock exactly one wins.

Staleness compares the heartbeat with this host's clock, so the writers'
clocks must agree to well within ``ttl`` (NTP does that).
"""

import os
import socket
import threading
import time
import uuid
from datetime import UTC, datetime

from ...errors import IndexLockedError

LOCKS_INDEX = "zhen-locks"
# A lock whose heartbeat is this old (seconds) belongs to a dead writer.
LOCK_TTL = 180
POLL_SECONDS = 2.0


class ClusterLock:
    """Context manager holding the write lock of one alias."""

    def __init__(self, client, alias, wait=False, ttl=None, poll=POLL_SECONDS, where=None):
        self.client, self.alias, self.wait = client, alias, wait
        self.ttl = LOCK_TTL if ttl is None else ttl
        self.poll, self.where = poll, where or alias
        self.token = uuid.uuid4().hex
        self.owner = f"pid {os.getpid()} on {socket.gethostname()} (zhen index)"
        self.since = datetime.now(UTC).isoformat(timespec="seconds")
        self.version = None  # (seq_no, primary_term) of our lock document
        self.lost = None  # who took the lock over, should that happen
        self._stop = threading.Event()
        self._beat = None

    def __enter__(self):
        ensure_locks_index(self.client)
        while not self._try_acquire():
            time.sleep(self.poll)
        self._beat = threading.Thread(
            target=self._heartbeat, daemon=True, name=f"zhen-lock-{self.alias}"
        )
        self._beat.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._beat is not None:
            self._beat.join(10)
        from opensearchpy.exceptions import ConflictError, NotFoundError
        from opensearchpy.exceptions import ConnectionError as Unreachable

        seq_no, term = self.version
        try:
            self.client.delete(
                index=LOCKS_INDEX,
                id=self.alias,
                refresh=True,
                if_seq_no=seq_no,
                if_primary_term=term,
            )
        except (ConflictError, NotFoundError, Unreachable):
            pass  # taken over meanwhile, or the cluster is gone: not ours now

    def check(self):
        """Raise :class:`IndexLockedError` when another writer took the lock
        over (this one stalled past ``ttl``): writing on would interleave."""
        if self.lost:
            raise IndexLockedError(
                f"the write lock of {self.where} was taken over by {self.lost} "
                f"(no heartbeat for {self.ttl} s)",
                hint="run the command again",
            )

    def _body(self):
        return {
            "owner": self.owner,
            "token": self.token,
            "since": self.since,
            "heartbeat": time.time(),
        }

    def _try_acquire(self):
        """True once the lock is ours; raises when refused and not waiting."""
        from opensearchpy.exceptions import ConflictError

        try:
            done = self.client.index(
                index=LOCKS_INDEX, id=self.alias, op_type="create", body=self._body(), refresh=True
            )
            self.version = (done["_seq_no"], done["_primary_term"])
            return True
        except ConflictError:
            pass
        holder = self._holder()
        if holder is None:
            return False  # released just now: try again
        doc, seq_no, term = holder
        if time.time() - float(doc.get("heartbeat", 0)) > self.ttl:
            return self._take_over(seq_no, term)
        if not self.wait:
            age = int(time.time() - float(doc.get("heartbeat", 0)))
            raise IndexLockedError(
                f"the index {self.where} is being written by {doc.get('owner', '?')} "
                f"(since {doc.get('since', '?')}, alive {age} s ago)",
                hint="wait for it to finish, or pass --wait to queue behind it "
                f"(a writer silent for {self.ttl} s is taken over)",
            )
        return False

    def _holder(self):
        """(document, seq_no, primary_term) of the current lock, or None."""
        from opensearchpy.exceptions import NotFoundError

        try:
            found = self.client.get(index=LOCKS_INDEX, id=self.alias)
        except NotFoundError:
            return None
        return found["_source"], found["_seq_no"], found["_primary_term"]

    def _take_over(self, seq_no, term):
        """Replace a dead writer's lock, unless another writer did first."""
        from opensearchpy.exceptions import ConflictError

        try:
            self._rewrite(seq_no, term, refresh=True)
        except ConflictError:
            return False
        return True

    def _rewrite(self, seq_no, term, **options):
        """Write this writer's lock over the version ``(seq_no, term)``
        (a ConflictError if the lock changed since) and keep the new version."""
        done = self.client.index(
            index=LOCKS_INDEX,
            id=self.alias,
            body=self._body(),
            if_seq_no=seq_no,
            if_primary_term=term,
            **options,
        )
        self.version = (done["_seq_no"], done["_primary_term"])

    def _heartbeat(self):
        """Rewrite the lock every ttl/4 s until released or taken over."""
        while not self._stop.wait(max(self.ttl / 4, 0.05)):
            if not self.beat():
                return

    def beat(self):
        """Rewrite the lock's heartbeat once; False (and ``lost`` set) when
        another writer has taken it over. A busy or absent cluster is not a
        loss: the next beat tries again."""
        from opensearchpy.exceptions import ConflictError, TransportError
        from opensearchpy.exceptions import ConnectionError as Unreachable

        try:
            self._rewrite(*self.version)
        except ConflictError:
            holder = self._holder()
            self.lost = holder[0].get("owner", "another writer") if holder else "another writer"
            return False
        except (Unreachable, TransportError):
            pass  # not a loss: the next beat tries again
        return True


def ensure_locks_index(client):
    """Create the locks index once, with no replica on a single node (an
    auto-created index would get one replica and turn the cluster yellow)."""
    from opensearchpy.exceptions import RequestError

    if client.indices.exists(index=LOCKS_INDEX):
        return
    try:
        client.indices.create(
            index=LOCKS_INDEX,
            body={
                "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
                "mappings": {"dynamic": False},
            },
        )
    except RequestError as exc:  # created by another writer meanwhile
        if "already_exists" not in str(exc.error):
            raise
