"""Building and updating a zhen index on OpenSearch / Elasticsearch.

:func:`update_cluster_index` is :func:`zhen.indexer.update_index` for an
index URL (``http://HOST:PORT/NAME``, see :mod:`.connection`), with the same
:class:`~zhen.indexer.IndexReport` and the same meaning of every count:

* incremental by content hash: the id, hash, path, batch and file stamp of
  every live document are read first (doc values, no ``_source``); record
  files with a known stamp are not even read, unchanged documents are not
  sent, new and changed ones go in bulk requests, gone ones are deleted by
  id (``--prune``, the rule of :mod:`zhen.prune`; else counted ``missing``);
* ``rebuild`` fills a new concrete index ``NAME-<n+1>`` and moves the alias
  to it in one ``_aliases`` call, then deletes the older indexes. Until the
  switch the new index carries ``_meta.zhen_build.state = "building"``; a
  killed rebuild is **resumed** by the next ``rebuild`` (documents already
  in it are unchanged, not re-sent) when its fingerprint still matches,
  and thrown away otherwise;
* one writer at a time (:mod:`.lock`); the analysis fingerprint in the
  mapping's ``_meta`` is checked as :meth:`zhen.store.IndexStore.check_settings`
  does;
* a document the cluster refuses becomes a :class:`~zhen.records.Problem`
  naming its file (and line), the others are indexed; busy or absent nodes
  are retried with backoff (:class:`.writer.BulkWriter`);
* the index is refreshed at the end, so searches see the update.
"""

import re
import time
from datetime import UTC, datetime

from ...analysis import segmenter
from ...corpus import CorpusReader
from ...errors import IndexInterruptedError, IndexMissingError, SettingsMismatchError
from ...indexer import IndexReport, Known, visit_documents
from ...prune import prunable
from ...records import MAX_FIELD_CHARS, Problem
from .bodies import Renderer
from .connection import connect, unavailable
from .lock import ClusterLock
from .mapping import alias_targets, create_index, fingerprint, meta, point_alias, stored_fingerprint
from .writer import BulkWriter, known_documents

BUILDING, LIVE = "building", "live"
# Documents per bulk request (and per round of parallel analysis).
CHUNK_DOCS = 500


def update_cluster_index(
    paths,
    url,
    rebuild=False,
    prune=False,
    shards=1,
    replicas=0,
    userdict=None,
    wait=False,
    progress=None,
    max_field_chars=MAX_FIELD_CHARS,
    jobs=None,
):
    """Index ``paths`` into the cluster index at ``url``; returns an
    :class:`~zhen.indexer.IndexReport`. ``shards`` and ``replicas`` apply to
    an index created by this run; ``jobs`` processes analyse documents
    (default: the number of CPUs, used for large inputs only).

    Raises :class:`.errors.EngineUnavailableError` when the URL is not a
    reachable cluster, :class:`~zhen.errors.IndexLockedError`,
    :class:`~zhen.errors.SettingsMismatchError`, and
    :class:`~zhen.errors.IndexInterruptedError` on Ctrl-C (what was sent
    stays; a rerun finishes the job).
    """
    reader = CorpusReader(paths, max_field_chars)
    reader.sources()  # fails early on a path that does not exist
    started = time.monotonic()
    target, client, _ = connect(url)
    segmenter(userdict)  # loaded once here; worker processes inherit it
    try:
        with unavailable(target), ClusterLock(client, target.name, wait, where=str(target)) as lock:
            index = target_index(client, target, rebuild, userdict, shards, replicas)
            report = _run(client, index, lock, reader, prune, userdict, jobs, progress)
            if rebuild:
                switch(client, target.name, index, userdict)
            elif report.added or report.updated or report.removed:
                mark(client, index, userdict, LIVE)
            client.indices.refresh(index=index)
            report.documents = client.count(index=index)["count"]
    finally:
        client.close()
    report.seconds = round(time.monotonic() - started, 3)
    report.index, report.rebuilt = str(target), rebuild
    return report


def _run(client, index, lock, reader, prune, userdict, jobs, progress):
    """Apply the input to ``index``; Ctrl-C refreshes what was sent."""
    run = _ClusterRun(client, index, lock, userdict, jobs, progress)
    try:
        return run.apply(reader, prune)
    except KeyboardInterrupt:
        run.close()
        client.indices.refresh(index=index)
        raise IndexInterruptedError(
            f"interrupted: {run.sent:,} documents of this run were sent to {index}",
            hint="run the same command again to finish",
        ) from None
    finally:
        run.close()


# -- which index to write ----------------------------------------------------


def target_index(client, target, rebuild, userdict, shards, replicas):
    """The concrete index to write: the alias's (created with the alias
    when there is none yet), or, for a rebuild, a new or resumed one."""
    alias = target.name
    live = alias_targets(client, alias)
    if not live and client.indices.exists(index=alias):
        raise IndexMissingError(
            f"{target}: '{alias}' is an index zhen did not make (not an alias)",
            hint="choose another index name in the URL, or delete that index",
        )
    if len(live) > 1:
        raise IndexMissingError(
            f"{target}: the alias '{alias}' points at {len(live)} indexes ({', '.join(live)})",
            hint="point it at one, or run: zhen index --rebuild",
        )
    if rebuild:
        return _building_index(client, alias, live, userdict, shards, replicas)
    if not live:
        index = next_index_name(client, alias)
        create_index(client, index, userdict, shards, replicas, state=LIVE)
        point_alias(client, alias, index)
        return index
    check_settings(client, target, live[0], userdict)
    return live[0]


def family(client, alias):
    """{concrete index name: its mapping ``_meta``} of ``alias``'s indexes
    (``NAME-000001`` …), whatever the alias points at."""
    pattern = re.compile(re.escape(alias) + r"-(\d{6})$")
    found = client.indices.get_mapping(index=f"{alias}-*")
    return {
        name: body.get("mappings", {}).get("_meta", {})
        for name, body in found.items()
        if pattern.match(name)
    }


def next_index_name(client, alias):
    numbers = [int(name[-6:]) for name in family(client, alias)]
    return f"{alias}-{max(numbers, default=0) + 1:06d}"


def _building_index(client, alias, live, userdict, shards, replicas):
    """An unfinished rebuild newer than the live index with the current
    fingerprint (resumed), else a new index; stale unfinished ones go."""
    wanted = fingerprint(userdict)
    unfinished = sorted(
        name
        for name, body in family(client, alias).items()
        if body.get("zhen_build", {}).get("state") == BUILDING
        and name not in live
        and (not live or name > live[0])
    )
    for name in unfinished[:-1]:
        client.indices.delete(index=name)
    if unfinished:
        newest = unfinished[-1]
        if family(client, alias)[newest].get("zhen") == wanted:
            client.indices.refresh(index=newest)  # never refreshed while built
            return newest
        client.indices.delete(index=newest)
    index = next_index_name(client, alias)
    create_index(client, index, userdict, shards, replicas, state=BUILDING, refresh="-1")
    return index


def check_settings(client, target, index, userdict):
    """Refuse an index whose analysis differs from the current settings,
    as :meth:`zhen.store.IndexStore.check_settings` does."""
    stored = stored_fingerprint(client.indices.get_mapping(index=index))
    wanted = fingerprint(userdict)
    if stored is not None and stored != wanted:
        changed = sorted(k for k in wanted if stored.get(k) != wanted.get(k))
        raise SettingsMismatchError(
            f"the index {target} was built with other settings ({', '.join(changed)} changed)",
            hint=f"run: zhen index --rebuild --index {target} PATH",
        )


def switch(client, alias, index, userdict):
    """Make a rebuilt index live: refresh as usual again, mark it live,
    move the alias in one atomic call, delete the older indexes."""
    client.indices.put_settings(index=index, body={"index": {"refresh_interval": None}})
    client.indices.refresh(index=index)
    mark(client, index, userdict, LIVE)
    point_alias(client, alias, index)
    for name in family(client, alias):
        if name != index:
            client.indices.delete(index=name, ignore_unavailable=True)


def mark(client, index, userdict, state):
    """Record the build state and the time of this update in ``_meta``
    (searchers use it as the index version, e.g. for result caches)."""
    build = {"state": state, "updated": datetime.now(UTC).isoformat(timespec="microseconds")}
    client.indices.put_mapping(index=index, body={"_meta": {**meta(userdict), "zhen_build": build}})


# -- one pass over the input ---------------------------------------------------


class _ClusterRun:
    """One pass over the input against one concrete index."""

    def __init__(self, client, index, lock, userdict, jobs, progress):
        self.client, self.index, self.lock = client, index, lock
        self.writer = BulkWriter(client, index, userdict)
        self.renderer = Renderer(userdict, jobs)
        self.progress = progress or (lambda: None)
        self.report = IndexReport()
        self.pending = []  # (Document, "added" or "updated") to send
        self.queued = set()  # ids sent (or to be) in this run
        self.sent = 0

    def apply(self, reader, prune):
        report = self.report
        known = {
            doc_id: Known(*facts)
            for doc_id, facts in known_documents(self.client, self.index).items()
        }
        seen = visit_documents(reader, known, self._one, report, self.progress)
        self._flush()
        self._remove(prunable(known, seen, reader), prune)
        report.problems = reader.problems + report.problems
        report.failed = sum(p.severity == "error" for p in report.problems)
        return report

    def _one(self, doc, old):
        if old is not None and old.hash == doc.content_hash:
            self.report.unchanged += 1
            return
        how = "added" if old is None and doc.id not in self.queued else "updated"
        self.queued.add(doc.id)
        self.pending.append((doc, how))
        if len(self.pending) >= CHUNK_DOCS:
            self._flush()

    def _flush(self):
        """Analyse and send the pending documents; count what was indexed,
        report what was refused."""
        pending, self.pending = self.pending, []
        if not pending:
            return
        self.lock.check()
        rendered, errors = self.renderer.render([doc for doc, _ in pending])
        before = len(self.writer.report.failures)
        self.writer.index_sources(rendered)
        refused = {f.id: f for f in self.writer.report.failures[before:]}
        for doc, how in pending:
            problem = errors.get(doc.id) or _refusal(refused.get(doc.id))
            if problem:
                self.report.problems.append(Problem(doc.path, doc.line, problem))
                continue
            setattr(self.report, how, getattr(self.report, how) + 1)
            self.sent += 1

    def _remove(self, gone, prune):
        if prune and gone:
            self.lock.check()
            self.writer.delete_ids(gone)
            self.report.removed = len(gone)
        else:
            self.report.missing = len(gone)

    def close(self):
        self.renderer.close()


def _refusal(failure):
    if failure is None:
        return None
    reason = failure.reason if len(failure.reason) <= 240 else failure.reason[:240] + "…"
    return (
        f"cannot be indexed: the cluster refused it (HTTP {failure.status} "
        f"{failure.type}: {reason})"
    )
